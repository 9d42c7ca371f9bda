// `serve`'s `hints` section: on once a secret is set, the secret only from the environment or a
// file, errors naming the key or the variable; the port of its own; the counters in /metrics.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfig } from '../../src/cli/serve/loadServiceConfig.js';
import { startCallbackServer } from '../../src/cli/serve/startCallbackServer.js';
import { createServiceMetrics } from '../../src/cli/serve/createServiceMetrics.js';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import { recordingTarget, send } from '../hints/helpers.js';
import { runCli, simEnv } from './helpers.js';
import { parsePrometheusText, sample } from '../service/prometheusText.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-hints-config-'));
const creds = { EXOTEL_ACCOUNT_SID: 'acme1', EXOTEL_API_KEY: 'k', EXOTEL_API_TOKEN: 'tok-123' };
const load = (file?: Record<string, unknown>, env: Record<string, string> = {}) => loadServiceConfig({ env: { ...creds, ...env }, file, cwd: dir });
const SECRET = 'hints-secret-0123456789abcdef';

describe('serve configuration: hints', () => {
  it('is off without a secret, on with one, at /exotel/status-callback on the HTTP port', () => {
    expect(load().hints).toEqual({ enabled: false, path: '/exotel/status-callback' });
    expect(load({}, { EXOTEL_CALLS_HINTS_SECRET: SECRET }).hints).toEqual({ enabled: true, path: '/exotel/status-callback', secret: SECRET });
    expect(load({}, { EXOTEL_CALLS_HINTS_SECRET: SECRET, EXOTEL_CALLS_HINTS: 'off' }).hints.enabled).toBe(false);
    expect(load({ hints: { path: '/hooks/exotel', port: 9500 } }, { EXOTEL_CALLS_HINTS_SECRET: SECRET }).hints).toEqual({
      enabled: true,
      path: '/hooks/exotel',
      secret: SECRET,
      port: 9500,
      host: '127.0.0.1',
    });
    expect(load({ hints: { port: 9500, host: '0.0.0.0' } }, { EXOTEL_CALLS_HINTS_SECRET: SECRET, EXOTEL_CALLS_HINTS_PATH: '/cb' }).hints).toMatchObject({ path: '/cb', host: '0.0.0.0' });
  });

  it('takes the secret from another variable or a file, never from the configuration itself', () => {
    expect(load({ hints: { secretEnv: 'MY_CB_SECRET' } }, { MY_CB_SECRET: SECRET }).hints.secret).toBe(SECRET);
    writeFileSync(join(dir, 'cb.secret'), `\n${SECRET}\n`);
    expect(load({ hints: { secretFile: 'cb.secret' } }).hints).toMatchObject({ enabled: true, secret: SECRET });
    expect(() => load({ hints: { secret: SECRET } })).toThrow(/`hints.secret` to be absent: secrets come only from the environment or a file/);
  });

  it('needs a secret to be on, unless told a proxy checks one', () => {
    expect(() => load({ hints: { enabled: true } })).toThrow(/Expected `EXOTEL_CALLS_HINTS_SECRET` to be set: the callback endpoint needs a secret/);
    expect(() => load({}, { EXOTEL_CALLS_HINTS: 'on' })).toThrow(/`EXOTEL_CALLS_HINTS_SECRET` to be set/);
    expect(load({ hints: { enabled: true, requireSecret: false } }).hints).toEqual({ enabled: true, path: '/exotel/status-callback' });
  });

  it('names the key or the variable of a bad value, and never shows the secret', () => {
    let message = '';
    try {
      load({}, { EXOTEL_CALLS_HINTS_SECRET: 'short one' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Expected `EXOTEL_CALLS_HINTS_SECRET` to be a string of 16 to 256 printable characters/);
    expect(message).not.toContain('short one');
    expect(() => load({ hints: { secretEnv: 'S' } }, { S: 'has/a/slash-0123456789' })).toThrow(/`S` to be a string of 16/);
    expect(() => load({ hints: { path: 'no-slash' } }, { EXOTEL_CALLS_HINTS_SECRET: SECRET })).toThrow(/`hints.path` to be a path such as `\/exotel\/status-callback`/);
    expect(() => load({}, { EXOTEL_CALLS_HINTS_SECRET: SECRET, EXOTEL_CALLS_HINTS_PATH: '/metrics' })).toThrow(/`EXOTEL_CALLS_HINTS_PATH` to be a path/);
    expect(() => load({ hints: { path: '/cb/' } }, { EXOTEL_CALLS_HINTS_SECRET: SECRET })).toThrow(/no trailing/);
    expect(() => load({ hints: { port: 9464 } }, { EXOTEL_CALLS_HINTS_SECRET: SECRET })).toThrow(/`hints.port` to be a port the HTTP port and the wallboard do not use/);
    expect(() => load({}, { EXOTEL_CALLS_HINTS_SECRET: SECRET, EXOTEL_CALLS_HINTS_PORT: '8080' })).toThrow(/`EXOTEL_CALLS_HINTS_PORT`/);
    expect(() => load({ hints: { enabled: 'yes please' } })).toThrow(/`hints.enabled` to be a boolean/);
    expect(() => load({ hints: { pathh: '/x' } })).toThrow(/`hints.pathh` to be absent: not a key of `hints`/);
  });
});

describe('serve --check with hints', () => {
  it('shows the endpoint, the secret hidden', async () => {
    const r = await runCli(['serve', '--check'], { env: simEnv({ EXOTEL_CALLS_HINTS_SECRET: SECRET, EXOTEL_CALLS_HINTS_PATH: '/cb' }) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).hints).toEqual({ enabled: true, path: '/cb', secret: '(set)' });
    expect(r.stdout).not.toContain(SECRET);
    const refused = await runCli(['serve', '--check'], { env: simEnv({ EXOTEL_CALLS_HINTS: 'on' }) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/EXOTEL_CALLS_HINTS_SECRET/);
  });
});

describe('serve: the callbacks on a port of their own, and their counters', () => {
  it('serves the handler at the path and below it, 404 elsewhere', async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { secret: SECRET });
    const server = await startCallbackServer({ host: '127.0.0.1', port: 0, path: '/cb', handler });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/cb$/);
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      expect((await send(`${server.url}/${SECRET}`, { headers: form, body: 'CallSid=own1' })).status).toBe(200);
      expect((await send(`${server.url}?token=${SECRET}`, { headers: form, body: 'CallSid=own2' })).status).toBe(200);
      expect((await send(server.url.replace('/cb', '/metrics'), { method: 'GET' })).status).toBe(404);
      expect((await send(server.url.replace('/cb', '/cbx'), { headers: form, body: 'CallSid=own3' })).status).toBe(404);
      expect(target.hints.map((h) => h.sid)).toEqual(['own1', 'own2']);
    } finally {
      await server.close();
    }
  });

  it('exposes received, accepted and rejected{reason} as Prometheus counters', async () => {
    const stats = { received: 7, accepted: 4, rejected: { duplicate: 2, secret: 1 } };
    const stream = { stats: () => ({ reads: {}, http: { requests: 0, retries: 0, responses: {}, rateLimited: 0, failures: 0 }, events: { callCompleted: 0, callFailed: 0, callUpdated: 0 }, errors: {}, saves: { ok: 0, failed: 0 } }), status: () => ({ phase: 'running', apiTime: 0, clockOffsetMs: 0, heldCalls: 0, trackedCalls: 0, catchingUp: false, lastReadAt: null, lagMs: null, estimatedRequestsPerMinute: 0, maxRequestsPerMinute: 200 }) };
    const metrics = createServiceMetrics({ prefix: 'exotel_calls', stream: stream as never, sinks: [], leaseHeld: () => true, ready: () => true, hints: () => stats as never });
    const m = parsePrometheusText(await metrics.render());
    expect(sample(m, 'exotel_calls_hints_received_total')).toBe(7);
    expect(sample(m, 'exotel_calls_hints_accepted_total')).toBe(4);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'duplicate' })).toBe(2);
    expect(sample(m, 'exotel_calls_hints_rejected_total', { reason: 'secret' })).toBe(1);
    const without = parsePrometheusText(await createServiceMetrics({ prefix: 'exotel_calls', stream: stream as never, sinks: [], leaseHeld: () => true, ready: () => true }).render());
    expect(without.has('exotel_calls_hints_received_total')).toBe(false);
  });
});
