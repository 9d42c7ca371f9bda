/**
 * Call events into a Redis Stream (`XADD <key> MAXLEN ~ <maxLen> * id <key> type <type> sid <sid> body <json>`),
 * for consumers in any language reading with consumer groups (`XREADGROUP GROUP <group> <consumer> STREAMS <key> >`).
 *
 * Events are accepted into an outbox first (a file by default, fsynced before `enqueue()`
 * returns), so that a Redis outage or a crash loses nothing; they are added one at a time, in
 * order, retried with backoff while Redis is unreachable, and dead-lettered with the reason when
 * Redis refuses them for good (`WRONGTYPE`, `OOM` past `maxAttempts`). Delivery is at least once:
 * consumers de-duplicate by the `id` field (the idempotency key).
 */
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamLike } from '../stream/types.js';
import type { Outbox } from './Outbox.js';
import { OutboxSink, openOutbox, type AttemptResult } from './OutboxSink.js';
import { numberOption, resolveClock } from './retryPolicy.js';
import type { RedisCommands } from './RedisCommands.js';
import type { RetryOptions, SinkClock } from './types.js';

export interface RedisStreamSinkOptions {
  /** A Redis client with ioredis's `call(command, ...args)` (an ioredis `Redis`). You own and close it. */
  redis: RedisCommands;
  /** The stream's key. */
  key: string;
  /** The stream is capped near this many entries (`MAXLEN ~`). @default 1_000_000 */
  maxLen?: number;
  /** A consumer group to create (from the stream's start) when it does not exist yet. */
  group?: string;
  /** The stream to forward. Optional: events can also be handed to `enqueue()`. */
  stream?: Pick<CallStreamLike, 'events$'>;
  /** The outbox file in front of Redis. Or give `outbox`. */
  outboxPath?: string;
  outbox?: Outbox;
  /** Where events given up are recorded. @default `<outboxPath>.dead.ndjson` (none with `outbox`) */
  deadLetterPath?: string;
  retry?: RetryOptions;
  /** Attempts per event before it is given up. @default Infinity */
  maxAttempts?: number;
  clock?: SinkClock;
  random?: () => number;
  /** The sink's name in events and metrics. @default 'redis-stream' */
  name?: string;
}

/** Replies that retrying will not change. */
const PERMANENT = /^(WRONGTYPE|ERR|NOPERM|NOSCRIPT)\b/;

/** A running Redis Stream sink (a `Sink`), with its key. */
export class RedisStreamSink extends OutboxSink {
  readonly key: string;
  constructor(key: string, options: ConstructorParameters<typeof OutboxSink>[0]) {
    super(options);
    this.key = key;
  }
}

/**
 * @example
 * import Redis from 'ioredis';
 * const redis = new Redis(process.env.REDIS_URL!);
 * const sink = redisStreamSink({ redis, stream, key: 'exotel:calls', group: 'crm', outboxPath: './redis.outbox.jsonl' });
 */
export function redisStreamSink(options: RedisStreamSinkOptions): RedisStreamSink {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const { redis } = options;
  if (typeof redis !== 'object' || redis === null || typeof redis.call !== 'function') {
    throw new InvalidOptionError('redis', 'a Redis client with `call(command, ...args)` (ioredis)', redis);
  }
  if (typeof options.key !== 'string' || options.key.length === 0) throw new InvalidOptionError('key', 'a Redis key', options.key);
  const maxLen = numberOption('maxLen', options.maxLen, 1_000_000, { min: 1 });
  if (options.group !== undefined && (typeof options.group !== 'string' || options.group.length === 0)) throw new InvalidOptionError('group', 'a consumer group name', options.group);
  const clock = resolveClock(options.clock);
  const { outbox, deadLetters } = openOutbox(options, clock);
  const key = options.key;
  let groupReady = options.group === undefined;

  const attempt = async (entry: { key: string; type: string; body: string }): Promise<AttemptResult> => {
    try {
      if (!groupReady) {
        try {
          await redis.call('XGROUP', 'CREATE', key, options.group!, '0', 'MKSTREAM');
        } catch (error) {
          if (!/BUSYGROUP/.test((error as Error).message)) throw error;
        }
        groupReady = true;
      }
      const sid = entry.key.split(':', 1)[0] ?? '';
      await redis.call('XADD', key, 'MAXLEN', '~', maxLen, '*', 'id', entry.key, 'type', entry.type, 'sid', sid, 'body', entry.body);
      return { ok: true };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { ok: false, retryable: !PERMANENT.test(e.message), reason: `redis: ${e.message}`, error: e };
    }
  };

  return new RedisStreamSink(key, {
    name: options.name ?? 'redis-stream',
    outbox,
    deadLetters,
    attempt,
    retry: options.retry,
    maxAttempts: options.maxAttempts,
    clock,
    random: options.random,
    stream: options.stream,
  });
}
