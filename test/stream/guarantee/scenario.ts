/**
 * One run of the real stream against the simulator under a fake clock, with options drawn from the
 * whole accepted ranges, the API's clock off ours (offset, drift, jumps), every fault kind, and
 * restarts (clean and crashed); then the judge (`judge.ts`) decides against the ground truth.
 */
import fc from 'fast-check';
import { createSimulator } from '../../../src/simulator/index.js';
import type { FaultSpec, SimulatedCall, Simulator } from '../../../src/simulator/index.js';
import { SimulatorDispatcher } from '../../../src/simulator/SimulatorDispatcher.js';
import { createCallStream } from '../../../src/stream/createCallStream.js';
import type { CallStream } from '../../../src/stream/CallStream.js';
import type { CallStreamOptions, Store, StoreState } from '../../../src/stream/types.js';
import type { CallHint } from '../../../src/engine/types.js';
import { memoryStore } from '../../../src/stores/memoryStore.js';
import { MalformedRecordError } from '../../../src/exotel/errors.js';
import type { ExotelError } from '../../../src/exotel/errors.js';
import { installClock, stopUnder } from '../harness.js';
import { evenNumber, logInteger, spread } from '../../helpers/arbitraries.js';
import { MAX_GATHER_MS, feasible, judge } from './judge.js';
import type { Conditions, Observed, Verdict } from './judge.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 9, 20, 4, 30, 0);
const STEP_MS = 20 * SECOND;
/** Calls per run at most: a run at 10,000 calls a minute is a burst of seconds. */
const MAX_CALLS = 2_500;

const FAULT_KINDS = ['status', 'rate-limit', 'reset', 'delay', 'truncated', 'malformed', 'duplicate-row', 'bad-record', 'redirect', 'content-type', 'encoding', 'oversized-page', 'duplicate-sid'] as const;

