// `exotel-calls serve` as a child process against the simulator, with a webhook receiver that
// honours the idempotency key, a Redis Stream consumer group and Prometheus scrapes: the target
// down then back, the service SIGKILLed and restarted, the API answering 500s until /readyz says
// unready and ready again after. Every call ends up at the receiver exactly once and in the
// Redis Stream at least once; the counters of /metrics agree with what this test counted.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import type { CallStatus } from '../../src/exotel/types.js';
import { createWebhookReceiver } from '../../examples/webhook-forwarder/createWebhookReceiver.js';
import type { EventBody } from '../../src/sinks/eventBody.js';
import { startTarget, type Target } from '../sinks/webhookTarget.js';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.js';
import { startCli, simEnv, type CliRun } from '../cli/helpers.js';
import { parsePrometheusText, sample } from './prometheusText.js';

const SECRET = `whsec_${Buffer.from('serve-test-secret-24byte').toString('base64')}`;
const STATUSES: CallStatus[] = ['completed', 'busy', 'completed', 'no-answer', 'completed'];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let sim: Simulator;
let redis: RedisServer;
let target: Target;
let consumer: Redis;
let dir: string;
let port: number;
const received: EventBody[] = [];
const streamIds: string[] = [];
let consuming = true;
let consumerLoop: Promise<void>;
let serve: CliRun | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-'));
  sim = createSimulator({ traffic: false, rateLimit: false, settleDelayMs: { min: 200, max: 600 }, seed: 7 });
  await sim.listen();
  redis = await startRedisServer();
  const receiver = createWebhookReceiver({ secret: SECRET, onEvent: (e) => void received.push(e) });
  target = await startTarget(receiver);
  consumer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  await consumer.call('XGROUP', 'CREATE', 'calls', 'crm', '0', 'MKSTREAM');
  // A consumer group reader, as a CRM in any language would run one: read, record, acknowledge.
  consumerLoop = (async () => {
    while (consuming) {
      const reply = (await consumer.call('XREADGROUP', 'GROUP', 'crm', 'test', 'COUNT', 100, 'BLOCK', 100, 'STREAMS', 'calls', '>').catch(() => null)) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      // One stream read: ioredis hands `[key, entries]` for it (not wrapped in a list of streams).
      const streams = reply === null ? [] : typeof reply[0] === 'string' ? [reply as unknown as [string, Array<[string, string[]]>]] : reply;
      for (const [, entries] of streams) {
        for (const [id, fields] of entries) {
          const f = Object.fromEntries(fields.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]]] : [])));
          streamIds.push(String(f.id));
          expect(JSON.parse(String(f.body))).toMatchObject({ id: f.id, call: { sid: f.sid } });
          await consumer.call('XACK', 'calls', 'crm', id);
        }
      }
    }
  })();
  port = await freePort();
  writeFileSync(
    join(dir, 'serve.yaml'),
    [
      'stream:',
      '  pollInterval: 1s',
      'readiness:',
      '  maxLag: 4s',
      'http:',
      `  port: ${port}`,
      'wallboard:',
      '  enabled: false',
      'sinks:',
      '  webhooks:',
      `    - url: ${target.url}`,
      '      secretEnv: HOOK_SECRET',
      '      minDelay: 200ms',
      '      maxDelay: 1s',
      '  redisStreams:',
      '    - key: calls',
      '      group: crm',
      '      maxLen: 10000',
      'shutdown:',
      '  drainTimeout: 5s',
    ].join('\n'),
  );
});

