/**
 * Rules of Exotel's reference and of what public sources add, checked one by one at the client's
 * edge: how values are encoded before sending, how records are read, and that error bodies never
 * hold sockets, even many at once on a small pool.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { ExotelError } from '../../src/exotel/errors.js';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import { buildCallQuery } from '../../src/exotel/buildCallQuery.js';
import { backoffDelay } from '../../src/exotel/retry.js';
import { createSimulator } from '../../src/simulator/index.js';
import { json, listBody, serverPerTest, silent, truncated } from './helpers/scriptedServer.js';
import type { Handler } from './helpers/scriptedServer.js';

const TZ = 'Asia/Kolkata';

describe('Price filter encoding', () => {
  // The reference writes amounts as plain decimals (`Price=eq:0.300030`); `String(1e-7)` is `1e-7`.
  it('never sends an exponent, however small or large the amount', () => {
    const decoded = (price: Record<string, number>) => new URLSearchParams(buildCallQuery({ price }, { timeZone: TZ })).get('Price');
    expect(decoded({ gte: 1e-7 })).toBe('gte:0.0000001');
    expect(decoded({ lte: 1e21 })).toBe('lte:1000000000000000000000');
    expect(decoded({ eq: 0.30003 })).toBe('eq:0.30003');
    expect(decoded({ gte: 0.1, lte: 1 })).toBe('gte:0.1;lte:1');
    expect(decoded({ eq: 0 })).toBe('eq:0');
  });
});

describe('AnsweredBy casing', () => {
  const record = (answeredBy: unknown) => ({
    Sid: 'abc', DateCreated: '2025-01-15 10:00:00', Status: 'completed', Direction: 'inbound', AnsweredBy: answeredBy,
  });
  // The casing varies between answers (`human`, `HUMAN`, `Human`): a tracked field must not flip
  // with it, or the same call reads as changed from one poll to the next.
  it('reads every casing as the same value, keeping the original in raw', () => {
    for (const v of ['human', 'HUMAN', 'Human', ' Human ']) {
      const call = normalizeCall(record(v), { timeZone: TZ });
      expect(call.answeredBy).toBe('human');
      expect(call.raw.AnsweredBy).toBe(v);
    }
    expect(normalizeCall(record('Machine'), { timeZone: TZ }).answeredBy).toBe('machine');
    expect(normalizeCall(record(null), { timeZone: TZ }).answeredBy).toBeNull();
    expect(normalizeCall(record(''), { timeZone: TZ }).answeredBy).toBeNull();
  });
});

describe('error bodies on a small pool', () => {
  const scripted = serverPerTest();
  const clients = scripted.clients;

  const big = (status: number): Handler => json(status, { RestException: { Status: status, Message: 'x'.repeat(200_000) } });

  it('drops a Sid repeated within one page as well as across pages', async () => {
    scripted.server.next(
      json(200, listBody(['a', 'b', 'a', 'c'], '/v1/Accounts/acme1/Calls.json?After=MQ==')),
      json(200, listBody(['c', 'd', 'd'], null)),
    );
    const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: scripted.server.url });
    clients.push(c);
    const pages: string[][] = [];
    for await (const page of c.listAll({})) pages.push(page.calls.map((r) => r.Sid));
    expect(pages).toEqual([['a', 'b', 'c'], ['d']]);
    // The cursor went out as the API wrote it, `==` and all.
    expect(scripted.server.requests[1]!.url).toBe('/v1/Accounts/acme1/Calls.json?After=MQ==');
  });

  it('a body that stalls half-way (timeout) or is aborted half-way frees its socket', { timeout: 5_000 }, async () => {
    const pool = new Pool(scripted.server.url, { connections: 1 });
    try {
      const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: scripted.server.url, dispatcher: pool, retries: 0, bodyTimeoutMs: 100 });
      clients.push(c);
      let sent = 0;
      const stall: Handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
        res.write('{"Metadata":{"Total":3},"Calls":[', () => sent++);
      };
      scripted.server.next(stall);
      expect(await c.listPage({}).then(() => 'answered', (e: ExotelError) => e.code)).toBe('ERR_EXOTEL_TIMEOUT');
      scripted.server.next(stall);
      const controller = new AbortController();
      const aborted = c.listPage({}, { signal: controller.signal }).then(() => 'answered', (e: ExotelError) => e.code);
      while (sent < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      expect(await aborted).toBe('ERR_ABORTED');
      scripted.server.next(json(200, listBody(['a'], null)));
      expect((await c.listPage({})).calls).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('50 concurrent failures of every kind on a 2-connection pool do not stall the next request', { timeout: 5_000 }, async () => {
    const pool = new Pool(scripted.server.url, { connections: 2 });
    try {
      const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: scripted.server.url, dispatcher: pool, retries: 0, headersTimeoutMs: 200, bodyTimeoutMs: 30_000 });
      clients.push(c);
      const kinds: Handler[] = [big(400), big(402), big(404), big(409), big(429), big(500), big(503), truncated];
      // Requests with PageSize=7 are never answered: one times out, one is aborted.
      let n = 0;
      scripted.server.fallback = (req, res) => (req.url?.includes('PageSize=7') ? silent : kinds[n++ % kinds.length]!)(req, res);
      const controller = new AbortController();
      const pending = Array.from({ length: 50 }, (_, i) =>
        c.listPage(i >= 48 ? { pageSize: 7 } : {}, i === 49 ? { signal: controller.signal } : {}).then(
          () => 'ok',
          (e: unknown) => (e as ExotelError).code,
        ),
      );
      setTimeout(() => controller.abort(), 100);
      const codes = await Promise.all(pending);
      expect(codes.filter((code) => code === 'ok')).toEqual([]);
      expect(new Set(codes)).toEqual(
        new Set([
          'ERR_EXOTEL_BAD_REQUEST', 'ERR_EXOTEL_PAYMENT_REQUIRED', 'ERR_EXOTEL_NOT_FOUND', 'ERR_EXOTEL_CONFLICT', 'ERR_EXOTEL_RATE_LIMITED',
          'ERR_EXOTEL_SERVER', 'ERR_EXOTEL_MALFORMED_RESPONSE', 'ERR_EXOTEL_TIMEOUT', 'ERR_ABORTED',
        ]),
      );
      scripted.server.next(json(200, listBody(['a'], null)));
      expect((await c.listPage({})).calls).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });
});

describe('credentials in option errors', () => {
  it('a misspelt credential option is named, its value never shown', () => {
    const secret = 'tok-misspelt-SECRET-1234';
    for (const key of ['apitoken', 'api_token', 'token', 'password']) {
      let error: unknown;
      try {
        new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: 'http://127.0.0.1:9', [key]: secret } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ExotelError);
      expect((error as Error).message).toContain(`\`${key}\``);
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(secret);
      expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(secret);
    }
  });
});

describe('backoff jitter', () => {
  it('stays in [min, 2 × min) even when the random draw is just below 1', () => {
    expect(backoffDelay(0, 1000, 30_000, 0.99999)).toBeLessThan(2000);
    expect(backoffDelay(2, 1000, 30_000, 0.99999)).toBeLessThan(8000);
    expect(backoffDelay(0, 1000, 30_000, 0)).toBe(1000);
  });
});

describe('against the simulator', () => {
  it('a call whose AnsweredBy casing varies between answers reads the same every time', async () => {
    let now = Math.floor(Date.now() / 1000) * 1000;
    const sim = createSimulator({ clock: { now: () => now }, rateLimit: false, settleDelayMs: 0, answeredByCase: 'varied' });
    await sim.listen();
    const c = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: sim.url });
    try {
      const made = sim.addCall({ startAt: now - 600_000 });
      const raw = new Set<unknown>();
      const read = new Set<unknown>();
      for (let i = 0; i < 12; i++) {
        now += 1_000;
        const call = normalizeCall(await c.getCall(made.sid), { timeZone: TZ });
        raw.add(call.raw.AnsweredBy);
        read.add(call.answeredBy);
      }
      expect(raw.size).toBeGreaterThan(1);
      expect([...read]).toEqual(['human']);
    } finally {
      await c.close();
      await sim.close();
    }
  });
});

describe('credentials pasted into the host', () => {
  // The reference writes URLs as `https://<key>:<token><subdomain>/v1/...`: someone will paste that.
  it('a subdomain or baseUrl holding credentials is rejected without showing them', () => {
    const secret = 'tok-pasted-SECRET-5678';
    for (const options of [
      { subdomain: `key:${secret}@api.exotel.com` },
      { subdomain: `https://key:${secret}@api.exotel.com` },
      { subdomain: `key:${secret}api.exotel.com` },
      { baseUrl: `https://key:${secret}@api.exotel.com` },
      { baseUrl: `key:${secret}@api.exotel.com` },
    ]) {
      let error: unknown;
      try {
        new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', ...options });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ExotelError);
      expect((error as Error).message).toMatch(/`(subdomain|baseUrl)`/);
      expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(secret);
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(secret);
    }
  });
});
