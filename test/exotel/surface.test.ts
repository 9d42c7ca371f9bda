import { describe, expectTypeOf, it } from 'vitest';
import type Bottleneck from 'bottleneck';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { ClientStats } from '../../src/exotel/clientStats.js';
import type { ExotelClientOptions, ListAllOptions, RequestOptions } from '../../src/exotel/clientOptions.js';
import { createQuotaLimiter } from '../../src/exotel/createQuotaLimiter.js';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import type { CallPage } from '../../src/exotel/paging.js';
import type { ApiClock } from '../../src/exotel/ApiClock.js';
import { buildCallQuery } from '../../src/exotel/buildCallQuery.js';
import type { CallQuery } from '../../src/exotel/buildCallQuery.js';
import type { Call, RawCall } from '../../src/exotel/types.js';

describe('the public surface of src/exotel', () => {
  it('has the documented signatures', () => {
    expectTypeOf<ExotelClient['listPage']>().toEqualTypeOf<(query: CallQuery | { pageUri: string }, options?: RequestOptions) => Promise<CallPage>>();
    expectTypeOf<ExotelClient['listAll']>().toEqualTypeOf<(query: CallQuery, options?: ListAllOptions) => AsyncGenerator<CallPage>>();
    expectTypeOf<ListAllOptions>().toMatchTypeOf<RequestOptions>();
    expectTypeOf<ListAllOptions['startCursor']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ListAllOptions['seen']>().toEqualTypeOf<Set<string> | undefined>();
    expectTypeOf<ExotelClient['getCall']>().toEqualTypeOf<(sid: string, options?: RequestOptions & { details?: boolean }) => Promise<RawCall>>();
    expectTypeOf<ExotelClient['stats']>().returns.toEqualTypeOf<ClientStats>();
    expectTypeOf<ExotelClient['close']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<ExotelClient['clockOffsetMs']>().toEqualTypeOf<number>();
    expectTypeOf<ExotelClient['accountSid']>().toEqualTypeOf<string>();
    expectTypeOf<ExotelClient['timeZone']>().toEqualTypeOf<string>();
    expectTypeOf(ExotelClient).constructorParameters.toEqualTypeOf<[ExotelClientOptions]>();
    expectTypeOf<CallPage>().toEqualTypeOf<{ calls: RawCall[]; total: number | null; nextPageUri: string | null; serverDate: Date | null; requestUrl: string; asOf?: number }>();
    expectTypeOf<ExotelClient['apiClock']>().toEqualTypeOf<ApiClock>();
    expectTypeOf(buildCallQuery).returns.toEqualTypeOf<string>();
    expectTypeOf(normalizeCall).returns.toEqualTypeOf<Call>();
    expectTypeOf(normalizeCall).parameter(0).toEqualTypeOf<unknown>();
    expectTypeOf(createQuotaLimiter).returns.toEqualTypeOf<Bottleneck>();
    expectTypeOf<ExotelClientOptions['limiter']>().toEqualTypeOf<Bottleneck | undefined>();
  });
});
