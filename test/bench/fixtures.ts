import type { BenchResults, BenchScenario } from '../../bench/report.js';

const stats = (p50: number, p95: number, max = p95 * 1.5, count = 1000) => ({ count, p50, p95, max });

/** A scenario result with the figures that matter given, the rest plausible. */
export function scenario(s: Partial<BenchScenario> & Pick<BenchScenario, 'poller' | 'callsPerMinute' | 'requestsPerMinute'> & { p50?: number; p95?: number }): BenchScenario {
  const { p50 = 8_000, p95 = 20_000, ...rest } = s;
  return {
    maxInAnyWindow: 200,
    rejected: 0,
    minutes: 150,
    stoppedEarly: false,
    sustained: true,
    settleDelayMs: { min: 60_000, max: 180_000 },
    counted: 1000,
    missed: 0,
    twice: 0,
    short: stats(p50, p95),
    long: stats(p50 * 2, p95 * 2, p95 * 3, 30),
    corrections: 10,
    updates: 10,
    wallMs: 1000,
    ...rest,
  };
}

/** A small ladder for both pollers, one rate not sustained each, and the three frontier scenarios. */
export function fixedResults(): BenchResults {
  return {
    command: 'npm run bench -- --only <frontier> & more',
    machine: { nproc: 2, cpu: 'test', node: 'v20', platform: 'linux x64' },
    date: '2026-12-01T10:00:00.000Z',
    hours: 2.5,
    warmupMinutes: 30,
    graceMinutes: 10,
    rates: [
      scenario({ key: 'rates/ours@20', poller: 'ours', callsPerMinute: 20, requestsPerMinute: 19.64, p50: 7_600, p95: 14_000 }),
      scenario({ key: 'rates/ours@1000', poller: 'ours', callsPerMinute: 1000, requestsPerMinute: 152, p50: 8_200, p95: 23_000 }),
      scenario({ key: 'rates/ours@5000', poller: 'ours', callsPerMinute: 5000, requestsPerMinute: 112, p50: 446_000, p95: 523_000, sustained: false, stoppedEarly: true, minutes: 50 }),
      scenario({ key: 'rates/naive@20', poller: 'naive', callsPerMinute: 20, requestsPerMinute: 69, p50: 7_600, p95: 14_000 }),
      scenario({ key: 'rates/naive@1000', poller: 'naive', callsPerMinute: 1000, requestsPerMinute: 197, p50: 114_000, p95: 313_000, sustained: false }),
    ],
    frontier: [
      scenario({ key: 'frontier/settle-30s-5min@1000', scenario: 'settle-30s-5min', poller: 'ours', callsPerMinute: 1000, requestsPerMinute: 160, p50: 20_000, p95: 85_000, settleDelayMs: { min: 30_000, max: 300_000 } }),
      scenario({ key: 'frontier/settle-0-30s@1000', scenario: 'settle-0-30s', poller: 'ours', callsPerMinute: 1000, requestsPerMinute: 140, p50: 5_000, p95: 12_000, settleDelayMs: { min: 0, max: 30_000 } }),
      scenario({
        key: 'frontier/hints-90@10000',
        scenario: 'hints-90',
        poller: 'ours',
        callsPerMinute: 10_000,
        requestsPerMinute: 190,
        p50: 9_000,
        p95: 25_000,
        hints: { share: 0.9, lateShare: 0.05, sent: 900, late: 50, dropped: 100, refused: 0 },
        byHint: { onTime: stats(8_000, 20_000), late: stats(200_000, 260_000), dropped: stats(60_000, 120_000) },
      }),
    ],
  };
}
