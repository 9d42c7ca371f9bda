/**
 * `--redis URL`: join the other processes of an account through Redis (a shared quota, the state,
 * one leader). The URL may carry a password (`redis://:secret@host:6379/0`): it is never printed,
 * and EXOTEL_REDIS_URL keeps it off the command line (where `ps` would show it).
 */
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import type { RedisClient } from '../redis/RedisClient.js';
import type { OptionSpecs } from './parse.js';
import { parseDurationMs } from './parse.js';
import { UsageError } from './UsageError.js';

export const redisOptions = {
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  lease: { type: 'string' },
} as const satisfies OptionSpecs;

/** For commands that only take a share of the quota (`backfill`): no lease. */
export const redisQuotaOptions = {
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
} as const satisfies OptionSpecs;

export const redisQuotaHelp = `  --redis URL             take the requests from the account's quota shared through Redis
                          (with \`tail --redis\` and the library's Redis streams), or
                          EXOTEL_REDIS_URL; --redis-prefix P as theirs (default exotel:)`;

export const redisHelp = `Several processes on one account (see README, "Several processes"):
  --redis URL             share the account's quota, state and leadership through Redis, or
                          EXOTEL_REDIS_URL (better for a password: \`ps\` shows flags); one
                          process leads and prints, the others stand by and take over
  --redis-prefix P        where the keys live: <P><account>:... (default exotel:)
  --lease DUR             a leader that dies is replaced within about this long (default 10s)`;

export interface RedisFlagValues {
  redis?: string | undefined;
  'redis-prefix'?: string | undefined;
  lease?: string | undefined;
}

export interface RedisSettings {
  url: string;
  /** The URL without its credentials, for messages. */
  shown: string;
  prefix: string;
  leaseMs: number | undefined;
}

/** The URL without userinfo. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** The Redis settings from the flags and environment, or undefined without `--redis`/EXOTEL_REDIS_URL. */
export function redisSettingsFrom(values: RedisFlagValues, env: NodeJS.ProcessEnv): RedisSettings | undefined {
  const url = values.redis?.trim() || env.EXOTEL_REDIS_URL?.trim() || undefined;
  if (url === undefined) {
    for (const flag of ['redis-prefix', 'lease'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`\`--${flag}\` needs \`--redis URL\` (or EXOTEL_REDIS_URL).`);
    }
    return undefined;
  }
  const option = values.redis === undefined ? 'EXOTEL_REDIS_URL' : '--redis';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidOptionError(option, 'a URL such as `redis://127.0.0.1:6379` (or `rediss://` for TLS)', redactRedisUrl(url));
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionError(option, 'a `redis://` or `rediss://` URL', redactRedisUrl(url));
  }
  const prefix = values['redis-prefix'] ?? 'exotel:';
  if (prefix.length === 0) throw new InvalidOptionError('--redis-prefix', 'a non-empty prefix such as `exotel:`', prefix);
  return { url, shown: redactRedisUrl(url), prefix, leaseMs: values.lease === undefined ? undefined : parseDurationMs(values.lease, '--lease') };
}

export interface ConnectedRedis {
  client: RedisClient;
  /** Closes the connection. */
  close(): Promise<void>;
}

/**
 * A limiter on the account's window shared through Redis, for a command's own client; `close()`
 * stops it and closes the connection.
 */
export async function sharedQuota(settings: RedisSettings, accountSid: string, maxRequestsPerMinute: number): Promise<{ limiter: import('bottleneck').default; close(): Promise<void> }> {
  const { createRedisQuotaLimiter } = await import('../redis/createRedisQuotaLimiter.js');
  const redis = await connectRedis(settings);
  const limiter = createRedisQuotaLimiter(redis.client, { accountSid, prefix: settings.prefix, maxRequestsPerMinute });
  return {
    limiter,
    async close() {
      await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
      await redis.close();
    },
  };
}

/** Connects (ioredis, loaded only now), failing with `ERR_REDIS` when Redis cannot be reached or refuses the password. */
export async function connectRedis(settings: RedisSettings): Promise<ConnectedRedis> {
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch {
    throw new UsageError('`--redis` needs the `ioredis` package beside exotel-call-stream: `npm install ioredis`.', { showHelpHint: false });
  }
  const password = (() => {
    try {
      return decodeURIComponent(new URL(settings.url).password);
    } catch {
      return '';
    }
  })();
  const scrub = (text: string) => (password.length > 0 ? text.split(password).join('***') : text);
  const client = new Redis(settings.url, {
    lazyConnect: true,
    // Fail commands fast while Redis is away: the stream retries on its own schedule.
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times: number) => Math.min(times * 100, 1_000),
  });
  // Outages are reported by the stream (ERR_REDIS on errors$); the client's events are noise
  // then. While connecting, the last one says why (a refused password, a refused connection).
  let reason: Error | undefined;
  client.on('error', (error: Error) => {
    reason = error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new ExotelError('ERR_REDIS', `Cannot use Redis at ${settings.shown}: ${scrub((reason ?? (error as Error)).message)}`);
  }
  return {
    client,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
