/**
 * What this library needs of a Redis client: Lua scripts, nothing else (every operation on Redis
 * is one script, so that what must be atomic is). An ioredis client (`new Redis(url)`, ioredis 5
 * or 6) is one; the type is structural, so the package's declarations do not depend on ioredis.
 */
export interface RedisClient {
  evalsha(sha1: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Counters of the Redis commands sent on behalf of a limiter, stream or fleet. */
export interface RedisStats {
  /** Commands sent (each script run is one; a NOSCRIPT fallback to EVAL adds one). */
  roundTrips: number;
  /** Script runs that found their script missing (after a Redis restart or `SCRIPT FLUSH`) and were sent again in full. */
  scriptReloads: number;
  /** Commands that failed: no answer within the timeout, connection lost, or an error reply. */
  failures: number;
}
