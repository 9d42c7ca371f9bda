/** The types of `exotel-call-stream/redis`, as a user's editor sees them through the package name. */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { CallStreamEvent, CallStreamLike, Store } from 'exotel-call-stream';
import { CallFleet, RedisCallStream, createCallFleet, createRedisCallStream, createRedisQuotaLimiter, redisStore } from 'exotel-call-stream/redis';
import type { CallFleetError, CallFleetOptions, LeaderRole, RedisCallStreamEvent, RedisCallStreamOptions, RedisClient, RedisQuotaLimiter } from 'exotel-call-stream/redis';

describe('the types of exotel-call-stream/redis', () => {
  it('take an ioredis client as it is, and give what the main entry takes', () => {
    expectTypeOf<Redis>().toExtend<RedisClient>();
    expectTypeOf(redisStore).returns.toEqualTypeOf<Store>();
    expectTypeOf(createRedisQuotaLimiter).returns.toEqualTypeOf<RedisQuotaLimiter>();
    expectTypeOf<RedisQuotaLimiter>().toExtend<Bottleneck>();
    expectTypeOf(createRedisCallStream).returns.toEqualTypeOf<RedisCallStream>();
    expectTypeOf<RedisCallStream>().toExtend<CallStreamLike>();
    expectTypeOf(createCallFleet).returns.toEqualTypeOf<CallFleet>();
  });

  it('describe the events with their account, id and redelivered, and the roles', () => {
    expectTypeOf<RedisCallStreamEvent>().toExtend<CallStreamEvent>();
    expectTypeOf<RedisCallStreamEvent['accountSid']>().toEqualTypeOf<string>();
    expectTypeOf<RedisCallStreamEvent['redelivered']>().toEqualTypeOf<boolean>();
    expectTypeOf<RedisCallStream['events$']>().toEqualTypeOf<Observable<RedisCallStreamEvent>>();
    expectTypeOf<RedisCallStream['role$']>().toEqualTypeOf<Observable<LeaderRole>>();
    expectTypeOf<RedisCallStream['limiter']>().toEqualTypeOf<Bottleneck>();
    expectTypeOf<CallFleet['events$']>().toEqualTypeOf<Observable<RedisCallStreamEvent>>();
    expectTypeOf<CallFleet['errors$']>().toEqualTypeOf<Observable<CallFleetError>>();
  });

  it('take the stream options, but not those that Redis replaces', () => {
    expectTypeOf<{ redis: Redis; accountSid: string; leaseMs: number; pollIntervalMs: number }>().toExtend<RedisCallStreamOptions>();
    expectTypeOf<{ redis: Redis; accountSid: string; store: Store }>().not.toExtend<RedisCallStreamOptions>();
    expectTypeOf<{ redis: Redis; accounts: Array<{ accountSid: string }>; stream: { pollIntervalMs: number } }>().toExtend<CallFleetOptions>();
  });
});
