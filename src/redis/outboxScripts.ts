/**
 * The outbox: the events of each save, kept beside the state that records them (the same script
 * writes both, see stateScripts.ts) until the leader confirms it emitted them: a hash of batches,
 * `<lease value>/<seq>` → events JSON. A new leader emits what is left there first, oldest batch
 * first, marked `redelivered`.
 */
import { LuaScript } from './redisLink.js';

/** KEYS: lease, outbox. ARGV: fence value. {'fenced'} | {'ok', {batch, events, batch, events, …}}. */
export const OUTBOX_READ = new LuaScript(
  'outbox-read',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'fenced'} end
if redis.call('TYPE', KEYS[2])['ok'] ~= 'hash' then return {'ok', {}} end
return {'ok', redis.call('HGETALL', KEYS[2])}`,
);

/** KEYS: lease, outbox. ARGV: fence value, batch ids. Deletes those batches: emitted. */
export const OUTBOX_ACK = new LuaScript(
  'outbox-ack',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('TYPE', KEYS[2])['ok'] ~= 'hash' then return 0 end
local n = 0
for i = 2, #ARGV do n = n + redis.call('HDEL', KEYS[2], ARGV[i]) end
return n`,
);

/** Orders batch ids `<owner>:<token>/<seq>` as they were saved: by token, then sequence. */
export function batchOrder(a: string, b: string): number {
  const parse = (id: string) => {
    const slash = id.lastIndexOf('/');
    const value = id.slice(0, slash);
    return { token: Number(value.slice(value.lastIndexOf(':') + 1)) || 0, seq: Number(id.slice(slash + 1)) || 0 };
  };
  const x = parse(a);
  const y = parse(b);
  return x.token - y.token || x.seq - y.seq || (a < b ? -1 : a > b ? 1 : 0);
}
