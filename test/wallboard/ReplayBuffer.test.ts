import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReplayBuffer } from '../../src/wallboard/ReplayBuffer.js';
import { formatSse, parseEventId } from '../../src/wallboard/sse.js';

describe('ReplayBuffer', () => {
  it('returns exactly the events after a sequence number, or undefined once they are gone', () => {
    const b = new ReplayBuffer<{ seq: number }>(3);
    expect(b.after(0)).toEqual([]);
    expect(b.after(1)).toBeUndefined();
    for (let seq = 1; seq <= 10; seq++) b.push({ seq });
    expect(b.oldestSeq).toBe(8);
    expect(b.after(10)).toEqual([]);
    expect(b.after(7)!.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(b.after(9)!.map((e) => e.seq)).toEqual([10]);
    expect(b.after(6)).toBeUndefined();
    expect(b.after(11)).toBeUndefined();
    expect(() => b.push({ seq: 12 })).toThrow(/Expected sequence 11/);
  });

  it('agrees with a plain list for any capacity and length (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 110 }), (capacity, count, from) => {
        const b = new ReplayBuffer<{ seq: number }>(capacity);
        for (let seq = 1; seq <= count; seq++) b.push({ seq });
        const got = b.after(from);
        const oldest = Math.max(1, count - capacity + 1);
        if (from > count || (count > 0 && from < oldest - 1)) expect(got).toBeUndefined();
        else expect(got!.map((e) => e.seq)).toEqual(Array.from({ length: count - from }, (_, i) => from + 1 + i));
      }),
    );
  });
});

describe('SSE wire format', () => {
  it('writes one JSON data line and an id only when given', () => {
    expect(formatSse({ event: 'stats', data: { a: 'x\ny' } })).toBe('event: stats\ndata: {"a":"x\\ny"}\n\n');
    expect(formatSse({ id: 'ab12-3', event: 'call', data: 1 })).toBe('id: ab12-3\nevent: call\ndata: 1\n\n');
  });

  it('parses only its own event ids', () => {
    expect(parseEventId('ab12-42')).toEqual({ instance: 'ab12', seq: 42 });
    for (const bad of [undefined, null, '', '42', 'ab12-', 'AB-1', 'ab12-1-2', 'ab12-1e3']) expect(parseEventId(bad)).toBeUndefined();
  });
});
