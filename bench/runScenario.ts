import type { Clock } from '@sinonjs/fake-timers';
import { ExotelClient } from '../src/exotel/ExotelClient.js';
import { createSimulator } from '../src/simulator/createSimulator.js';
import { SimulatorDispatcher } from '../src/simulator/SimulatorDispatcher.js';
import { createCallStream } from '../src/stream/createCallStream.js';
import type { CallStream } from '../src/stream/CallStream.js';
import { installClock, stopUnder } from './clock.js';
import { HintFeed } from './HintFeed.js';
import type { HintCounts, HintOptions } from './HintFeed.js';
import { EmissionLog, score } from './metrics.js';
import type { ScenarioMetrics } from './metrics.js';
import { NaivePoller } from './naivePoller.js';

export type PollerName = 'ours' | 'naive';

export interface ScenarioOptions {
  poller: PollerName;
  callsPerMinute: number;
  /** Simulated span. */
  hours: number;
  /** Calls that start before this are not counted (the lookback fills), nor requests before it. */
  warmupMs: number;
  /** Calls must have settled this long before the end to count. */
  graceMs: number;
  seed: number;
  /** Stop early once clearly behind: the median age of what was emitted over each 10 minutes above this for 20 minutes running. */
  behindMs: number;
  /** The simulator's settle delays (end → Duration, Price and EndTime filled in). @default { min: 60_000, max: 180_000 } (the simulator's) */
  settleDelayMs?: { min: number; max: number };
  /** Hints of calls' ends handed to the stream (`stream.hint()`, ours only), from the simulator's ground truth. @default none */
  hints?: HintOptions;
  log?: (line: string) => void;
}

/** Requests and records a minute of one read tier over the measured part (ours only). */
export interface TierRate {
  requestsPerMinute: number;
  recordsPerMinute: number;
}

export interface ScenarioResult extends ScenarioMetrics {
  poller: PollerName;
  callsPerMinute: number;
  /** Accepted requests a minute over the measured part. */
  requestsPerMinute: number;
  maxInAnyWindow: number;
  rejected: number;
  /** Simulated minutes run (less than the span when stopped early). */
  minutes: number;
  stoppedEarly: boolean;
  /** Short calls p95 under 60 s, nothing missed or repeated, not stopped. */
  sustained: boolean;
  /** The simulator's settle delays of the run. */
  settleDelayMs: { min: number; max: number };
  /** The hints sent, when the scenario had them. */
  hints?: HintOptions & HintCounts;
  /** Reads by tier over the measured part (ours only). */
  tiers?: Record<string, TierRate>;
  wallMs: number;
}

const MINUTE = 60_000;
const LOOKBACK = 2 * 60 * MINUTE;
const POLL = 15_000;
/** With hints the clock moves a second at a time, so that each hint comes at its own second. */
const HINT_STEP = 1_000;
/** The simulator's own default, said here so that a result names the delays it ran with. */
const DEFAULT_SETTLE = { min: 60_000, max: 180_000 } as const;
const T0 = Date.UTC(2026, 0, 15, 3, 30, 0);
const ACCOUNT = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' } as const;
/** Calls longer than this are "long": the short-call mix ends at 5 minutes of talk. */
export const LONG_MS = 5 * MINUTE;

