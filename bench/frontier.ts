import type { HintOptions } from './HintFeed.js';

/** One scenario of the frontier: ours at one rate, with the account's settle delays or hints changed. */
export interface FrontierScenario {
  /** Stable name: with the rate, the result's key in results.json. */
  name: string;
  /** What the scenario changes, for the tables and the chart. */
  label: string;
  callsPerMinute: number;
  settleDelayMs?: { min: number; max: number };
  hints?: HintOptions;
}

const MINUTE = 60_000;

/**
 * The scenarios `npm run bench` measures beside the rate ladder (`--only frontier` measures them
 * alone): settle delays spread wider and narrower than the simulator's 1 to 3 minutes, and
 * Exotel's StatusCallback as hints, lossy and sometimes late, at the busiest rate.
 */
export const FRONTIER: readonly FrontierScenario[] = [
  { name: 'settle-30s-5min', label: 'settle delays 30 s to 5 min', callsPerMinute: 1_000, settleDelayMs: { min: 30_000, max: 5 * MINUTE } },
  { name: 'settle-0-30s', label: 'settle delays 0 to 30 s', callsPerMinute: 1_000, settleDelayMs: { min: 0, max: 30_000 } },
  {
    name: 'hints-90',
    label: 'hints for 90 % of calls (10 % never sent, 5 % 3 to 5 min late)',
    callsPerMinute: 10_000,
    hints: { share: 0.9, lateShare: 0.05, delayMs: { min: 0, max: 5_000 }, lateDelayMs: { min: 3 * MINUTE, max: 5 * MINUTE } },
  },
];

/** The key of a rate-ladder result in results.json. */
export const rateKey = (poller: string, callsPerMinute: number): string => `rates/${poller}@${callsPerMinute}`;

/** The key of a frontier result in results.json. */
export const frontierKey = (name: string, callsPerMinute: number): string => `frontier/${name}@${callsPerMinute}`;
