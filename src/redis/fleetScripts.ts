/** The fleet's membership in Redis: a sorted set of workers, each scored by when it expires. */
import { LuaScript } from './redisLink.js';

/**
 * KEYS: workers. ARGV: worker, ttlMs, leaving (1 to remove it). Refreshes (or removes) this
 * worker, drops the expired ones, returns the live workers.
 */
export const FLEET_HEARTBEAT = new LuaScript(
  'fleet-heartbeat',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[3] == '1' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`,
);