/**
 * One poller against a seeded account at one call rate, under a fake clock: traffic starts with
 * the poller, and only what starts after the warm-up (the lookback filling) is scored.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const wallStart = performance.now();
  const clock: Clock = installClock(T0);
  try {
    if (options.hints !== undefined && options.poller !== 'ours') throw new TypeError(`Expected \`hints\` only with the poller \`ours\`, got \`${options.poller}\` (string)`);
    const settleDelayMs = options.settleDelayMs ?? DEFAULT_SETTLE;
    const sim = createSimulator({ seed: options.seed, settleDelayMs, traffic: { callsPerMinute: options.callsPerMinute, startAt: T0 }, rateLimit: { requestsPerMinute: 200, retryAfter: 'seconds' } });
    const dispatcher = new SimulatorDispatcher(sim);
    const log = new EmissionLog();
    let stream: CallStream | undefined;
    let naive: NaivePoller | undefined;
    let feed: HintFeed | undefined;
    if (options.poller === 'ours') {
      stream = createCallStream({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:1', dispatcher });
      stream.events$.subscribe({
        next: (event) => {
          if (event.type === 'callUpdated') log.update(event.call.sid);
          else log.emitted(event.call.sid, Date.now());
        },
        error: () => {},
      });
      stream.start();
      if (options.hints !== undefined) {
        const target = stream;
        feed = new HintFeed({ ...options.hints, sim, seed: options.seed, from: T0, send: (hint) => target.hint(hint) });
      }
    } else {
      const client = new ExotelClient({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:1', dispatcher });
      naive = new NaivePoller({ client, pollIntervalMs: POLL, lookbackMs: LOOKBACK, onEmit: (call) => log.emitted(call.sid, Date.now()) });
      naive.start();
    }

    const end = T0 + options.hours * 60 * MINUTE;
    const measureFrom = T0 + options.warmupMs;
    let accepted0: number | undefined;
    let tiers0: ReturnType<CallStream['stats']>['reads'] | undefined;
    const step = feed ? HINT_STEP : POLL;
    let behindSince: number | undefined;
    let stoppedEarly = false;
    let checked = log.first.size;
    let now = T0;
    while (now < end) {
      await clock.tickAsync(step);
      now = Date.now();
      feed?.advance(now);
      sim.history.length = 0;
      if (accepted0 === undefined && now >= measureFrom) {
        const s = sim.rateStats();
        accepted0 = s.total - s.rejected;
        tiers0 = stream?.stats().reads;
      }
      // Every 10 minutes: how old are the settled calls emitted lately?
      if ((now - T0) % (10 * MINUTE) === 0) {
        const ages: number[] = [];
        let i = 0;
        for (const [sid, at] of log.first) {
          if (i++ < checked) continue;
          const truth = sim.call(sid);
          if (truth) ages.push(at - truth.settledAt);
        }
        checked = log.first.size;
        ages.sort((a, b) => a - b);
        const median = ages.length ? ages[Math.floor(ages.length / 2)]! : Number.POSITIVE_INFINITY;
        options.log?.(`  ${options.poller} ${options.callsPerMinute}/min t=${(now - T0) / MINUTE} min: emitted ${log.first.size}, median age ${Math.round(median / 1000)} s${stream ? `, tracked ${stream.trackedCalls}` : ''}`);
        if (median > options.behindMs && now - T0 >= 30 * MINUTE) {
          behindSince ??= now;
          if (now - behindSince >= 20 * MINUTE) {
            stoppedEarly = true;
            break;
          }
        } else behindSince = undefined;
      }
    }
    const stopAt = Date.now();
    const stats = sim.rateStats();
    const minutesMeasured = (stopAt - Math.max(measureFrom, T0)) / MINUTE;
    const requestsPerMinute = accepted0 === undefined ? Number.NaN : (stats.total - stats.rejected - accepted0) / minutesMeasured;
    const tiers = stream && tiers0 ? tierRates(tiers0, stream.stats().reads, minutesMeasured) : undefined;
    if (stream) await stopUnder(clock, () => stream.stop());
    if (naive) await stopUnder(clock, () => naive.stop());

    const metrics = score(sim, log, { from: measureFrom, to: stopAt, dueBy: stopAt - options.graceMs, longMs: LONG_MS, lookbackMs: LOOKBACK, ...(feed ? { fate: (sid: string) => feed.fate(sid) } : {}) });
    const sustained = !stoppedEarly && metrics.missed === 0 && metrics.twice === 0 && metrics.short.p95 < 60_000 && metrics.counted > 0;
    return {
      poller: options.poller,
      callsPerMinute: options.callsPerMinute,
      requestsPerMinute,
      maxInAnyWindow: stats.maxInAnyWindow,
      rejected: stats.rejected,
      minutes: (stopAt - T0) / MINUTE,
      stoppedEarly,
      sustained,
      settleDelayMs: { min: settleDelayMs.min, max: settleDelayMs.max },
      ...(options.hints && feed ? { hints: { ...options.hints, ...feed.counts } } : {}),
      ...(tiers ? { tiers } : {}),
      ...metrics,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    clock.uninstall();
  }
}

type TierCounts = ReturnType<CallStream['stats']>['reads'];

/** Requests and records a minute by tier between two `stats().reads`. */
function tierRates(before: TierCounts, after: TierCounts, minutes: number): Record<string, TierRate> {
  const out: Record<string, TierRate> = {};
  for (const [tier, counts] of Object.entries(after)) {
    const b = before[tier];
    out[tier] = { requestsPerMinute: (counts.requests - (b?.requests ?? 0)) / minutes, recordsPerMinute: (counts.records - (b?.records ?? 0)) / minutes };
  }
  return out;
}
