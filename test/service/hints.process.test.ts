// `exotel-calls serve` as a child process taking Exotel's StatusCallbacks: the simulator posts a
// callback for each call to the service's endpoint (the first ones before it listens, so they are
// retried), the test posts a few of its own; /metrics counts them, every call goes out once.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { startCli, simEnv, parseNdjson, type CliRun } from '../cli/helpers.js';
import { parsePrometheusText, sample } from './prometheusText.js';

const SECRET = 'hints-secret-0123456789abcdef';

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
let dir: string;
let port: number;
let serve: CliRun | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-hints-'));
  port = await freePort();
  sim = createSimulator({
    traffic: false,
    rateLimit: false,
    settleDelayMs: { min: 300, max: 800 },
    seed: 9,
    statusCallbacks: { url: `http://127.0.0.1:${port}/exotel/status-callback/${SECRET}`, delayMs: { min: 0, max: 200 }, lookEveryMs: 50, retryDelayMs: 500, retries: 10, timeoutMs: 2_000 },
  });
  await sim.listen();
});

afterAll(async () => {
  serve?.child.kill('SIGKILL');
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const waitUntil = (what: () => boolean | Promise<boolean>, timeout = 15_000) => vi.waitUntil(what, { timeout, interval: 100 });
const url = (path: string) => `http://127.0.0.1:${port}${path}`;
const metrics = async () => parsePrometheusText(await (await fetch(url('/metrics'))).text());

describe('exotel-calls serve: the StatusCallback endpoint', () => {
  it('takes the callbacks as hints, counts every request in /metrics, and keeps the secret out of its logs', async () => {
    // Calls that end in a second: their callbacks come before the service listens, and are retried.
    const sids: string[] = [];
    for (let i = 0; i < 8; i++) sids.push(sim.addCall({ startAt: Date.now(), ringMs: 1_000, talkMs: i % 2 === 0 ? 1_000 : 0, status: i % 2 === 0 ? 'completed' : 'busy' }).sid);
    const ndjson = join(dir, 'events.ndjson');
    serve = startCli(['serve'], {
      env: simEnv({
        EXOTEL_BASE_URL: sim.url,
        EXOTEL_CALLS_DATA_DIR: join(dir, 'data'),
        EXOTEL_CALLS_PORT: String(port),
        EXOTEL_CALLS_POLL_INTERVAL: '1s',
        EXOTEL_CALLS_WALLBOARD: 'off',
        EXOTEL_CALLS_NDJSON: ndjson,
        EXOTEL_CALLS_HINTS_SECRET: SECRET,
        EXOTEL_CALLS_LOG_LEVEL: 'debug',
      }),
    });
    await waitUntil(async () => (await fetch(url('/readyz')).catch(() => undefined))?.status === 200);
    await waitUntil(() => sim.callbacks.stats().delivered === 8).catch((e) => {
      throw new Error(`${JSON.stringify(sim.callbacks.stats())} ${JSON.stringify(sim.callbacks.records().slice(0, 2))} ${serve!.stdout().slice(-1500)}`, { cause: e });
    });
    expect(sim.callbacks.stats().retries).toBeGreaterThan(0);

    // The test's own posts: a wrong secret, a GET, an answered event, a repeat, an oversized body.
    const post = (path: string, body: string, type = 'application/x-www-form-urlencoded') => fetch(url(path), { method: 'POST', headers: { 'Content-Type': type }, body });
    expect((await post('/exotel/status-callback/not-the-secret-at-all', `CallSid=${sids[0]}`)).status).toBe(403);
    expect((await fetch(url(`/exotel/status-callback/${SECRET}`))).status).toBe(405);
    const answered = await post(`/exotel/status-callback?token=${SECRET}`, JSON.stringify({ CallSid: 'abc123', EventType: 'answered', Status: 'in-progress' }), 'application/json');
    expect(await answered.json()).toMatchObject({ status: 'not-terminal' });
    const repeat = await post(`/exotel/status-callback/${SECRET}`, `CallSid=${sids[0]}&EventType=terminal&Status=completed`);
    expect(await repeat.json()).toMatchObject({ status: 'duplicate' });
    expect((await post(`/exotel/status-callback/${SECRET}`, `CallSid=${sids[1]}&Pad=${'x'.repeat(70_000)}`)).status).toBe(413);
    // Other paths of the port are as they were.
    expect((await post('/metrics', 'x')).status).toBe(405);

    const m = await metrics();
    const attempts = sim.callbacks.stats().attempts;
    expect(sample(m, 'exotel_calls_hints_accepted_total')).toBe(8);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'secret' })).toBe(1);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'method' })).toBe(1);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'not-terminal' })).toBe(1);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'duplicate' })).toBe(1);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'too-large' })).toBe(1);
    // Attempts refused before the service listened never reached it.
    const failedBefore = attempts - sim.callbacks.records().reduce((n, r) => n + r.attempts.filter((a) => a.ok).length, 0);
    expect(sample(m, 'exotel_calls_hints_received_total')).toBe(attempts - failedBefore + 5);

    // Every call goes out once.
    await waitUntil(() => {
      try {
        return parseNdjson(readFileSync(ndjson, 'utf8')).length >= 8;
      } catch {
        return false;
      }
    });
    serve.child.kill('SIGTERM');
    const done = await serve.done;
    expect(done.code).toBe(0);
    const events = parseNdjson(readFileSync(ndjson, 'utf8'));
    expect(events.map((e) => e.call.sid).sort()).toEqual([...sids].sort());
    expect(done.stdout).not.toContain(SECRET);
    const logs = parseNdjson(done.stdout);
    expect(logs.find((l) => l.msg === 'serving')).toMatchObject({ statusCallbacks: `http://127.0.0.1:${port}/exotel/status-callback` });
    expect(logs.filter((l) => l.msg === 'hint taken').map((l) => l.sid).sort()).toEqual([...sids].sort());
    expect(logs.some((l) => l.level === 'warn' && /status callback refused/.test(String(l.msg)) && l.reason === 'secret')).toBe(true);
  }, 60_000);
});
