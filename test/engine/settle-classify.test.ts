import { describe, expect, it } from 'vitest';
import { defaultIsSettled } from '../../src/engine/defaultIsSettled.js';
import { classifyCall } from '../../src/engine/classifyCall.js';
import { makeCall, unsettled } from './fixtures.js';

describe('defaultIsSettled', () => {
  it('is true once duration, price and endTime are all filled in', () => {
    expect(defaultIsSettled({ call: makeCall({ sid: 'a' }), heldMs: 0 })).toBe(true);
  });
  it.each(['duration', 'price', 'endTime'] as const)('is false while %s is null', (field) => {
    expect(defaultIsSettled({ call: makeCall({ sid: 'a', [field]: null }), heldMs: 10_000_000 })).toBe(false);
  });
  it('treats 0 seconds and a price of 0 as filled in', () => {
    expect(defaultIsSettled({ call: makeCall({ sid: 'a', duration: 0, price: 0 }), heldMs: 0 })).toBe(true);
    expect(defaultIsSettled({ call: unsettled(makeCall({ sid: 'a' })), heldMs: 0 })).toBe(false);
  });
});

describe('classifyCall', () => {
  it('classifies completed as callCompleted and every other final status as callFailed', () => {
    expect(classifyCall(makeCall({ sid: 'a', status: 'completed' }))).toBe('callCompleted');
    for (const status of ['failed', 'busy', 'no-answer', 'canceled'] as const) {
      expect(classifyCall(makeCall({ sid: 'a', status }))).toBe('callFailed');
    }
  });
});
