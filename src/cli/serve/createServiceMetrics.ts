/**
 * The Prometheus metrics of `exotel-calls serve` (prom-client), named `<prefix>_<what>_<unit>`:
 * `_total` on counters, `_seconds` on durations, labels of low cardinality (tier, status class,
 * event type, error code, sink name). Counters come from `stream.stats()` and gauges from
 * `stream.status()`, both read once per scrape; the settle→emit histogram is observed as events
 * arrive.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallStreamEvent, CallStreamLike, CallStreamStats, CallStreamStatus } from '../../stream/types.js';
import type { Sink } from '../../sinks/types.js';
import type { StatusCallbackStats } from '../../hints/types.js';

export interface ServiceMetricsOptions {
  prefix: string;
  stream: Pick<CallStreamLike, 'stats' | 'status'>;
  sinks: Sink[];
  /** Whether this process holds the account's lease (1 without leases: a single process). */
  leaseHeld: () => boolean;
  /** Whether `/readyz` says ready now. */
  ready: () => boolean;
  /** The counters of the StatusCallback endpoint, when it is on. */
  hints?: (() => StatusCallbackStats) | undefined;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Records one stream event (for the settle→emit latency). */
  observe(event: CallStreamEvent): void;
  /** The exposition text, `text/plain; version=0.0.4`. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Buckets for settle→emit latency, seconds: from a poll interval to a settle timeout and beyond. */
const LATENCY_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800];

