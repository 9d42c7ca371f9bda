/**
 * Loading and saving a stream's state in Redis, optionally fenced by a lease: a fenced write
 * lands only while the lease key still holds the writer's value, checked by Redis in the same
 * script that writes, so that an ex-leader (paused, cut off, slow) can never overwrite what a
 * newer leader saved. The state is kept whole, as the other stores keep it.
 */
import { LuaScript } from './redisLink.js';
import type { RedisLink } from './redisLink.js';

/** KEYS: state, lease. ARGV: fence value ('' = unfenced). */
export const LOAD_STATE = new LuaScript(
  'load-state',
  `if ARGV[1] ~= '' then
  local cur = redis.call('GET', KEYS[2])
  if cur ~= ARGV[1] then
    if cur then return {'fenced'} end
    return {'missing'}
  end
end
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {'none'} end
if t ~= 'hash' then return {'wrongtype', t} end
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return {'nodata'} end
return {'ok', data}`,
);

/**
 * KEYS: state, lease, outbox. ARGV: fence value ('' = unfenced), state JSON, batch id, events
 * JSON ('' = no events), then the ids of earlier batches this save supersedes (saves whose
 * answer never came: they may have landed, and their events are in this batch again).
 * The outbox is a hash of batches (id → events JSON), each deleted when acknowledged.
 */
export const SAVE_STATE = new LuaScript(
  'save-state',
  `if ARGV[1] ~= '' then
  local cur = redis.call('GET', KEYS[2])
  if cur ~= ARGV[1] then
    if cur then return 'fenced' end
    return 'missing'
  end
end
local t = redis.call('TYPE', KEYS[1])['ok']
if t ~= 'none' and t ~= 'hash' then return 'wrongtype:' .. t end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'writer', ARGV[1])
for i = 5, #ARGV do redis.call('HDEL', KEYS[3], ARGV[i]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[4]) end
return 'ok'`,
);

export type LoadResult = { kind: 'none' } | { kind: 'ok'; text: string } | { kind: 'fenced' } | { kind: 'missing' } | { kind: 'unusable'; reason: string };

export async function loadStateText(link: RedisLink, keys: { state: string; lease: string }, fence: string): Promise<LoadResult> {
  const reply = (await link.run(LOAD_STATE, [keys.state, keys.lease], [fence])) as [string, string?];
  switch (reply[0]) {
    case 'ok':
      return { kind: 'ok', text: String(reply[1]) };
    case 'none':
      return { kind: 'none' };
    case 'fenced':
      return { kind: 'fenced' };
    case 'missing':
      return { kind: 'missing' };
    case 'wrongtype':
      return { kind: 'unusable', reason: `the key holds a ${String(reply[1])}, not a hash` };
    default:
      return { kind: 'unusable', reason: 'the hash has no `data` field' };
  }
}

export type SaveResult = 'ok' | 'fenced' | 'missing' | { unusable: string };

export async function saveStateText(
  link: RedisLink,
  keys: { state: string; lease: string; outbox: string },
  fence: string,
  text: string,
  outbox?: { batch: string; events: string; supersedes: readonly string[] },
): Promise<SaveResult> {
  const reply = String(await link.run(SAVE_STATE, [keys.state, keys.lease, keys.outbox], [fence, text, outbox?.batch ?? '', outbox?.events ?? '', ...(outbox?.supersedes ?? [])]));
  if (reply === 'ok' || reply === 'fenced' || reply === 'missing') return reply;
  return { unusable: `the key holds a ${reply.slice('wrongtype:'.length)}, not a hash` };
}
