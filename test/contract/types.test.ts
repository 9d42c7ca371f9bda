/**
 * The public types, as a user's editor sees them: the options of the design, the observables, the
 * EventEmitter face, the `Call`, the events and the errors.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Observable } from 'rxjs';
import Bottleneck from 'bottleneck';
import { EventEmitter } from 'eventemitter3';
import { CallStream, ExotelError, createCallStream, fileStore, memoryStore } from 'exotel-call-stream';
import type {
  Call,
  CallDetails,
  CallDirection,
  CallStatus,
  CallStreamEvent,
  CallStreamEvents,
  CallStreamLike,
  CallStreamOptions,
  CallUpdate,
  ExotelErrorCode,
  RawCall,
  Store,
} from 'exotel-call-stream';
import { SimulatorDispatcher, createSimulator } from 'exotel-call-stream/simulator';
import type { Simulator, SimulatorOptions } from 'exotel-call-stream/simulator';
import { ACCOUNT } from './helpers.js';

describe('the public types', () => {
  it('the options of the design type-check as written, `limiter` included', () => {
    expectTypeOf({
      accountSid: 'acme1', apiKey: 'k', apiToken: 't',
      subdomain: 'api.in.exotel.com',
      pollIntervalMs: 15_000,
      lookbackMs: 2 * 3600_000,
      settleMs: 300_000,
      timeZone: 'Asia/Kolkata',
      pageSize: 100,
      maxRequestsPerMinute: 200,
      filters: { direction: 'inbound' as const, phoneNumber: ['+918047000001'] },
      details: true,
      store: fileStore('./calls.checkpoint.json'),
    }).toExtend<CallStreamOptions>();
    expectTypeOf({ accountSid: 'acme1', baseUrl: 'http://127.0.0.1:4010', limiter: new Bottleneck({ maxConcurrent: 1 }) }).toExtend<CallStreamOptions>();
    expectTypeOf<CallStreamOptions['limiter']>().toEqualTypeOf<Bottleneck | undefined>();
    expectTypeOf(memoryStore()).toExtend<Store>();
    // @ts-expect-error a direction the API does not know
    expectTypeOf({ accountSid: 'acme1', filters: { direction: 'outgoing' } }).toExtend<CallStreamOptions>();
  });

  it('the stream: observables of the right values, stop(): Promise<void>', async () => {
    const stream = createCallStream({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:9' });
    expectTypeOf(stream).toExtend<CallStreamLike>();
    expectTypeOf(stream.callCompleted$).toEqualTypeOf<Observable<Call>>();
    expectTypeOf(stream.callFailed$).toEqualTypeOf<Observable<Call>>();
    expectTypeOf(stream.callUpdated$).toEqualTypeOf<Observable<CallUpdate>>();
    expectTypeOf(stream.events$).toEqualTypeOf<Observable<CallStreamEvent>>();
    expectTypeOf(stream.errors$).toEqualTypeOf<Observable<ExotelError>>();
    expectTypeOf(stream.start).returns.toEqualTypeOf<void>();
    expectTypeOf(stream.stop).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(createCallStream).returns.toEqualTypeOf<CallStream>();
    expect(stream).toBeInstanceOf(EventEmitter);
    await stream.stop();
  });

  it('the EventEmitter face is typed event by event', async () => {
    const stream = createCallStream({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:9' });
    expectTypeOf(stream).toExtend<EventEmitter<CallStreamEvents>>();
    // Listeners are not called here: the stream is stopped before any poll completes.
    stream.on('callCompleted', (call) => expectTypeOf(call).toEqualTypeOf<Call>());
    stream.on('callFailed', (call) => expectTypeOf(call).toEqualTypeOf<Call>());
    stream.on('callUpdated', (update) => {
      expectTypeOf(update).toEqualTypeOf<CallUpdate>();
      expectTypeOf(update.previous).toEqualTypeOf<Call>();
    });
    stream.on('error', (error) => expectTypeOf(error).toEqualTypeOf<ExotelError>());
    stream.once('callCompleted', (call) => expectTypeOf(call.sid).toEqualTypeOf<string>());
    stream.addListener('callFailed', (call) => expectTypeOf(call.status).toEqualTypeOf<CallStatus>());
    // @ts-expect-error not an event of the stream
    stream.on('callStarted', () => {});
    // @ts-expect-error callCompleted hands a Call, not an update
    stream.on('callCompleted', (update: CallUpdate) => update);
    expectTypeOf(stream.emit).parameter(0).toEqualTypeOf<'callCompleted' | 'callFailed' | 'callUpdated' | 'error'>();
    await stream.stop();
  });

  it('a Call: camelCase, numbers or null, Dates, details, raw', () => {
    expectTypeOf<Call['sid']>().toEqualTypeOf<string>();
    expectTypeOf<Call['status']>().toEqualTypeOf<CallStatus>();
    expectTypeOf<Call['direction']>().toEqualTypeOf<CallDirection | null>();
    expectTypeOf<Call['duration']>().toEqualTypeOf<number | null>();
    expectTypeOf<Call['price']>().toEqualTypeOf<number | null>();
    expectTypeOf<Call['dateCreated']>().toEqualTypeOf<Date>();
    expectTypeOf<Call['dateUpdated']>().toEqualTypeOf<Date | null>();
    expectTypeOf<Call['startTime']>().toEqualTypeOf<Date | null>();
    expectTypeOf<Call['endTime']>().toEqualTypeOf<Date | null>();
    expectTypeOf<Call['details']>().toEqualTypeOf<CallDetails | undefined>();
    expectTypeOf<Call['raw']>().toEqualTypeOf<RawCall>();
    expectTypeOf<CallStatus>().toEqualTypeOf<'completed' | 'failed' | 'busy' | 'no-answer' | 'canceled'>();
  });

  it('events$ is a union discriminated by `type`', () => {
    expectTypeOf<CallStreamEvent['type']>().toEqualTypeOf<'callCompleted' | 'callFailed' | 'callUpdated'>();
    expectTypeOf<Extract<CallStreamEvent, { type: 'callUpdated' }>>().toExtend<CallUpdate>();
    expectTypeOf<Extract<CallStreamEvent, { type: 'callCompleted' }>['call']>().toEqualTypeOf<Call>();
    expectTypeOf<CallUpdate['changes']>().toExtend<string[]>();
  });

  it('errors carry a stable code, status, fatal', () => {
    expectTypeOf<ExotelError['code']>().toEqualTypeOf<ExotelErrorCode>();
    expectTypeOf<ExotelError['status']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ExotelError['fatal']>().toEqualTypeOf<boolean>();
    expectTypeOf<'ERR_EXOTEL_UNAUTHORIZED' | 'ERR_EXOTEL_PAYMENT_REQUIRED' | 'ERR_EXOTEL_FORBIDDEN'>().toExtend<ExotelErrorCode>();
  });

  it('the simulator entry point', async () => {
    expectTypeOf(createSimulator).returns.toEqualTypeOf<Simulator>();
    expectTypeOf(createSimulator).parameter(0).toEqualTypeOf<SimulatorOptions | undefined>();
    const sim = createSimulator();
    const dispatcher = new SimulatorDispatcher(sim);
    expectTypeOf(dispatcher).toExtend<NonNullable<CallStreamOptions['dispatcher']>>();
    await sim.close();
  });
});
