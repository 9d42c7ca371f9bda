/**
 * Leases on accounts, in Redis: `<prefix><account>:lease` holds `<owner>:<token>` with an expiry
 * (set only when absent), renewed by compare-and-extend. The token comes from the account's
 * `epoch` counter, so that every lease handed out carries a larger token than the one before; a
 * process passes the largest token it has seen, so the order survives even a Redis that lost the
 * counter. Every script takes a batch of accounts: a fleet worker renews all its leases in one
 * round trip.
 */
import { LuaScript } from './redisLink.js';

/**
 * Lua shared by the scripts that hand out a lease: the next token of an `epoch` key, above every
 * token a process says it saw (the counter may have been lost with Redis's data), and the lease
 * set with it.
 */
const TAKE = `local function take(lease, epoch, owner, ms, seen)
  local token = redis.call('INCR', epoch)
  if token <= seen then
    token = seen + 1
    redis.call('SET', epoch, token)
  end
  local value = owner .. ':' .. token
  redis.call('SET', lease, value, 'PX', ms)
  return value, token
end
`;

/**
 * KEYS: per account lease, epoch, released. ARGV: owner, leaseMs, then per account: phase (0:
 * the holder last seen may still hold it, 1: its lease has run out, 2: and a lease time more),
 * the largest token seen, and this owner's value from an earlier term ('' for none).
 * Per account: {1, value, token} taken; {0, holder, pttl} held by another; {2, '', epoch} not yet:
 * the lease vanished early (Redis lost its data, the epoch went back) and its holder may still
 * come to take it again.
 */
export const LEASE_ACQUIRE = new LuaScript(
  'lease-acquire',
  `${TAKE}local owner = ARGV[1]
local ms = tonumber(ARGV[2])
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local lease, epoch, released = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local phase = tonumber(ARGV[3 + 3 * i])
  local seen = tonumber(ARGV[4 + 3 * i])
  local own = ARGV[5 + 3 * i]
  local cur = redis.call('GET', lease)
  local mine = false
  local e = tonumber(redis.call('GET', epoch) or '0')
  if cur then
    if cur == own then mine = true else out[i + 1] = {0, cur, redis.call('PTTL', lease)} end
  elseif redis.call('EXISTS', released) == 1 then mine = true
  elseif e >= seen then mine = phase >= 1
  else mine = phase >= 2 end
  if mine then
    local value, token = take(lease, epoch, owner, ms, seen)
    redis.call('DEL', released)
    out[i + 1] = {1, value, token}
  elseif not cur then
    out[i + 1] = {2, '', e}
  end
end
return out`,
);

/**
 * KEYS: per account lease, epoch, state. ARGV: owner, leaseMs, then per account: the value held
 * and the largest token seen. Per account: {1, value} extended; {2, value, token} the lease had
 * vanished (expired while this process was paused or cut off, or Redis lost it) and nobody saved
 * the account's state since this holder did, so it is taken again with a new token; {0, ''} it
 * had vanished and someone else saved since; {-1, holder} another holds it.
 */
export const LEASE_RENEW = new LuaScript(
  'lease-renew',
  `${TAKE}local owner = ARGV[1]
local ms = tonumber(ARGV[2])
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local lease, epoch, state = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local value = ARGV[3 + 2 * i]
  local seen = tonumber(ARGV[4 + 2 * i])
  local cur = redis.call('GET', lease)
  if cur == value then
    redis.call('PEXPIRE', lease, ms)
    out[i + 1] = {1, value}
  elseif cur then
    out[i + 1] = {-1, cur}
  else
    local writer = false
    if redis.call('TYPE', state)['ok'] == 'hash' then writer = redis.call('HGET', state, 'writer') end
    if (not writer) or writer == value then
      local fresh, token = take(lease, epoch, owner, ms, seen)
      out[i + 1] = {2, fresh, token}
    else
      out[i + 1] = {0, ''}
    end
  end
end
return out`,
);

/**
 * KEYS: per account lease, released. ARGV: leaseMs, then per account the value held. Deletes each
 * lease still held with that value and marks it released for a lease time, so that a standby
 * takes it at once instead of waiting for it to run out. Returns how many were released.
 */
export const LEASE_RELEASE = new LuaScript(
  'lease-release',
  `local ms = tonumber(ARGV[1])
local n = 0
for i = 0, #KEYS / 2 - 1 do
  if redis.call('GET', KEYS[2 * i + 1]) == ARGV[2 + i] then
    redis.call('DEL', KEYS[2 * i + 1])
    redis.call('SET', KEYS[2 * i + 2], ARGV[2 + i], 'PX', ms)
    n = n + 1
  end
end
return n`,
);
