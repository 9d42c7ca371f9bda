import type Bottleneck from 'bottleneck';
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import type { RedisClient, RedisStats } from './RedisClient.js';
import { accountKeys } from './keys.js';
import { RedisLink, assertRedisClient } from './redisLink.js';
import { quotaFront } from './quotaFront.js';
import { QuotaWindow } from './quotaWindow.js';

/** Options of `createRedisQuotaLimiter`. */
export interface RedisQuotaLimiterOptions {
  /** The account whose quota this is: every limiter on the same `prefix` and account shares one window. */
  accountSid: string;
  /** Requests allowed in any window of `windowMs`, across every process. Give them all the same. @default 200 */
  maxRequestsPerMinute?: number;
  /** Where the window lives: `<prefix><accountSid>:quota`. @default 'exotel:' */
  prefix?: string;
  /** The window the limit applies to. @default 60_000 */
  windowMs?: number;
  /** Added to the window before a slot is reused, against clock granularity. @default 1_000 */
  marginMs?: number;
  /**
   * How long a request in flight may keep its slot before it is counted as finished: a process
   * that dies mid-request holds its slots this long, plus the window. @default 60_000
   */
  holdMs?: number;
  /**
   * When Redis loses the window (a restart without persistence), how long it counts as full while
   * every process puts its own stamps back (each does when its client reconnects). Capped at the
   * window plus the margin. @default 5_000
   */
  restoreGraceMs?: number;
  /** Jobs of this process running at once. @default 16 */
  maxConcurrent?: number;
  /** Longest wait for Redis to answer. @default 2_000 */
  timeoutMs?: number;
  /** Told once per Redis outage (`ERR_REDIS`): jobs wait, none runs without a slot. */
  onError?: (error: ExotelError) => void;
}

/** The Bottleneck `createRedisQuotaLimiter` returns, with counters of its Redis round trips. */
export type RedisQuotaLimiter = Bottleneck & {
  /** Redis commands sent by this limiter so far (a copy). */
  redisStats(): RedisStats;
};

const positiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
const nonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export interface ResolvedQuotaOptions {
  limit: number;
  windowMs: number;
  marginMs: number;
  holdMs: number;
  maxConcurrent: number;
  timeoutMs: number;
  restoreGraceMs: number;
}

/** Validates the window's numbers (shared with the leader stream and the fleet). */
export function resolveQuotaOptions(options: Partial<RedisQuotaLimiterOptions>): ResolvedQuotaOptions {
  const limit = options.maxRequestsPerMinute ?? 200;
  const windowMs = options.windowMs ?? 60_000;
  const marginMs = options.marginMs ?? 1_000;
  const holdMs = options.holdMs ?? 60_000;
  const maxConcurrent = options.maxConcurrent ?? 16;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const restoreGraceMs = options.restoreGraceMs ?? 5_000;
  if (!positiveInteger(limit) || limit > 100_000) throw new InvalidOptionError('maxRequestsPerMinute', 'an integer from 1 to 100000', limit);
  if (!positiveInteger(windowMs)) throw new InvalidOptionError('windowMs', 'a positive integer of milliseconds', windowMs);
  if (!nonNegativeInteger(marginMs)) throw new InvalidOptionError('marginMs', 'an integer of milliseconds, 0 or more', marginMs);
  if (!positiveInteger(holdMs)) throw new InvalidOptionError('holdMs', 'a positive integer of milliseconds', holdMs);
  if (!positiveInteger(maxConcurrent)) throw new InvalidOptionError('maxConcurrent', 'a positive integer', maxConcurrent);
  if (!positiveInteger(timeoutMs)) throw new InvalidOptionError('timeoutMs', 'a positive integer of milliseconds', timeoutMs);
  if (!nonNegativeInteger(restoreGraceMs)) throw new InvalidOptionError('restoreGraceMs', 'an integer of milliseconds, 0 or more', restoreGraceMs);
  return { limit, windowMs, marginMs, holdMs, maxConcurrent, timeoutMs, restoreGraceMs };
}

export function assertPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new InvalidOptionError('prefix', 'a non-empty string such as `exotel:`', prefix);
  return prefix;
}

export function assertAccountSid(accountSid: unknown, option = 'accountSid'): string {
  if (typeof accountSid !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(accountSid)) {
    throw new InvalidOptionError(option, 'an account Sid (letters, digits, `_` and `-`)', accountSid);
  }
  return accountSid;
}

/**
 * A Bottleneck whose jobs draw on one sliding window per account, kept in Redis and shared by
 * every process that creates a limiter for the same account and prefix: never more than
 * `maxRequestsPerMinute` jobs start in any 60-second window across all of them (each counted from
 * when it takes its slot until `windowMs + marginMs` after it finished, by Redis's clock).
 *
 * Pass it as the `limiter` of `createCallStream` or `ExotelClient`, and schedule your own Exotel
 * calls through it (or through a limiter of your own for the same account, in any process), so
 * that the stream, a click-to-call service and a nightly backfill share the account's 200 a
 * minute. Jobs wait in priority order (`priority` 0 first, FIFO within one) for a slot; a job of
 * `weight` n takes n slots. Without Redis no job starts (they wait; `onError` is told once). When
 * Redis loses the window, it counts as full for `restoreGraceMs` while each process puts its own
 * stamps back.
 * `stop()` fails the jobs still waiting. The client is yours: the limiter never closes it.
 *
 * @example
 * import Redis from 'ioredis';
 * const limiter = createRedisQuotaLimiter(new Redis(process.env.REDIS_URL), { accountSid: 'acme1' });
 * const stream = createCallStream({ accountSid: 'acme1', limiter });
 * await limiter.schedule({ priority: 3 }, () => myClickToCall());
 */
export function createRedisQuotaLimiter(redis: RedisClient, options: RedisQuotaLimiterOptions): RedisQuotaLimiter {
  const client = assertRedisClient(redis);
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object with `accountSid`', options);
  const accountSid = assertAccountSid(options.accountSid);
  const prefix = assertPrefix(options.prefix ?? 'exotel:');
  const resolved = resolveQuotaOptions(options);
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new InvalidOptionError('onError', 'a function', options.onError);
  const link = new RedisLink(client, resolved.timeoutMs);
  const window = new QuotaWindow({ link, keys: accountKeys(prefix, accountSid), ...resolved, ...(options.onError ? { onError: options.onError } : {}) });
  const limiter = quotaFront(window, `exotel-redis-quota-${accountSid}`, () => window.close()) as RedisQuotaLimiter;
  limiter.redisStats = () => ({ ...link.stats });
  return limiter;
}
