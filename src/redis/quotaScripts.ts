/**
 * The shared quota's sliding window, in Redis: a sorted set of request stamps per account, with
 * times from Redis's own clock (`TIME`), never the processes'.
 *
 * A request takes a slot when fewer than `limit` stamps are younger than `reuseMs` (the window
 * plus a margin). While the request is in flight its stamp lies `holdMs` in the future (a process
 * that dies mid-request keeps the slot that long); when it has finished, its stamp becomes the
 * finish time. The server saw the request no later than it answered, and the next request on the
 * slot starts no earlier than `reuseMs` after that: no window of the server's ever holds more than
 * `limit` of them, however many processes share the set.
 *
 * When Redis loses the set (a restart without persistence), the next process that knew the old
 * one fills the new one with `limit` placeholders that last a grace period, as if the lost window
 * had been full, and every process that knew it puts its own stamps back in place of as many
 * placeholders before it takes a slot (each does as soon as its client reconnects). After the
 * grace period the window holds what the processes put back. Only the stamps of a process that
 * died, or did not reconnect within the grace period, are not put back.
 */
import { LuaScript } from './redisLink.js';

/**
 * KEYS: window, generation. ARGV: limit, reuseMs, holdMs, known generation ('' for none yet), a
 * new generation id, number of slots wanted, number of stamps to finish, number to give back,
 * then the ids wanted, the ids finished, the ids given back, and last the grace period (ms).
 * Returns {'restore', generation} when the generation is not the one known (put your stamps back
 * first), else {'ok', generation, now, granted, waitMs}.
 */
export const QUOTA_ACQUIRE = new LuaScript(
  'quota-acquire',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local reuse = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local known = ARGV[4]
local gen = redis.call('GET', KEYS[2])
if not gen then
  gen = ARGV[5]
  redis.call('SET', KEYS[2], gen)
  if known ~= '' then
    local stamp = now - reuse + math.min(tonumber(ARGV[#ARGV]), reuse)
    for i = 1, limit do redis.call('ZADD', KEYS[1], stamp, '~lost:' .. gen .. ':' .. i) end
  end
end
if known ~= '' and known ~= gen then return {'restore', gen, now} end
local want = tonumber(ARGV[6])
local nfin = tonumber(ARGV[7])
local nback = tonumber(ARGV[8])
local base = 8 + want
for i = 1, nfin do redis.call('ZADD', KEYS[1], now, ARGV[base + i]) end
base = base + nfin
for i = 1, nback do redis.call('ZREM', KEYS[1], ARGV[base + i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - reuse)
local count = redis.call('ZCARD', KEYS[1])
local granted = math.max(0, math.min(want, limit - count))
for i = 1, granted do redis.call('ZADD', KEYS[1], now + hold, ARGV[8 + i]) end
local wait = 0
if granted < want then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] then wait = math.max(1, tonumber(oldest[2]) + reuse - now + 1) else wait = 1 end
end
redis.call('PEXPIRE', KEYS[1], reuse + hold + 1000)
return {'ok', gen, now, granted, wait}`,
);

/**
 * KEYS: window, generation. ARGV: generation, limit, the window's expiry (ms), then pairs of (id, stamp).
 * Puts a process's own stamps back into a window Redis lost, each in place of a placeholder.
 * Returns 1, or 0 when the generation changed again (acquire once more).
 */
export const QUOTA_RESTORE = new LuaScript(
  'quota-restore',
  `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local limit = tonumber(ARGV[2])
local n = (#ARGV - 3) / 2
local removed = 0
local i = 1
while removed < n and i <= limit do
  removed = removed + redis.call('ZREM', KEYS[1], '~lost:' .. ARGV[1] .. ':' .. i)
  i = i + 1
end
for j = 0, n - 1 do redis.call('ZADD', KEYS[1], ARGV[5 + 2 * j], ARGV[4 + 2 * j]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1`,
);
