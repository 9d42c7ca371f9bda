import { RedisCallStream } from './RedisCallStream.js';
import type { RedisCallStreamOptions } from './types.js';

/**
 * A call stream that several processes (replicas, machines) run together on one account through
 * Redis: one of them leads (holds the account's lease, polls and emits), the others stand by and
 * take over within about `leaseMs` when it stops, dies or loses Redis, resuming from the state
 * the leader saved in Redis. Every request of every process draws on one shared quota window.
 * The options are `createCallStream`'s (but `store` and `saveIntervalMs`), plus `redis`,
 * `prefix`, `leaseMs`, `owner`, `redisTimeoutMs` and `quotaHoldMs`.
 *
 * @example
 * import Redis from 'ioredis';
 * const stream = createRedisCallStream({ redis: new Redis(process.env.REDIS_URL), accountSid: 'acme1', subdomain: 'api.in.exotel.com' });
 * stream.callCompleted$.subscribe((call) => …);   // emitted by whichever process leads
 * stream.role$.subscribe((role) => console.log(role));  // 'standby' | 'leader'
 */
export function createRedisCallStream(options: RedisCallStreamOptions): RedisCallStream {
  return new RedisCallStream(options);
}
