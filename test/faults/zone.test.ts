/**
 * An account whose zone has daylight saving: Europe/London across the October change, when the
 * hour from 01:00 to 02:00 local happens twice (01:00 UTC the clocks go back from BST to GMT). The
 * simulator and the stream both read naive timestamps in that zone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import { installClock, record, stopUnder, streamOn } from '../stream/harness.js';
import { MINUTE, expectNoSecret, summarizeErrors, tally } from './helpers.js';
import { reportFault } from './reliability.js';

const FILE = 'test/faults/zone.test.ts';
const ZONE = 'Europe/London';
/** 2026-10-25 01:00 UTC: 02:00 BST becomes 01:00 GMT. */
const FOLD = Date.UTC(2026, 9, 25, 1, 0, 0);
const SETTLE_MS = 120_000;

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

/** Two and a half hours of a stream across the change; the same run serves both tests. */
let result: Promise<Awaited<ReturnType<typeof runAcrossTheChange>>> | undefined;
async function runAcrossTheChange() {
  const start = FOLD - 70 * MINUTE;
  clock = installClock(start);
  const sim = createSimulator({ seed: 61, timeZone: ZONE, traffic: { callsPerMinute: 2, startAt: start - 30 * MINUTE }, settleDelayMs: { min: 20_000, max: 90_000 } });
  // The library's default lookback (2 h): see the note in the report on shorter ones.
  const stream = streamOn(sim, { timeZone: ZONE, settleMs: SETTLE_MS, lookbackMs: 2 * 3_600_000 });
  const log = record(stream);
  for (let m = 0; m < 150; m++) await clock.tickAsync(MINUTE);
  const endedAt = Date.now();
  await stopUnder(clock, stream);
  expectNoSecret(log.errors);
  const truth = sim.calls({ to: endedAt });
  const t = tally(log.emissions, truth, endedAt - SETTLE_MS - 3 * MINUTE, SETTLE_MS);
  clock.uninstall();
  clock = undefined;
  const bySid = new Map(truth.map((c) => [c.sid, c]));
  // A call's start as emitted, against the truth (to the second: the API's resolution).
  const wrongTimes = log.emissions.filter((e) => {
    const c = bySid.get(e.event.call.sid);
    return c !== undefined && e.event.call.startTime !== null && Math.floor(e.event.call.startTime.getTime() / 1000) !== Math.floor(c.startAt / 1000);
  });
  const inRepeatedHour = truth.filter((c) => c.startAt >= FOLD - 60 * MINUTE && c.startAt < FOLD + 60 * MINUTE);
  const firstOccurrence = truth.filter((c) => c.startAt >= FOLD - 60 * MINUTE && c.startAt < FOLD);
  return { sim, log, t, wrongTimes, inRepeatedHour, firstOccurrence };
}
const across = () => (result ??= runAcrossTheChange());

describe('a zone with daylight saving: Europe/London across the October change', () => {
  it('every call once, no error, although windows across the change read as `gte:01:43:59;lte:01:00:14` in local time', async () => {
    const { log, t, wrongTimes, inRepeatedHour } = await across();
    reportFault({
      id: 'zone.dst-october',
      fault: 'account zone with daylight saving (Europe/London, October change)',
      injected: 'simulator and stream in Europe/London from 23:50 to 02:20 UTC on 2026-10-25, lookback 2 h: the local hour 01:00–02:00 happens twice',
      duration: '2.5 h across the change',
      expected: t.expected,
      lost: t.lost,
      duplicated: t.duplicated,
      early: t.early,
      userSaw: `${summarizeErrors(log.errors)}; ${wrongTimes.length} calls emitted with a start an hour off (of ${inRepeatedHour.length} in the repeated hour)`,
      file: FILE,
      test: 'every call once',
      deterministic: true,
    });
    expect(inRepeatedHour.length).toBeGreaterThan(200);
    expect(t.problems).toEqual([]);
    expect(log.errors).toEqual([]);
  });

  // Fails today: a naive timestamp of the repeated hour is read at its second occurrence (GMT),
  // so a call that started in the first (BST) is reported an hour late. Exotel's timestamps carry
  // no offset; what tells the two apart is the time of the read (a call is listed only once it
  // has ended, so a start after the answer's `Date` is impossible), and `normalizeRecords` does
  // not hand the page's `serverDate` to `normalizeCall`: a change of the engine's pipeline.
  it.fails('timestamps right in the repeated hour', async () => {
    const { wrongTimes, firstOccurrence } = await across();
    expect(firstOccurrence.length).toBeGreaterThan(80);
    expect(wrongTimes.map((e) => e.event.call.sid)).toEqual([]);
  });
});