afterAll(async () => {
  serve?.child.kill('SIGKILL');
  consuming = false;
  await consumerLoop?.catch(() => undefined);
  consumer?.disconnect();
  await target?.close();
  await redis?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startServe(): CliRun {
  return startCli(['serve', '--config', join(dir, 'serve.yaml')], {
    env: simEnv({ EXOTEL_BASE_URL: sim.url, EXOTEL_CALLS_DATA_DIR: join(dir, 'data'), EXOTEL_REDIS_URL: redis.url, HOOK_SECRET: SECRET }),
  });
}

const http = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return res ? { status: res.status, text: await res.text() } : { status: 0, text: '' };
};
const waitUntil = (what: () => boolean | Promise<boolean>, timeout = 15_000) => vi.waitUntil(what, { timeout, interval: 100 });

let added = 0;
const sids: string[] = [];
/** Calls that started 5 s ago and ended 2 s ago: listed at once, settled within a second. */
function addCalls(n: number): void {
  for (let i = 0; i < n; i++) {
    const status = STATUSES[added % STATUSES.length]!;
    const call = sim.addCall({ startAt: Date.now() - 5_000, ringMs: 1_000, talkMs: status === 'completed' ? 2_000 : 0, status, from: `+9198700${String(added).padStart(5, '0')}` });
    sids.push(call.sid);
    added += 1;
  }
}
const keyOf = (sid: string) => `${sid}:${sim.call(sid)!.status === 'completed' ? 'callCompleted' : 'callFailed'}`;
const receivedIds = () => received.map((e) => e.id);
const has = (ids: string[], n: number) => sids.slice(0, n).every((sid) => ids.includes(keyOf(sid)));

describe('exotel-calls serve (child process)', () => {
  it('delivers every event through a target outage, a SIGKILL and an API outage; /readyz and /metrics tell the truth', async () => {
    serve = startServe();
    await waitUntil(async () => (await http('/readyz')).status === 200);
    expect(JSON.parse((await http('/healthz')).text)).toEqual({ status: 'ok', phase: 'running' });

    // 1. Events flow.
    addCalls(5);
    await waitUntil(() => has(receivedIds(), 5) && has(streamIds, 5));

    // 2. The target goes down (503s): the forwarder retries; the Redis Stream keeps flowing.
    target.mode = 'down-503';
    addCalls(5);
    await waitUntil(() => has(streamIds, 10) && target.attempts.filter((a) => a.outcome === 'down-503').length >= 3);
    expect(has(receivedIds(), 10)).toBe(false);
    target.mode = 'up';
    await waitUntil(() => has(receivedIds(), 10));

    // 3. SIGKILL with events just accepted; a new process delivers them from the outboxes, or
    // the stream reads them again from its checkpoint.
    addCalls(5);
    await waitUntil(() => has(streamIds, 12) || has(receivedIds(), 12), 5_000).catch(() => undefined);
    serve.child.kill('SIGKILL');
    expect((await serve.done).signal).toBe('SIGKILL');
    const lastBefore = ((await consumer.call('XREVRANGE', 'calls', '+', '-', 'COUNT', 1)) as Array<[string]>)[0]?.[0] ?? '0-0';
    const historyAtRestart = sim.history.length;
    const attemptsAtRestart = target.attempts.length;
    serve = startServe();
    await waitUntil(async () => (await http('/readyz')).status === 200);
    addCalls(5);
    await waitUntil(() => has(receivedIds(), 20) && has(streamIds, 20));

    // 4. The API answers 500 to everything: unready once the lag passes its bound, ready after.
    sim.inject({ kind: 'status', status: 500, persist: true });
    await waitUntil(async () => (await http('/readyz')).status === 503, 20_000);
    const unready = JSON.parse((await http('/readyz')).text) as { ready: boolean; reason: string };
    expect(unready).toMatchObject({ ready: false, reason: expect.stringMatching(/^lag \d+s over the bound of 4s$/) });
    expect((await http('/healthz')).status).toBe(200);
    sim.clearFaults();
    await waitUntil(async () => (await http('/readyz')).status === 200, 20_000);
    addCalls(5);
    await waitUntil(() => has(receivedIds(), 25) && has(streamIds, 25));

    // 5. The scrape agrees with what this test counted, once nothing is in flight.
    await waitUntil(async () => {
      const m = parsePrometheusText((await http('/metrics')).text);
      return sample(m, 'exotel_calls_sink_pending_events', { sink: 'webhook' }) === 0 && sample(m, 'exotel_calls_sink_pending_events', { sink: 'redis-stream' }) === 0;
    });
    const metrics = parsePrometheusText((await http('/metrics')).text);
    const since = sim.history.slice(historyAtRestart);
    expect(sample(metrics, 'exotel_calls_http_responses_total', { status: '5xx' })).toBe(since.filter((r) => r.status >= 500).length);
    expect(since.filter((r) => r.status >= 500).length).toBeGreaterThan(0);
    const attempts = target.attempts.slice(attemptsAtRestart);
    expect(sample(metrics, 'exotel_calls_sink_delivered_total', { sink: 'webhook' })).toBe(attempts.filter((a) => a.outcome === 'passed').length);
    expect(sample(metrics, 'exotel_calls_sink_delivery_failures_total', { sink: 'webhook' })).toBe(attempts.filter((a) => a.outcome !== 'passed').length);
    const added2 = (await consumer.call('XRANGE', 'calls', `(${lastBefore}`, '+')) as unknown[];
    expect(sample(metrics, 'exotel_calls_sink_delivered_total', { sink: 'redis-stream' })).toBe(added2.length);
    const emitted = ['callCompleted', 'callFailed', 'callUpdated'].reduce((n, type) => n + sample(metrics, 'exotel_calls_events_total', { type }), 0);
    expect(emitted).toBeGreaterThanOrEqual(10);
    expect(sample(metrics, 'exotel_calls_ready')).toBe(1);
    expect(sample(metrics, 'exotel_calls_lease_held')).toBe(1);
    expect(metrics.get('exotel_calls_settle_to_emit_seconds')?.type).toBe('histogram');
    for (const name of ['exotel_calls_api_requests_total', 'exotel_calls_http_rate_limited_total', 'exotel_calls_http_retries_total', 'exotel_calls_held_calls', 'exotel_calls_quota_used_ratio']) {
      expect(metrics.has(name), name).toBe(true);
    }
    expect(sample(metrics, 'exotel_calls_http_retries_total')).toBeGreaterThan(0);

    // 6. SIGTERM drains and exits 0.
    serve.child.kill('SIGTERM');
    const done = await serve.done;
    expect(done.code).toBe(0);
    const logs = done.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['serving', 'stopping', 'sinks drained', 'stopped']));
    expect(done.stdout).not.toContain('sim-token');

    // Every call once at the receiver that honours the key, at least once in the Redis Stream.
    const expected = sids.map(keyOf);
    expect(receivedIds().filter((id) => expected.includes(id)).sort()).toEqual([...expected].sort());
    expect(new Set(receivedIds()).size).toBe(received.length);
    for (const key of expected) expect(streamIds).toContain(key);
  }, 120_000);
});
