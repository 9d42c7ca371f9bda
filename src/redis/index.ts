// The `exotel-call-stream/redis` entry: several processes and many accounts through Redis.
// Every export by name. Nothing here loads a Redis client: pass your own (ioredis).

export { createRedisCallStream } from './createRedisCallStream.js';
export { RedisCallStream } from './RedisCallStream.js';
export type { RedisCallStreamEvents } from './RedisCallStream.js';
export { createCallFleet } from './createCallFleet.js';
export { CallFleet } from './CallFleet.js';
export { createRedisQuotaLimiter } from './createRedisQuotaLimiter.js';
export type { RedisQuotaLimiter, RedisQuotaLimiterOptions } from './createRedisQuotaLimiter.js';
export { redisStore } from './redisStore.js';
export type { RedisStoreOptions } from './redisStore.js';
export type { RedisClient, RedisStats } from './RedisClient.js';
export type {
  CallFleetAccount,
  CallFleetAccountStatus,
  CallFleetCredentials,
  CallFleetError,
  CallFleetOptions,
  LeaderRole,
  RedisCallStreamEvent,
  RedisCallStreamOptions,
} from './types.js';
