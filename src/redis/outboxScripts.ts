/**
 * The outbox: the events of the latest save, kept beside the state it recorded them in (the same
 * script writes both, see stateScripts.ts) until the leader confirms it emitted them. A new leader
 * emits what is left there first, marked `redelivered`.
 */
import { LuaScript } from './redisLink.js';

/** KEYS: lease, outbox. ARGV: fence value. {'fenced'} | {'ok', batch, events} (false when empty). */
export const OUTBOX_READ = new LuaScript(
  'outbox-read',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'fenced'} end
if redis.call('TYPE', KEYS[2])['ok'] ~= 'hash' then return {'ok', false, false} end
local v = redis.call('HMGET', KEYS[2], 'batch', 'events')
return {'ok', v[1], v[2]}`,
);

/** KEYS: lease, outbox. ARGV: fence value, batch id. Deletes the outbox if it still holds that batch. */
export const OUTBOX_ACK = new LuaScript(
  'outbox-ack',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('TYPE', KEYS[2])['ok'] ~= 'hash' then return 0 end
if redis.call('HGET', KEYS[2], 'batch') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[2])
return 1`,
);
