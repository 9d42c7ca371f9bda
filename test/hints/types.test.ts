// The receiver's public types, as a user's editor sees them through the package's barrel.
import type { RequestListener } from 'node:http';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CallStream, createStatusCallbackHandler, fastifyStatusCallbacks, parseStatusCallback } from 'exotel-call-stream';
import type { CallHint, HintTarget, ParsedStatusCallback, StatusCallbackHandler, StatusCallbackRejectReason, StatusCallbackStats } from 'exotel-call-stream';
import type { StatusCallbackDelivery, StatusCallbackOptions, SimulatorCallbacks } from 'exotel-call-stream/simulator';

describe('the receiver’s public types', () => {
  it('take a CallStream as the target, and mount as a node:http listener', () => {
    expectTypeOf<CallStream>().toExtend<HintTarget>();
    expectTypeOf<StatusCallbackHandler>().toExtend<RequestListener>();
    expectTypeOf(createStatusCallbackHandler).returns.toEqualTypeOf<StatusCallbackHandler>();
    expectTypeOf<StatusCallbackStats['rejected']>().toEqualTypeOf<Record<StatusCallbackRejectReason, number>>();
    expectTypeOf(fastifyStatusCallbacks).parameter(0).toEqualTypeOf<StatusCallbackHandler>();
    expectTypeOf(parseStatusCallback).returns.toEqualTypeOf<ParsedStatusCallback>();
    expectTypeOf<Extract<ParsedStatusCallback, { ok: true }>['hint']>().toEqualTypeOf<CallHint>();
    expectTypeOf<StatusCallbackOptions['onCallback']>().toEqualTypeOf<((delivery: StatusCallbackDelivery) => void | boolean | Promise<void | boolean>) | undefined>();
    expectTypeOf<SimulatorCallbacks['flush']>().returns.toEqualTypeOf<Promise<void>>();
  });

  it('parseStatusCallback reads what a handler would, and says why it will not', () => {
    expect(parseStatusCallback({ CallSid: 'abc', DateUpdated: '2025-01-15 10:00:00', Status: 'BUSY' }, { timeZone: 'UTC' })).toEqual({
      ok: true,
      hint: { sid: 'abc', endedAt: Date.UTC(2025, 0, 15, 10), status: 'busy' },
      eventType: undefined,
      terminal: true,
    });
    expect(parseStatusCallback({ callsid: 'abc', enddate: 'x', endtime: '2025-01-15T10:00:00Z' })).toMatchObject({ ok: true, hint: { sid: 'abc', endedAt: Date.UTC(2025, 0, 15, 10) } });
    expect(parseStatusCallback({ CallSid: 'abc', Status: 'ringing' })).toMatchObject({ ok: true, terminal: false });
    expect(parseStatusCallback({ Status: 'completed' })).toMatchObject({ ok: false, reason: 'not-a-callback' });
    expect(parseStatusCallback({ CallSid: 'a b' })).toMatchObject({ ok: false, reason: 'invalid-sid' });
    expect(parseStatusCallback(null as never)).toMatchObject({ ok: false, reason: 'not-a-callback' });
    expect(() => parseStatusCallback({}, { timeZone: 'Nowhere/Else' })).toThrow(/`timeZone`/);
  });
});
