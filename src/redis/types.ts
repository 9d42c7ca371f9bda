/** Types of the Redis-backed streams and fleet. */
import type { CallStreamEvent } from '../stream/types.js';

/**
 * An event of a stream or fleet on Redis: the stream's event, with the account it belongs to, an
 * id that another process gives the same event, and whether it may have been emitted before.
 */
export type RedisCallStreamEvent = CallStreamEvent & {
  /** The account the call belongs to. */
  readonly accountSid: string;
  /**
   * The same for the same event, whichever process emits it: `<account>/<sid>/callCompleted`,
   * `…/callFailed`, or `…/callUpdated/<hash of the record>`. An idempotency key for consumers.
   */
  readonly id: string;
  /**
   * `true` for an event that an earlier leader saved as emitted and had not confirmed emitting
   * when it stopped (a crash between the two): it may have reached your code already. Dedupe by
   * `id` where a repeat matters.
   */
  readonly redelivered: boolean;
};

/** What a process is for an account. */
export type LeaderRole = 'idle' | 'standby' | 'leader' | 'stopped';

import type { CallStreamOptions } from '../stream/types.js';
import type { RedisClient } from './RedisClient.js';

/** Options of `createRedisCallStream`: the stream's own, but `store` and `saveIntervalMs`, plus where Redis is. */
export interface RedisCallStreamOptions extends Omit<CallStreamOptions, 'store' | 'saveIntervalMs'> {
  /** The Redis client (ioredis `new Redis(url)`). Yours: `stop()` does not close it. */
  redis: RedisClient;
  /** Every key of the account lives under `<prefix><accountSid>:`. @default 'exotel:' */
  prefix?: string;
  /**
   * How long a lease lasts without renewal: a leader that dies is replaced within about this long
   * (plus a quarter of it), and one that cannot reach Redis stops emitting before it runs out.
   * Renewed every quarter of it. 500 ms to 1 hour.
   * @default 10_000
   */
  leaseMs?: number;
  /** This process's name in the lease (`<owner>:<token>`): letters, digits, `.`, `_`, `-`. @default `<hostname>-<pid>-<random>` */
  owner?: string;
  /** Longest wait for Redis to answer one command. @default the smaller of 2 s and a quarter of `leaseMs` */
  redisTimeoutMs?: number;
  /**
   * How long a request in flight keeps its slot of the shared quota if this process dies with it.
   * @default 60_000
   */
  quotaHoldMs?: number;
}
