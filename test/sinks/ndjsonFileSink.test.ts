// The NDJSON file sink: one event body a line with its idempotency key, rotation by size and by
// period, pruning of old files, and a dead-letter record when a write keeps failing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import FakeTimers from '@sinonjs/fake-timers';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { ndjsonFileSink, type NdjsonFileSink } from '../../src/sinks/ndjsonFileSink.js';
import type { DeliveryContext } from '../../src/sinks/types.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { ended, makeCall, updated } from '../wallboard/fixtures.js';

const START = Date.UTC(2026, 11, 1, 8, 59, 0);
let dir: string;
let clock: FakeTimers.Clock;
const sinks: NdjsonFileSink[] = [];
const timers = () => ({ now: () => clock.now, setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms), clearTimeout: (h: unknown) => clock.clearTimeout(h as never) });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ndjson-'));
  clock = FakeTimers.createClock(START);
});
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sink(options: Partial<Parameters<typeof ndjsonFileSink>[0]> = {}) {
  const s = ndjsonFileSink({ path: join(dir, 'calls.ndjson'), clock: timers(), random: () => 0.5, ...options });
  sinks.push(s);
  return s;
}
const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; type: string; call: { sid: string } });

describe('ndjsonFileSink', () => {
  it('writes each event as one line with its idempotency key, before enqueue settles, once per key', async () => {
    const stream = new Subject<CallStreamEvent>();
    const s = sink({ stream: { events$: stream } });
    const a = makeCall({ sid: 'N1', end: START });
    stream.next(ended(a));
    // On disk synchronously: the stream has not moved on yet.
    expect(lines(s.path).map((l) => l.id)).toEqual(['N1:callCompleted']);
    stream.next(ended(makeCall({ sid: 'N2', end: START, status: 'busy' })));
    stream.next(updated(a, { price: 2.25 }));
    expect(await s.enqueue(ended(a))).toBe(false); // the same key again
    const got = lines(s.path);
    expect(got.map((l) => l.type)).toEqual(['callCompleted', 'callFailed', 'callUpdated']);
    expect(got[2]!.id).toMatch(/^N1:callUpdated:[0-9a-f]{16}$/);
    expect(got.every((l) => !('raw' in l.call))).toBe(true);
    expect(s.pending).toBe(0);
  });

  it('rotates by size, names rotated files by instant, and keeps only the newest `keep`', async () => {
    const s = sink({ rotate: { maxBytes: 2_000, keep: 2 } });
    for (let i = 0; i < 12; i++) {
      clock.tick(1000);
      await s.enqueue(ended(makeCall({ sid: `S${i}`, end: START })));
    }
    const files = readdirSync(dir).sort();
    const rotated = files.filter((f) => /^calls\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.ndjson$/.test(f));
    expect(rotated).toHaveLength(2);
    // Every file stays under the limit (a line is never split), and the newest lines are all there.
    for (const f of [...rotated, 'calls.ndjson']) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(2_000);
    const kept = [...rotated, 'calls.ndjson'].flatMap((f) => lines(join(dir, f)).map((l) => l.call.sid));
    expect(kept.at(-1)).toBe('S11');
    expect(kept).toEqual([...kept].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))));
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('rotates when the hour changes, and a file left by an earlier run belongs to the hour it was written', async () => {
    const s = sink({ rotate: { every: 'hourly' } });
    await s.enqueue(ended(makeCall({ sid: 'H1', end: START })));
    clock.tick(30_000); // 08:59:30, same hour
    await s.enqueue(ended(makeCall({ sid: 'H2', end: START })));
    clock.tick(60_000); // 09:00:30
    await s.enqueue(ended(makeCall({ sid: 'H3', end: START })));
    expect(readdirSync(dir).sort()).toEqual(['calls.2026-12-01T09-00-30Z.ndjson', 'calls.ndjson']);
    expect(lines(join(dir, 'calls.2026-12-01T09-00-30Z.ndjson')).map((l) => l.call.sid)).toEqual(['H1', 'H2']);
    expect(lines(s.path).map((l) => l.call.sid)).toEqual(['H3']);
  });

  it('retries a failing write with backoff, then dead-letters it with the reason', async () => {
    // /dev/full refuses every write with ENOSPC.
    const deadLetterPath = join(dir, 'dead.ndjson');
    const s = sink({ path: '/dev/full', deadLetterPath, maxAttempts: 3, retry: { minDelayMs: 100, factor: 2, jitter: 0 }, rotate: false });
    const retries: DeliveryContext[] = [];
    const dead: DeliveryContext[] = [];
    s.on('retry', (c) => retries.push(c)).on('deadLetter', (c) => dead.push(c));
    await s.enqueue(ended(makeCall({ sid: 'F1', end: START })));
    await s.enqueue(ended(makeCall({ sid: 'F2', end: START })));
    // The second waits behind the first: order is kept.
    expect(s.pending).toBe(2);
    expect(retries.map((r) => [r.key, r.attempt, r.delayMs])).toEqual([['F1:callCompleted', 1, 100]]);
    clock.tick(100);
    expect(retries.map((r) => r.delayMs)).toEqual([100, 200]);
    clock.tick(200);
    expect(dead.map((d) => d.key)).toEqual(['F1:callCompleted', 'F2:callCompleted']);
    expect(dead[0]!.reason).toMatch(/ENOSPC.*after 3 attempts/);
    expect(s.pending).toBe(0);
    const letters = readFileSync(deadLetterPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters.map((l) => [l.sink, l.key, l.attempts])).toEqual([
      ['ndjson', 'F1:callCompleted', 3],
      ['ndjson', 'F2:callCompleted', 3],
    ]);
    expect(JSON.parse(String(letters[0]!.body))).toMatchObject({ id: 'F1:callCompleted', call: { sid: 'F1' } });
    await s.drain();
  });

  it('appends to the file an earlier run left, and validates its options by name', () => {
    writeFileSync(join(dir, 'calls.ndjson'), '{"id":"old"}\n');
    const s = sink();
    void s.enqueue(ended(makeCall({ sid: 'A1', end: START })));
    expect(lines(s.path).map((l) => l.id)).toEqual(['old', 'A1:callCompleted']);
    expect(() => ndjsonFileSink({ path: join(dir, 'missing', 'x.ndjson') })).toThrow(/`path`.*existing directory/);
    expect(() => ndjsonFileSink({ path: join(dir, 'x.ndjson'), rotate: { every: 'weekly' as never } })).toThrow(/`rotate.every`/);
    expect(() => ndjsonFileSink({ path: join(dir, 'x.ndjson'), rotate: { maxBytes: 0 } })).toThrow('Expected `rotate.maxBytes` to be an integer from 1 to Infinity, got `0` (number)');
    expect(existsSync(join(dir, 'x.ndjson'))).toBe(false);
  });
});
