/**
 * The one method the Redis sinks use of a Redis client: `call(command, ...args)`, as ioredis names
 * it. The library does not depend on a Redis client; pass your own (`new Redis(url)` of ioredis).
 */
export interface RedisCommands {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}
