import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oldestAllowedMs, planWindows } from '../../src/cli/backfill/windows.js';
import { buildCallQuery } from '../../src/exotel/buildCallQuery.js';
import { estimateRemainingMs, formatDurationShort, renderProgress, renderSummary } from '../../src/cli/backfill/progress.js';
import { SidLog, initialState, loadState, saveState } from '../../src/cli/backfill/state.js';
import { parseNaiveMs } from '../../src/exotel/time.js';
import { parseInstantMs } from '../../src/cli/parse.js';

const tz = 'Asia/Kolkata';
const at = (naive: string) => parseNaiveMs(naive, tz)!;

describe('planWindows', () => {
  it('splits on calendar months in the zone, back to back at one-second resolution', () => {
    const windows = planWindows(at('2026-01-15 10:00:00'), at('2026-03-02 08:00:00'), tz);
    expect(windows.map((w) => [w.gte, w.lte])).toEqual([
      ['2026-01-15 10:00:00', '2026-01-31 23:59:59'],
      ['2026-02-01 00:00:00', '2026-02-28 23:59:59'],
      ['2026-03-01 00:00:00', '2026-03-02 08:00:00'],
    ]);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.startMs).toBe(windows[i - 1]!.endMs + 1000);
  });
  it('gives one window for a short range and drops milliseconds', () => {
    const w = planWindows(at('2026-05-01 00:00:00') + 999, at('2026-05-01 00:10:00') + 500, tz);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ gte: '2026-05-01 00:00:00', lte: '2026-05-01 00:10:00' });
  });
  it('reads a date-only --to as the end of that day: May is --from 2026-05-01 --to 2026-05-31, a day is --from X --to X', () => {
    const now = at('2026-06-10 12:00:00');
    const to = parseInstantMs('2026-05-31', '--to', tz, now, { endOfDay: true });
    expect(to).toBe(at('2026-05-31 23:59:59'));
    expect(planWindows(parseInstantMs('2026-05-01', '--from', tz, now), to, tz).map((w) => [w.gte, w.lte])).toEqual([['2026-05-01 00:00:00', '2026-05-31 23:59:59']]);
    const day = planWindows(parseInstantMs('2026-06-02', '--from', tz, now), parseInstantMs('2026-06-02', '--to', tz, now, { endOfDay: true }), tz);
    expect(day.map((w) => [w.gte, w.lte])).toEqual([['2026-06-02 00:00:00', '2026-06-02 23:59:59']]);
    // A time of day is taken as given.
    expect(parseInstantMs('2026-05-31 10:00', '--to', tz, now, { endOfDay: true })).toBe(at('2026-05-31 10:00:00'));
  });
  it('gives an ETA the quota can keep: never less than the pages left take at the quota', () => {
    // 10 % done in 2 s with 20 pages: the pace says 18 s, but 180 pages at 200 a minute take 54 s.
    expect(estimateRemainingMs(0.1, 2_000)).toBe(18_000);
    expect(estimateRemainingMs(0.1, 2_000, { pages: 20, requestsPerMinute: 200 })).toBeCloseTo(54_000);
    // What the current minute still allows is not waited for.
    expect(estimateRemainingMs(0.1, 2_000, { pages: 20, requestsPerMinute: 200, quotaLeft: 180 })).toBe(18_000);
    expect(renderProgress({ windowsDone: 0, windowsTotal: 1, pages: 20, records: 2000, fraction: 0.1, elapsedMs: 2_000, requestsPerMinute: 200, quotaLeft: 0 })).toContain('ETA 54s');
  });
  it('gives no window for an empty range', () => {
    expect(planWindows(at('2026-05-02 00:00:00'), at('2026-05-01 00:00:00'), tz)).toEqual([]);
  });
  it('puts the six-month limit at the same wall-clock time six months back, never more than 183 days', () => {
    expect(oldestAllowedMs(at('2026-07-20 12:00:00'), tz)).toBe(at('2026-01-20 12:00:00'));
    // Six calendar months back from Aug 31 is Feb 28, 184 days: the client refuses that, so the backfill does too.
    expect(oldestAllowedMs(at('2026-08-31 12:00:00'), tz)).toBe(at('2026-03-01 12:00:00'));
    const query = (gte: string) => ({ dateCreated: { gte: at(gte), lte: at('2026-03-02 00:00:00') } });
    const context = { timeZone: tz, now: at('2026-08-31 12:00:00') };
    expect(buildCallQuery(query('2026-03-01 12:00:00'), context)).toContain('DateCreated=');
    expect(() => buildCallQuery(query('2026-03-01 11:59:59'), context)).toThrow(/183 days/);
  });
});