export const scenarioArb = fc
  .record({
    pollIntervalMs: fc.oneof({ weight: 3, arbitrary: logInteger(SECOND, MINUTE) }, { weight: 1, arbitrary: logInteger(MINUTE, HOUR) }),
    lookbackFactor: evenNumber(0, 1),
    settleFactor: evenNumber(0, 1),
    pageSize: fc.oneof({ weight: 3, arbitrary: fc.constant(100) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 100 }) }),
    maxRequestsPerMinute: fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, { weight: 2, arbitrary: logInteger(100, 1_000) }, { weight: 2, arbitrary: logInteger(1, 100) }),
    timeZone: fc.constantFrom('Asia/Kolkata', 'UTC', 'America/New_York', 'Europe/London', 'Pacific/Chatham'),
    lags: fc.option(fc.uniqueArray(logInteger(SECOND, 2 * HOUR), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    skewMarginMs: fc.option(spread(fc.integer({ min: 0, max: 3_600_000 })), { nil: undefined }),
    inboundOnly: fc.boolean(),
    saveEveryCycle: fc.boolean(),
    callsPerMinute: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: logInteger(1, 10_000) }),
    settleMaxMs: spread(fc.integer({ min: 0, max: 10 * MINUTE })),
    longShare: evenNumber(0, 0.3),
    correctionShare: evenNumber(0, 0.2),
    offsetMs: spread(fc.integer({ min: -HOUR, max: HOUR })),
    driftPpm: spread(fc.integer({ min: -150, max: 150 })),
    jumps: fc.array(fc.record({ at: evenNumber(0, 1), byMs: fc.integer({ min: -10 * MINUTE, max: 10 * MINUTE }) }), { maxLength: 2 }),
    faults: fc.array(
      fc.record({
        kind: fc.constantFrom(...FAULT_KINDS),
        at: evenNumber(0, 0.9),
        lengthMs: logInteger(10 * SECOND, 15 * MINUTE),
        rate: fc.oneof(fc.constant(1), evenNumber(0.02, 0.5)),
        status: fc.constantFrom(500, 502, 503, 504),
        retryAfter: fc.constantFrom<'seconds' | 'http-date' | false>('seconds', 'http-date', false),
        field: fc.constantFrom<'DateCreated' | 'Sid' | 'Status' | 'Duration'>('DateCreated', 'Sid', 'Status', 'Duration'),
      }),
      { maxLength: 4 },
    ),
    // Exotel's StatusCallback as hints: for a share of the calls (filtered out or not), on time,
    // late, or replayed long after (a callback retried, a queue replayed); some carry the start.
    hints: fc.option(
      fc.record({
        share: evenNumber(0, 1),
        lateShare: evenNumber(0, 0.5),
        replayShare: evenNumber(0, 0.3),
        withStart: fc.boolean(),
        bogus: fc.boolean(),
      }),
      { nil: undefined },
    ),
    restarts: fc.array(fc.record({ at: evenNumber(0.05, 0.8), downMs: logInteger(SECOND, 2 * HOUR), crash: fc.boolean() }), { maxLength: 2 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map((s) => {
    // lookbackMs: from just over the poll interval (and 60 s) to 31 days, spread over its logarithm.
    const minLookback = Math.max(60 * SECOND, s.pollIntervalMs + SECOND);
    const lookbackMs = Math.round(Math.exp(Math.log(minLookback) + s.lookbackFactor * (Math.log(31 * DAY) - Math.log(minLookback))));
    // settleMs: 0 to lookbackMs, mostly minutes.
    const settleMs = Math.min(lookbackMs, Math.round(s.settleFactor ** 2 * Math.min(lookbackMs, 30 * MINUTE)));
    const sliceLagsMs = s.lags?.filter((l) => l <= lookbackMs);
    return { ...s, lookbackMs, settleMs, sliceLagsMs: sliceLagsMs && sliceLagsMs.length > 0 ? sliceLagsMs : undefined };
  });

export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export interface RunResult {
  verdict: Verdict;
  conditions: Conditions;
  calls: number;
  requests: number;
  faultsInjected: number;
  errors: Record<string, number>;
  /** The stream said it could not keep up or could not cover something. */
  warned: boolean;
  /** Sids emitted after the last save before a crash (their second emission is excused), and misses of records reported unreadable by Sid. */
  excused: number;
  /** Hints handed to the stream. */
  hints: number;
  /** The run's simulator, events and truth, to look into a failure. */
  debug: { sim: Simulator; observed: Observed[]; truth: SimulatedCall[] };
}

/** A store that can "crash": saves after it are lost. Remembers what the last completed save held. */
function crashableStore(inner: Store, now: () => number) {
  let crashed = false;
  let lastSnapshotAt = Number.NEGATIVE_INFINITY;
  const store: Store = {
    load: () => inner.load(),
    async save(state: StoreState) {
      if (crashed) return;
      const at = now();
      await inner.save(state);
      lastSnapshotAt = at;
    },
    close: async () => undefined,
  };
  return {
    store,
    crash: () => {
      crashed = true;
    },
    revive: () => {
      crashed = false;
    },
    lastSnapshotAt: () => lastSnapshotAt,
  };
}

/** Runs one scenario; returns the verdict and the figures. */
export async function runScenario(s: Scenario): Promise<RunResult> {
  const rnd = random(s.seed);
  const clock = installClock(T0);
  try {
    // The API's clock: ours plus an offset that drifts and jumps.
    let jumped = 0;
    const apiNow = () => Date.now() + s.offsetMs + Math.round(((Date.now() - T0) * s.driftPpm) / 1e6) + jumped;
    const sim: Simulator = createSimulator({ seed: s.seed, timeZone: s.timeZone, clock: { now: apiNow } });

    // How long to run: the traffic, then long enough for the first lag to read its last calls.
    const firstLag = Math.min(...(s.sliceLagsMs ?? [10 * MINUTE]), s.lookbackMs);
    const tailMs = Math.min(firstLag, s.lookbackMs) + MAX_GATHER_MS + s.settleMaxMs + 6 * s.pollIntervalMs + 5 * MINUTE;
    const trafficMs = s.callsPerMinute === 0 ? 20 * MINUTE : Math.min(40 * MINUTE, (MAX_CALLS / s.callsPerMinute) * MINUTE);
    const runMs = Math.min(8 * HOUR, trafficMs + tailMs);

    // The calls, on the API's clock.
    const startApi = apiNow();
    const truthAll: SimulatedCall[] = [];
    if (s.callsPerMinute > 0) {
      const gap = MINUTE / s.callsPerMinute;
      for (let t = startApi + SECOND + -Math.log(1 - rnd()) * gap; t < startApi + trafficMs; t += -Math.log(1 - rnd()) * gap) {
        const u = rnd();
        const status = u < 0.65 ? 'completed' : u < 0.79 ? 'no-answer' : u < 0.89 ? 'busy' : u < 0.95 ? 'failed' : 'canceled';
        const long = rnd() < s.longShare;
        const talkMs = status !== 'completed' ? 0 : long ? (rnd() < 0.8 ? 5 * MINUTE + rnd() * 25 * MINUTE : 30 * MINUTE + rnd() * 150 * MINUTE) : Math.min(5 * MINUTE, 1_000 - Math.log(1 - rnd()) * 90 * SECOND);
        const direction = rnd() < 0.5 ? 'inbound' : rnd() < 0.7 ? 'outbound-api' : 'outbound-dial';
        const correction = rnd() < s.correctionShare ? [{ afterMs: Math.round(SECOND + rnd() * 20 * MINUTE), fields: { Price: Math.round(1 + rnd() * 5000) / 1000 } }] : [];
        truthAll.push(
          sim.addCall({
            startAt: Math.floor(t),
            ringMs: Math.round(rnd() * 30 * SECOND),
            talkMs: Math.round(talkMs),
            status,
            direction,
            settleDelayMs: Math.round(rnd() * s.settleMaxMs),
            ...(correction.length > 0 ? { corrections: correction } : {}),
          }),
        );
      }
    }
    const truth = s.inboundOnly ? truthAll.filter((t) => t.direction === 'inbound') : truthAll;

    // The hints, on the API's clock, in the order they come.
    const hints: Array<{ at: number; hint: CallHint }> = [];
    if (s.hints !== undefined) {
      const h = s.hints;
      for (const t of truthAll) {
        if (rnd() >= h.share) continue;
        const hint: CallHint = { sid: t.sid, endedAt: t.endAt, ...(h.withStart ? { dateCreated: t.startAt } : {}) };
        const late = rnd() < h.lateShare;
        hints.push({ at: t.endAt + (late ? MINUTE + rnd() * 9 * MINUTE : rnd() * 5 * SECOND), hint });
        if (rnd() < h.replayShare) hints.push({ at: t.endAt + rnd() * 3 * s.lookbackMs, hint });
      }
      // Sids no call has (a callback for another account, a typo in a replay).
      if (h.bogus) for (let i = 0; i < 20; i++) hints.push({ at: startApi + rnd() * trafficMs, hint: { sid: Math.floor(rnd() * 2 ** 52).toString(16).padStart(32, '0') } });
      hints.sort((a, b) => a.at - b.at);
    }
    let hintIndex = 0;
    let hintsSent = 0;

    const inner = memoryStore();
    const crashable = crashableStore(inner, apiNow);
    const observed: Observed[] = [];
    const errors: ExotelError[] = [];
    const excusedSids = new Set<string>();
    let excusedMisses = 0;
    let session: Observed[] = [];
    const options: CallStreamOptions = {
      accountSid: 'acme1',
      apiKey: 'sim-key',
      apiToken: 'sim-token',
      baseUrl: 'http://127.0.0.1:9',
      dispatcher: new SimulatorDispatcher(sim),
      pollIntervalMs: s.pollIntervalMs,
      lookbackMs: s.lookbackMs,
      settleMs: s.settleMs,
      pageSize: s.pageSize,
      maxRequestsPerMinute: s.maxRequestsPerMinute,
      timeZone: s.timeZone,
      store: crashable.store,
      retries: 3,
      ...(s.sliceLagsMs === undefined ? {} : { sliceLagsMs: s.sliceLagsMs }),
      ...(s.skewMarginMs === undefined ? {} : { skewMarginMs: s.skewMarginMs }),
      ...(s.inboundOnly ? { filters: { direction: 'inbound' as const } } : {}),
      ...(s.saveEveryCycle ? { saveIntervalMs: 0 } : {}),
    };
    const start = (): CallStream => {
      const stream = createCallStream(options);
      session = [];
      stream.events$.subscribe({
        next: (event) => {
          const call = event.call;
          const o: Observed = {
            type: event.type,
            sid: call.sid,
            apiAt: apiNow(),
            steadyAt: apiNow() - jumped,
            settled: call.duration !== null && call.price !== null && call.endTime !== null,
            price: call.price,
            ...(event.type === 'callUpdated' ? { changes: event.changes } : {}),
          };
          observed.push(o);
          session.push(o);
        },
        error: () => undefined,
      });
      stream.errors$.subscribe((e) => errors.push(e));
      return stream;
    };

    // Disturbances, on the API's clock, for the judge.
    const disturbances: Array<{ from: number; to: number; extraMs: number }> = [];
    const catchUpMs = (lengthMs: number) => 5 * MINUTE + (((lengthMs / MINUTE) * s.callsPerMinute * 3) / s.pageSize / Math.max(1, s.maxRequestsPerMinute)) * MINUTE;
    const faults = s.faults.map((f) => ({ ...f, from: Math.round(f.at * runMs), to: Math.round(f.at * runMs) + f.lengthMs }));
    for (const f of faults) disturbances.push({ from: startApi + f.from, to: startApi + f.to, extraMs: 3 * MINUTE + catchUpMs(f.lengthMs) });
    const restarts = s.restarts.map((r) => ({ ...r, atMs: Math.round(r.at * runMs) })).sort((a, b) => a.atMs - b.atMs);
    const jumps = s.jumps.map((j) => ({ ...j, atMs: Math.round(j.at * runMs) })).sort((a, b) => a.atMs - b.atMs);
    // The API's clock as segments of the steady one (without jumps): from `steadyFrom` on, it reads steady + `jumped`.
    const jumpLog: Array<{ steadyFrom: number; jumped: number }> = [{ steadyFrom: Number.NEGATIVE_INFINITY, jumped: 0 }];
    const steadyReach = (apiMs: number): number => {
      for (let i = 0; i < jumpLog.length; i++) {
        const { steadyFrom, jumped: j } = jumpLog[i]!;
        const until = jumpLog[i + 1]?.steadyFrom ?? Number.POSITIVE_INFINITY;
        if (steadyFrom + j >= apiMs) return steadyFrom;
        if (apiMs - j < until) return apiMs - j;
      }
      return apiMs;
    };
    let faultsInjected = 0;
    let active = '';

    let stream = start();
    stream.start();
    let elapsed = 0;
    let firstAnswerAt: number | undefined;
    let restartIndex = 0;
    let jumpIndex = 0;
    while (elapsed < runMs) {
      // Faults in force now.
      const now = elapsed;
      const on = faults.filter((f) => f.from <= now && now < f.to);
      const key = on.map((f) => f.kind + f.from).join('|');
      if (key !== active) {
        active = key;
        sim.clearFaults();
        for (const f of on) {
          const spec: FaultSpec = { kind: f.kind, rate: f.rate };
          if (f.kind === 'status') spec.status = f.status;
          if (f.kind === 'rate-limit') {
            spec.retryAfter = f.retryAfter;
            spec.retryAfterSeconds = 1 + Math.floor(f.rate * 5);
          }
          if (f.kind === 'delay') spec.delayMs = 500 + Math.round(f.rate * 2_500);
          if (f.kind === 'bad-record') spec.field = f.field;
          sim.inject(spec);
          faultsInjected++;
        }
      }
      while (jumpIndex < jumps.length && jumps[jumpIndex]!.atMs <= elapsed) {
        const j = jumps[jumpIndex++]!;
        const at = apiNow();
        jumped += j.byMs;
        jumpLog.push({ steadyFrom: at - (jumped - j.byMs), jumped });
        // A jump back replays API time already seen; either way the calls around it get the jump's length more.
        disturbances.push({ from: Math.min(at, at + j.byMs), to: Math.max(at, at + j.byMs) + 2 * MINUTE, extraMs: Math.abs(j.byMs) + 2 * s.pollIntervalMs });
      }
      if (restartIndex < restarts.length && restarts[restartIndex]!.atMs <= elapsed) {
        const r = restarts[restartIndex++]!;
        const downFrom = apiNow();
        if (r.crash) {
          crashable.crash();
          // What was emitted after the last save that landed is emitted again after a crash: excused.
          const saved = crashable.lastSnapshotAt();
          for (const o of session) if (o.apiAt >= saved - 2 * SECOND) excusedSids.add(o.sid);
        }
        await stopUnder(clock, stream);
        crashable.revive();
        await clock.tickAsync(r.downMs);
        elapsed += r.downMs;
        // The lags read what came due while it was down at their own priority, beside the catch-up.
        disturbances.push({ from: downFrom, to: apiNow(), extraMs: 2 * s.pollIntervalMs + catchUpMs(r.downMs) });
        stream = start();
        stream.start();
        continue;
      }
      // Hints due by now go to the running stream (a stream stopped refuses them, as its receiver would be down).
      for (const at = apiNow(); hintIndex < hints.length && hints[hintIndex]!.at <= at; hintIndex++) {
        stream.hint(hints[hintIndex]!.hint);
        hintsSent++;
      }
      const step = Math.min(STEP_MS, runMs - elapsed);
      await clock.tickAsync(step);
      elapsed += step;
      firstAnswerAt ??= sim.history[0]?.at;
    }
    const endAt = apiNow();
    await stopUnder(clock, stream);

    // docs/engine.md: a stream that said it reads the lookback lag alone (too busy) is held to that lag's bound.
    const thinned = errors.some((e) => e.code === 'ERR_QUOTA_PLAN' && e.message.includes('only the lookback lag'));
    const configured = thinned ? [] : (s.sliceLagsMs ?? [10 * MINUTE, 30 * MINUTE]);
    const lagsMs = [...new Set([...configured.filter((l) => l < s.lookbackMs), s.lookbackMs])].sort((a, b) => a - b);
    const conditions: Conditions = {
      pollIntervalMs: s.pollIntervalMs,
      lookbackMs: s.lookbackMs,
      settleMs: s.settleMs,
      lagsMs,
      disturbances,
      feasible: feasible(s.callsPerMinute, s.pageSize, s.maxRequestsPerMinute),
      endAt,
      coveredFrom: (firstAnswerAt ?? endAt) - s.lookbackMs + 2 * SECOND,
      pageSize: s.pageSize,
      callsPerMinute: s.inboundOnly ? s.callsPerMinute * 0.5 : s.callsPerMinute,
      steadyReach,
    };
    const verdict = judge(truth, observed, conditions);
    verdict.twice = verdict.twice.filter((sid) => !excusedSids.has(sid));
    // README: a record that cannot be read is reported by Sid (ERR_EXOTEL_MALFORMED_RECORD) and
    // skipped once its start second was read three times: a miss the user was told of, by name
    // (by its start, when its Sid is what cannot be read).
    // A record whose Sid itself cannot be read is named by its start second instead.
    const unreadable = new Set(errors.flatMap((e) => (e instanceof MalformedRecordError && e.sid !== undefined ? [e.sid] : [])));
    const unreadableAt = new Set(errors.flatMap((e) => (e instanceof MalformedRecordError && e.sid === undefined && e.dateCreated !== undefined ? [Math.floor(e.dateCreated.getTime() / SECOND)] : [])));
    const startOf = new Map(truth.map((t) => [t.sid, t.startAt]));
    const told = (line: string) => {
      const sid = line.split(' ')[0]!;
      const start = startOf.get(sid);
      return unreadable.has(sid) || (start !== undefined && unreadableAt.has(Math.floor(start / SECOND)));
    };
    for (const key of ['missed', 'missedUnderQuota'] as const) {
      const kept = verdict[key].filter((line) => !told(line));
      excusedMisses += verdict[key].length - kept.length;
      verdict[key] = kept;
    }
    const errorCounts: Record<string, number> = {};
    for (const e of errors) errorCounts[e.code] = (errorCounts[e.code] ?? 0) + 1;
    return {
      verdict,
      conditions,
      calls: truth.length,
      requests: sim.rateStats().total,
      faultsInjected,
      errors: errorCounts,
      warned: errors.some((e) => e.code === 'ERR_QUOTA_PLAN' || e.code === 'ERR_COVERAGE_GAP'),
      excused: excusedSids.size + excusedMisses,
      hints: hintsSent,
      debug: { sim, observed, truth },
    };
  } finally {
    clock.uninstall();
  }
}