export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const { prefix, stream, sinks } = options;
  const registry = new Registry();
  const registers = [registry];
  let stats: CallStreamStats = stream.stats();
  let status: CallStreamStatus = stream.status();
  const counts = new Map<string, { delivered: number; failures: number; deadLetters: number }>();
  for (const sink of sinks) {
    const c = { delivered: 0, failures: 0, deadLetters: 0 };
    counts.set(sink.name, c);
    sink.on('delivered', () => void (c.delivered += 1));
    sink.on('retry', () => void (c.failures += 1));
    sink.on('deadLetter', () => {
      c.failures += 1;
      c.deadLetters += 1;
    });
  }

  const counter = (name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, value: number) => void) => void) =>
    new Counter({
      name: `${prefix}_${name}`,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        read((labels, value) => this.inc(labels, value));
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], read: (set: (labels: Record<string, string>, value: number) => void) => void) =>
    new Gauge({
      name: `${prefix}_${name}`,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        read((labels, value) => this.set(labels, value));
      },
    });

  counter('reads_total', 'Listings of the read plan, by tier and result (ok: every page read; failed: given up, planned again).', ['tier', 'result'], (set) => {
    for (const [tier, r] of Object.entries(stats.reads)) {
      set({ tier, result: 'ok' }, r.ok);
      set({ tier, result: 'failed' }, r.failed);
    }
  });
  counter('api_requests_total', 'Pages the API answered, by read tier.', ['tier'], (set) => {
    for (const [tier, r] of Object.entries(stats.reads)) set({ tier }, r.requests);
  });
  counter('api_records_total', 'Records the API listed, by read tier.', ['tier'], (set) => {
    for (const [tier, r] of Object.entries(stats.reads)) set({ tier }, r.records);
  });
  counter('http_requests_total', 'HTTP attempts sent to the API (first attempts and retries).', [], (set) => set({}, stats.http.requests));
  counter('http_responses_total', 'HTTP responses from the API, by status class.', ['status'], (set) => {
    for (const [status, n] of Object.entries(stats.http.responses)) set({ status }, n);
  });
  counter('http_retries_total', 'HTTP attempts that were retries.', [], (set) => set({}, stats.http.retries));
  counter('http_rate_limited_total', '429 responses from the API.', [], (set) => set({}, stats.http.rateLimited));
  counter('http_network_failures_total', 'Attempts that got no response (network faults, timeouts, aborts).', [], (set) => set({}, stats.http.failures));
  counter('events_total', 'Events emitted, by type.', ['type'], (set) => {
    for (const [type, n] of Object.entries(stats.events)) set({ type }, n);
  });
  counter('errors_total', 'Errors reported on errors$, by code.', ['code'], (set) => {
    for (const [code, n] of Object.entries(stats.errors)) set({ code }, n);
  });
  counter('store_saves_total', 'Saves of the store, by result.', ['result'], (set) => {
    set({ result: 'ok' }, stats.saves.ok);
    set({ result: 'failed' }, stats.saves.failed);
  });
  gauge('quota_requests_per_minute', 'Requests a minute the read plan needs at the observed call rate.', [], (set) => set({}, status.estimatedRequestsPerMinute));
  gauge('quota_limit_requests_per_minute', 'The request quota the plan fits itself into.', [], (set) => set({}, status.maxRequestsPerMinute));
  gauge('quota_used_ratio', 'Planned requests a minute over the quota (1 = all of it).', [], (set) =>
    set({}, status.maxRequestsPerMinute > 0 ? status.estimatedRequestsPerMinute / status.maxRequestsPerMinute : 0),
  );
  gauge('held_calls', 'Records held waiting to settle.', [], (set) => set({}, status.heldCalls));
  gauge('tracked_calls', 'Held records plus emitted Sids remembered inside the lookback.', [], (set) => set({}, status.trackedCalls));
  gauge('lag_seconds', 'How long ago (API clock) the reads that decide latency last completed; -1 before the first.', [], (set) =>
    set({}, status.lagMs === null ? -1 : status.lagMs / 1000),
  );
  gauge('catching_up', '1 while start times missed during a restart or an outage are still being read.', [], (set) => set({}, status.catchingUp ? 1 : 0));
  gauge('clock_offset_seconds', "The API's clock minus the local clock.", [], (set) => set({}, status.clockOffsetMs / 1000));
  gauge('ready', '1 when /readyz says ready (polling and within the lag bound).', [], (set) => set({}, options.ready() ? 1 : 0));
  gauge('lease_held', "1 when this process holds the account's lease and emits (always 1 for a single process).", [], (set) => set({}, options.leaseHeld() ? 1 : 0));
  gauge('sink_pending_events', 'Events accepted by a sink and not yet delivered or given up (outbox depth).', ['sink'], (set) => {
    for (const sink of sinks) set({ sink: sink.name }, sink.pending);
  });
  counter('sink_delivered_total', 'Events a sink delivered.', ['sink'], (set) => {
    for (const [sink, c] of counts) set({ sink }, c.delivered);
  });
  counter('sink_delivery_failures_total', 'Failed delivery attempts of a sink (retried or given up).', ['sink'], (set) => {
    for (const [sink, c] of counts) set({ sink }, c.failures);
  });
  counter('sink_dead_letters_total', 'Events a sink gave up, with a dead-letter record.', ['sink'], (set) => {
    for (const [sink, c] of counts) set({ sink }, c.deadLetters);
  });
  const hints = options.hints;
  if (hints !== undefined) {
    counter('hints_received_total', "Requests to the StatusCallback endpoint (Exotel's push).", [], (set) => set({}, hints().received));
    counter('hints_accepted_total', 'StatusCallbacks handed to the stream as hints.', [], (set) => set({}, hints().accepted));
    counter(
      'hints_rejected_total',
      'Requests that did not become a hint, by reason (a repeat, a call not ended, a bad body or secret, ...).',
      ['reason'],
      (set) => {
        for (const [reason, n] of Object.entries(hints().rejected)) set({ reason }, n);
      },
    );
  }
  const latency = new Histogram({
    name: `${prefix}_settle_to_emit_seconds`,
    help: "Time from a call's last update in the API (DateUpdated, on the API's clock) to its callCompleted/callFailed event.",
    buckets: LATENCY_BUCKETS,
    labelNames: ['type'],
    registers,
  });
  collectDefaultMetrics({ register: registry, prefix: `${prefix}_` });

  return {
    registry,
    contentType: registry.contentType,
    observe(event) {
      if (event.type === 'callUpdated') return;
      const settledAt = event.call.dateUpdated ?? event.call.endTime;
      if (!settledAt) return;
      latency.observe({ type: event.type }, Math.max(0, (stream.status().apiTime - settledAt.getTime()) / 1000));
    },
    async render() {
      stats = stream.stats();
      status = stream.status();
      return registry.metrics();
    },
  };
}