describe('progress', () => {
  it('formats durations and estimates what is left', () => {
    expect(formatDurationShort(5_000)).toBe('5s');
    expect(formatDurationShort(65_000)).toBe('1m05s');
    expect(formatDurationShort(2 * 3_600_000 + 3 * 60_000)).toBe('2h03m');
    expect(estimateRemainingMs(0.25, 10_000)).toBe(30_000);
    expect(estimateRemainingMs(0, 10_000)).toBeUndefined();
  });
  it('renders a bar with windows, pages, records, quota and ETA within the width', () => {
    const line = renderProgress({ windowsDone: 1, windowsTotal: 4, pages: 12, records: 1150, quotaLeft: 170, fraction: 0.5, elapsedMs: 20_000 }, 100);
    expect(line).toMatch(/^\[#+-+\] windows 1\/4 {2}pages 12 {2}records 1150 {2}quota 170 left {2}ETA 20s$/);
    expect(line.length).toBeLessThanOrEqual(100);
    expect(renderProgress({ windowsDone: 0, windowsTotal: 1, pages: 0, records: 0, fraction: 0, elapsedMs: 0 }, 60)).toContain('ETA --');
  });
  it('summarizes', () => {
    expect(renderSummary({ windowsDone: 2, windowsTotal: 2, pages: 3, records: 250, elapsedMs: 1000, resumed: true, out: 'calls.ndjson' })).toBe(
      'backfill: 250 records in 3 pages over 2/2 windows to calls.ndjson in 1s (resumed)',
    );
  });
});

describe('state file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exotel-cli-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('round-trips', async () => {
    const params = { fromMs: 1, toMs: 2, timeZone: tz, query: { direction: ['inbound'] } };
    const state = { ...initialState(params), windowsDone: 1, bytes: 42, sidsBytes: 4, cursor: '/v1/Accounts/a/Calls.json?After=x' };
    const path = join(dir, 'out.ndjson.state.json');
    await saveState(path, state);
    expect(await loadState(path)).toEqual(state);
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(1);
  });

  it('keeps the Sid log to the recorded length, appends, and resets', async () => {
    const path = join(dir, 'sids');
    const log = await SidLog.open(path, 0);
    await log.append(['a', 'b']);
    await log.append([]);
    await log.append(['c']);
    expect(log.bytes).toBe(6);
    await log.close();
    // A write after the last save, torn: cut off on open.
    await writeFile(path, 'a\nb\nc\nd\ne', { flag: 'w' });
    const again = await SidLog.open(path, 6);
    expect([...again.sids]).toEqual(['a', 'b', 'c']);
    await again.append(['f']);
    expect(await readFile(path, 'utf8')).toBe('a\nb\nc\nf\n');
    await again.reset();
    expect(again.sids.size).toBe(0);
    expect(await readFile(path, 'utf8')).toBe('');
    await again.close();
  });

  it('is undefined when missing and an error when foreign', async () => {
    expect(await loadState(join(dir, 'none.json'))).toBeUndefined();
    await writeFile(join(dir, 'bad.json'), '{"hello":1}');
    await expect(loadState(join(dir, 'bad.json'))).rejects.toThrow(/delete it to start over/);
    await writeFile(join(dir, 'bad2.json'), '{');
    await expect(loadState(join(dir, 'bad2.json'))).rejects.toThrow(/not valid JSON/);
  });
});
