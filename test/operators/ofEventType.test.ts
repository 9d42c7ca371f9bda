import { describe, expect, expectTypeOf, it } from 'vitest';
import { from, toArray, firstValueFrom } from 'rxjs';
import { ofEventType } from '../../src/operators/ofEventType.js';
import type { Call } from '../../src/exotel/types.js';
import type { CallStreamEvent, CallUpdate } from '../../src/stream/types.js';
import { call, rawCall } from './fixtures.js';

describe('ofEventType', () => {
  const a = call(rawCall('CA1'));
  const b = call(rawCall('CA2', { Status: 'busy' }));
  const c = call(rawCall('CA1', { Price: '3' }));
  const events: CallStreamEvent[] = [
    { type: 'callCompleted', call: a },
    { type: 'callFailed', call: b },
    { type: 'callUpdated', call: c, previous: a, changes: ['price'] },
  ];

  it('keeps one type and unwraps it', async () => {
    expect(await firstValueFrom(from(events).pipe(ofEventType('callCompleted'), toArray()))).toEqual([a]);
    expect(await firstValueFrom(from(events).pipe(ofEventType('callFailed'), toArray()))).toEqual([b]);
    const updates = await firstValueFrom(from(events).pipe(ofEventType('callUpdated'), toArray()));
    expect(updates).toEqual([{ call: c, previous: a, changes: ['price'] }]);
    expect(updates[0]).not.toHaveProperty('type');
  });

  it('is typed by the event type', () => {
    expectTypeOf(ofEventType('callCompleted')).returns.toEqualTypeOf<import('rxjs').Observable<Call>>();
    expectTypeOf(from(events).pipe(ofEventType('callUpdated'))).toEqualTypeOf<import('rxjs').Observable<CallUpdate>>();
  });
});
