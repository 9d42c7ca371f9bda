import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import { ExotelError, ExotelHttpError } from '../../src/exotel/errors.js';
import type { RawCall } from '../../src/exotel/types.js';
import { readPlanned } from '../../src/operators/readPlanned.js';
import type { PageSource, ReadResult } from '../../src/operators/readPlanned.js';
import { rawCall } from './fixtures.js';

interface Q {
  name: string;
}
interface Read {
  query: Q;
  priority: number;
}

/** A page source scripted per query name: pages, or an error after some pages. */
function source(script: Record<string, { pages: RawCall[][]; fail?: Error; gate?: Promise<void> }>) {
  const log: string[] = [];
  const signals: AbortSignal[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client: PageSource<Q> = {
    async *listAll(query, { priority, signal }) {
      signals.push(signal);
      log.push(`start ${query.name} p${priority}`);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const entry = script[query.name];
        if (!entry) throw new Error(`unscripted ${query.name}`);
        for (const page of entry.pages) {
          await (entry.gate ?? Promise.resolve());
          if (signal.aborted) throw new ExotelError('ERR_ABORTED', 'aborted');
          yield { calls: page };
        }
        if (entry.fail) throw entry.fail;
      } finally {
        inFlight -= 1;
      }
    },
  };
  return { client, log, signals, maxInFlight: () => maxInFlight };
}

const read = (name: string, priority = 5): Read => ({ query: { name }, priority });

describe('readPlanned', () => {
  it('emits every page of every read and reports each read complete', async () => {
    const { client, log } = source({ a: { pages: [[rawCall('CA1'), rawCall('CA2')], [rawCall('CA3')]] }, b: { pages: [[]] } });
    const results: Array<[string, ReadResult]> = [];
    const pages = await lastValueFrom(
      from([read('a', 1), read('b', 7)]).pipe(readPlanned({ client, onComplete: (r, res) => results.push([r.query.name, res]) }), toArray()),
    );
    expect(pages.map((p) => `${p.read.query.name}:${p.calls.map((c) => c.Sid).join(',')}`)).toEqual(['a:CA1,CA2', 'b:', 'a:CA3']);
    expect(log).toEqual(['start a p1', 'start b p7']);
    expect(results).toEqual([
      ['b', { ok: true, records: 0, requests: 1 }],
      ['a', { ok: true, records: 3, requests: 2 }],
    ]);
  });

  it('reports a failed read (ok: false, the pages it got) and goes on with the others', async () => {
    const fault = new ExotelHttpError('ERR_EXOTEL_SERVER', 'HTTP 503', { status: 503 });
    const { client } = source({ a: { pages: [[rawCall('CA1')]], fail: fault }, b: { pages: [[rawCall('CA2')]] } });
    const results: Array<[string, ReadResult]> = [];
    const errors: unknown[] = [];
    const pages = await lastValueFrom(
      from([read('a'), read('b')]).pipe(
        readPlanned({ client, onComplete: (r, res) => results.push([r.query.name, res]), onError: (e) => errors.push(e) }),
        toArray(),
      ),
    );
    expect(pages.map((p) => p.calls[0]?.Sid)).toEqual(['CA1', 'CA2']);
    expect(errors).toEqual([fault]);
    expect(results).toContainEqual(['a', { ok: false, records: 1, requests: 1 }]);
    expect(results).toContainEqual(['b', { ok: true, records: 1, requests: 1 }]);
  });

  it('errors the output on a fatal error', async () => {
    const fatal = new ExotelHttpError('ERR_EXOTEL_UNAUTHORIZED', 'HTTP 401', { status: 401, fatal: true });
    const { client } = source({ a: { pages: [], fail: fatal } });
    const errors: unknown[] = [];
    await expect(lastValueFrom(from([read('a')]).pipe(readPlanned({ client, onError: (e) => errors.push(e) })))).rejects.toBe(fatal);
    expect(errors).toEqual([]);
  });

  it('keeps at most `concurrency` reads in flight', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const script = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, { pages: [[rawCall(`CA${n}`)]], gate }]));
    const s = source(script);
    const done = lastValueFrom(from(['a', 'b', 'c', 'd', 'e'].map((n) => read(n))).pipe(readPlanned({ client: s.client, concurrency: 2 }), toArray()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.log).toHaveLength(2);
    open();
    expect((await done).length).toBe(5);
    expect(s.maxInFlight()).toBe(2);
  });

  it('aborts the requests in flight on unsubscribe and reports nothing', async () => {
    const gate = new Promise<void>(() => {});
    const s = source({ a: { pages: [[rawCall('CA1')]], gate } });
    const results: unknown[] = [];
    const sub = from([read('a')]).pipe(readPlanned({ client: s.client, onComplete: (_r, res) => results.push(res), onError: (e) => results.push(e) })).subscribe();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.signals[0]?.aborted).toBe(false);
    sub.unsubscribe();
    expect(s.signals[0]?.aborted).toBe(true);
    expect(results).toEqual([]);
  });

  it('stops pulling pages once the subscriber has what it wants', async () => {
    const s = source({ a: { pages: [[rawCall('CA1')], [rawCall('CA2')], [rawCall('CA3')]] } });
    const first = await firstValueFrom(from([read('a')]).pipe(readPlanned({ client: s.client }), take(1)));
    expect(first.calls[0]?.Sid).toBe('CA1');
  });
});
