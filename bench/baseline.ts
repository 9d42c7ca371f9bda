/**
 * "Today", as the frontier's targets say it: the figures BENCHMARKS.md published before the
 * frontier work (commit a6907fa, `npm run bench`, 2026-11-27, default options, seed 1), at the
 * precision it published them (requests a minute whole, latencies in whole seconds from 10 s, the
 * CPU ratio to two decimals). A measurement is compared with them at that same precision.
 */
export const TODAY = {
  source: 'BENCHMARKS.md of commit a6907fa (`npm run bench`, 2026-11-27)',
  /** Ours on the rate ladder: requests a minute, short- and long-call p95 (ms). */
  ours: {
    20: { requestsPerMinute: 20, shortP95Ms: 14_000, longP95Ms: 40_000 },
    100: { requestsPerMinute: 77, shortP95Ms: 14_000, longP95Ms: 48_000 },
    1000: { requestsPerMinute: 152, shortP95Ms: 23_000, longP95Ms: 68_000 },
  } as Record<number, { requestsPerMinute: number; shortP95Ms: number; longP95Ms: number }>,
  /** Pipeline time over bare `JSON.parse` time. */
  cpuRatio: 1.95,
} as const;
