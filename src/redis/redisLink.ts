/**
 * One way to Redis for the shared quota, the stores and the leases: every operation is a Lua
 * script sent with EVALSHA (the script's SHA-1, a few bytes) and, when Redis answers NOSCRIPT
 * (it restarted, or `SCRIPT FLUSH` ran), sent again in full with EVAL, which also loads it. Each
 * command has a timeout of its own, so that a Redis that went away is noticed in bounded time
 * whatever the client's offline queue does.
 */
import { createHash } from 'node:crypto';
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import type { RedisClient, RedisStats } from './RedisClient.js';

/** A Lua script and its SHA-1. */
export class LuaScript {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Whether `value` looks like a Redis client this library can use. */
export function assertRedisClient(value: unknown, option = 'redis'): RedisClient {
  const v = value as { evalsha?: unknown; eval?: unknown } | null;
  if (typeof v !== 'object' || v === null || typeof v.evalsha !== 'function' || typeof v.eval !== 'function') {
    throw new InvalidOptionError(option, 'a Redis client with `evalsha` and `eval` (an ioredis `new Redis(url)`)', value);
  }
  return value as RedisClient;
}

type Reconnected = () => void;

export class RedisLink {
  readonly stats: RedisStats = { roundTrips: 0, scriptReloads: 0, failures: 0 };
  readonly #reconnected = new Set<Reconnected>();
  #listening = false;
  readonly #onReady = () => {
    for (const callback of this.#reconnected) callback();
  };

  constructor(
    readonly client: RedisClient,
    /** Longest wait for an answer; a command still queued after it is reported failed (it may yet run). */
    readonly timeoutMs: number,
  ) {}

  /**
   * Calls `callback` each time the client (re)connects, when it says so (ioredis emits `ready`):
   * after a Redis restart, what was lost there can be put back at once. Returns the undo.
   */
  onReconnect(callback: Reconnected): () => void {
    const emitter = this.client as unknown as { on?: (event: string, fn: () => void) => unknown; off?: (event: string, fn: () => void) => unknown };
    if (typeof emitter.on !== 'function' || typeof emitter.off !== 'function') return () => {};
    this.#reconnected.add(callback);
    if (!this.#listening) {
      this.#listening = true;
      emitter.on('ready', this.#onReady);
    }
    return () => {
      this.#reconnected.delete(callback);
      if (this.#reconnected.size === 0 && this.#listening) {
        this.#listening = false;
        emitter.off!('ready', this.#onReady);
      }
    };
  }

  /** Runs `script`; an error is an `ExotelError` with code `ERR_REDIS` that names the script. */
  async run(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      try {
        return await this.#send(() => this.client.evalsha(script.sha, keys.length, ...keys, ...args));
      } catch (error) {
        if (!messageOf(error).startsWith('NOSCRIPT')) throw error;
        this.stats.scriptReloads++;
        return await this.#send(() => this.client.eval(script.source, keys.length, ...keys, ...args));
      }
    } catch (error) {
      this.stats.failures++;
      throw new ExotelError('ERR_REDIS', `Redis ${script.name} failed: ${messageOf(error)}`, { cause: error });
    }
  }

  #send(command: () => Promise<unknown>): Promise<unknown> {
    this.stats.roundTrips++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref?.();
      let pending: Promise<unknown>;
      try {
        pending = command();
      } catch (error) {
        clearTimeout(timer);
        reject(error);
        return;
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
