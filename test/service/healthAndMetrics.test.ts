// The service's HTTP port and metrics without a child process: readiness from status(), the
// answers of each path, and metric names as prom-client's conventions have them.
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'eventemitter3';
import type { CallStreamStats, CallStreamStatus } from '../../src/stream/types.js';
import type { Sink, SinkEvents } from '../../src/sinks/types.js';
import { readiness } from '../../src/cli/serve/readiness.js';
import { startHealthServer, type HealthServer } from '../../src/cli/serve/startHealthServer.js';
import { createServiceMetrics } from '../../src/cli/serve/createServiceMetrics.js';
import { ended, makeCall } from '../wallboard/fixtures.js';
import { parsePrometheusText, sample } from './prometheusText.js';

const status = (over: Partial<CallStreamStatus> = {}): CallStreamStatus => ({
  phase: 'running',
  apiTime: 1_000_000,
  clockOffsetMs: -250,
  heldCalls: 3,
  trackedCalls: 40,
  catchingUp: false,
  lastReadAt: 990_000,
  lagMs: 10_000,
  estimatedRequestsPerMinute: 50,
  maxRequestsPerMinute: 200,
  ...over,
});
const stats = (): CallStreamStats => ({
  reads: { fresh: { ok: 10, failed: 1, requests: 12, records: 300 }, held: { ok: 4, failed: 0, requests: 4, records: 9 } },
  http: { requests: 20, retries: 3, responses: { '1xx': 0, '2xx': 16, '3xx': 0, '4xx': 1, '5xx': 2 }, rateLimited: 1, failures: 1 },
  events: { callCompleted: 7, callFailed: 2, callUpdated: 1 },
  errors: { ERR_EXOTEL_SERVER: 1 },
  saves: { ok: 5, failed: 0 },
});

class FakeSink extends EventEmitter<SinkEvents> implements Sink {
  readonly name = 'webhook';
  pending = 4;
  async enqueue() {
    return true;
  }
  async drain() {}
  async stop() {}
}

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('readiness', () => {
  it('is ready while polling within the lag bound, and says why not otherwise', () => {
    expect(readiness(status(), 60_000)).toEqual({ ready: true, reason: 'ok' });
    expect(readiness(status({ lagMs: 95_000 }), 60_000)).toEqual({ ready: false, reason: 'lag 95s over the bound of 60s' });
    expect(readiness(status({ lagMs: null }), 60_000)).toEqual({ ready: false, reason: 'no read has completed yet' });
    expect(readiness(status({ phase: 'failed' }), 60_000)).toEqual({ ready: false, reason: 'stream failed' });
    expect(readiness(status({ phase: 'idle' }), 60_000).ready).toBe(false);
  });
});

describe('the health and metrics port', () => {
  it('answers /healthz, /readyz and /metrics, and nothing else', async () => {
    let current = status();
    const sink = new FakeSink();
    const metrics = createServiceMetrics({ prefix: 'exotel_calls', stream: { stats, status: () => current }, sinks: [sink], leaseHeld: () => true, ready: () => readiness(current, 60_000).ready });
    server = await startHealthServer({ host: '127.0.0.1', port: 0, status: () => current, readiness: () => readiness(current, 60_000), metrics });
    const get = async (path: string, method = 'GET') => {
      const res = await fetch(new URL(path, server!.url), { method });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"status":"ok","phase":"running"}' });
    expect(JSON.parse((await get('/readyz')).body)).toMatchObject({ ready: true, reason: 'ok', lagMs: 10_000, heldCalls: 3, lastReadAt: new Date(990_000).toISOString() });
    current = status({ lagMs: 120_000 });
    expect(await get('/readyz')).toMatchObject({ status: 503 });
    current = status({ phase: 'failed' });
    expect(await get('/healthz')).toMatchObject({ status: 503 });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', 'POST')).status).toBe(405);

    current = status();
    sink.emit('delivered', { sink: 'webhook', key: 'a', type: 'callCompleted', attempt: 1 });
    sink.emit('retry', { sink: 'webhook', key: 'b', type: 'callCompleted', attempt: 1, delayMs: 1000 });
    sink.emit('deadLetter', { sink: 'webhook', key: 'b', type: 'callCompleted', attempt: 2, reason: 'HTTP 410' });
    // DateUpdated 40 s before the API's now: one observation of 40 s.
    metrics.observe(ended(makeCall({ sid: 'L1', end: 1_000_000 - 40_000 })));
    const scrape = await get('/metrics');
    expect(scrape.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheusText(scrape.body);
    expect(sample(m, 'exotel_calls_reads_total', { tier: 'fresh', result: 'failed' })).toBe(1);
    expect(sample(m, 'exotel_calls_api_requests_total', { tier: 'held' })).toBe(4);
    expect(sample(m, 'exotel_calls_http_responses_total', { status: '5xx' })).toBe(2);
    expect(sample(m, 'exotel_calls_http_rate_limited_total')).toBe(1);
    expect(sample(m, 'exotel_calls_http_retries_total')).toBe(3);
    expect(sample(m, 'exotel_calls_events_total', { type: 'callUpdated' })).toBe(1);
    expect(sample(m, 'exotel_calls_errors_total', { code: 'ERR_EXOTEL_SERVER' })).toBe(1);
    expect(sample(m, 'exotel_calls_quota_used_ratio')).toBe(0.25);
    expect(sample(m, 'exotel_calls_held_calls')).toBe(3);
    expect(sample(m, 'exotel_calls_lag_seconds')).toBe(10);
    expect(sample(m, 'exotel_calls_clock_offset_seconds')).toBe(-0.25);
    expect(sample(m, 'exotel_calls_sink_pending_events', { sink: 'webhook' })).toBe(4);
    expect(sample(m, 'exotel_calls_sink_delivered_total', { sink: 'webhook' })).toBe(1);
    expect(sample(m, 'exotel_calls_sink_delivery_failures_total', { sink: 'webhook' })).toBe(2);
    expect(sample(m, 'exotel_calls_sink_dead_letters_total', { sink: 'webhook' })).toBe(1);
    expect(sample(m, 'exotel_calls_ready')).toBe(1);
    expect(sample(m, 'exotel_calls_lease_held')).toBe(1);
    expect(scrape.body).toContain('exotel_calls_settle_to_emit_seconds_bucket{le="30",type="callCompleted"} 0');
    expect(scrape.body).toContain('exotel_calls_settle_to_emit_seconds_bucket{le="60",type="callCompleted"} 1');
    expect(scrape.body).toContain('exotel_calls_settle_to_emit_seconds_sum{type="callCompleted"} 40');

    // Names as prom-client has them: the prefix, `_total` on every counter and only there, seconds for time.
    for (const family of m.values()) {
      expect(family.name).toMatch(/^exotel_calls_[a-z0-9_]+$/);
      // prom-client's own process metrics keep their names (`nodejs_active_resources_total` is a gauge).
      if (/^exotel_calls_(process|nodejs)_/.test(family.name)) continue;
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
      else expect(family.name).not.toMatch(/_total$/);
      if (family.type === 'histogram') expect(family.name).toMatch(/_(seconds|bytes)$/);
      for (const s of family.samples) for (const label of Object.keys(s.labels)) expect(['tier', 'result', 'status', 'type', 'code', 'sink', 'le']).toContain(label);
    }
  });
});
