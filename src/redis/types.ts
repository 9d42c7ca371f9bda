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
  /** Not an option here: the state lives in Redis. */
  store?: never;
  /** Not an option here: the state is saved after every cycle (events are emitted by saves). */
  saveIntervalMs?: never;
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
  /** Longest wait for Redis to answer one command. @default the smaller of 5 s and half of `leaseMs` */
  redisTimeoutMs?: number;
  /**
   * How long a request in flight keeps its slot of the shared quota if this process dies with it.
   * @default 60_000
   */
  quotaHoldMs?: number;
}

import type { ExotelError } from '../exotel/errors.js';

/** One account of a fleet: its Sid, and what differs from the fleet's `stream` options. */
export interface CallFleetAccount extends Partial<Pick<CallStreamOptions, 'apiKey' | 'apiToken' | 'subdomain' | 'baseUrl' | 'timeZone' | 'filters' | 'maxRequestsPerMinute' | 'details'>> {
  accountSid: string;
}

/** Credentials of an account, from `CallFleetOptions.credentials`. */
export interface CallFleetCredentials {
  apiKey: string;
  apiToken: string;
}

/** Options of `createCallFleet`. */
export interface CallFleetOptions {
  /** The Redis client (ioredis `new Redis(url)`) every worker of the fleet shares. Yours: `stop()` does not close it. */
  redis: RedisClient;
  /**
   * The accounts: a list, or a function that returns one (called at start and every
   * `accountsRefreshMs`). Every worker of a fleet must be given the same accounts.
   */
  accounts: readonly CallFleetAccount[] | (() => readonly CallFleetAccount[] | Promise<readonly CallFleetAccount[]>);
  /**
   * The credentials of an account whose entry carries none, asked by the worker that takes the
   * account, each time it takes it (so a rotated token is picked up). An error (or a rejection)
   * fails that account only, reported on `errors$`.
   */
  credentials?: (account: Readonly<{ accountSid: string }>) => CallFleetCredentials | Promise<CallFleetCredentials>;
  /** Options of every account's stream; an account's own entry wins. */
  stream?: Omit<CallStreamOptions, 'accountSid' | 'apiKey' | 'apiToken' | 'store' | 'saveIntervalMs' | 'limiter'>;
  /** The fleet's name: workers with the same `prefix` and name share its accounts. @default 'default' */
  fleet?: string;
  /** Every key lives under `<prefix>`: accounts at `<prefix><accountSid>:…`, workers at `<prefix>fleet:<fleet>:workers`. @default 'exotel:' */
  prefix?: string;
  /** This worker's name: letters, digits, `.`, `_`, `-`. @default `<hostname>-<pid>-<random>` */
  worker?: string;
  /** An account's lease, and a worker's membership, last this long without renewal (both renewed every quarter of it). @default 10_000 */
  leaseMs?: number;
  /** How often the account list is asked again, when `accounts` is a function. @default 60_000 */
  accountsRefreshMs?: number;
  /** How long an account that failed for good (401, 403, bad options) waits before it is tried again (credentials asked anew). @default 300_000 */
  retryFailedMs?: number;
  /** Longest wait for Redis to answer one command. @default the smaller of 5 s and half of `leaseMs` */
  redisTimeoutMs?: number;
  /** How long a request in flight keeps its slot of the shared quota if this worker dies with it. @default 60_000 */
  quotaHoldMs?: number;
}

/** An error of a fleet, with the account it concerns (`null` for the worker's own: Redis, the account list). */
export interface CallFleetError {
  readonly accountSid: string | null;
  readonly error: ExotelError;
}

/** What this worker does with an account it holds. */
export interface CallFleetAccountStatus {
  readonly accountSid: string;
  /** `starting` (taken, stream starting), `running`, or `failed` (waiting `retryFailedMs` to try again). */
  readonly state: 'starting' | 'running' | 'failed';
  readonly token: number;
}
