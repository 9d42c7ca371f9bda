/**
 * Over real loopback sockets (kept apart from the fake-clock tests: undici binds its shared timer to
 * whichever clock is installed when it first needs one): delivery, no socket or timer left after
 * `stop()`, and the one place credentials may go, the Authorization header.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createCallStream } from 'exotel-call-stream';
import { createSimulator } from 'exotel-call-stream/simulator';
import { ACCOUNT, everythingAbout, streamOf } from './helpers.js';

const handles = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout' || type.startsWith('TCP'));

describe('over real loopback sockets', () => {
  it('delivers, and after stop() leaves no socket, server or timer behind', async () => {
    const baseline = handles();
    const sim = createSimulator({ seed: 21, settleDelayMs: 10_000 });
    const { url } = await sim.listen();
    const now = Date.now();
    const truth = [sim.addCall({ startAt: now - 9 * 60_000, talkMs: 45_000 }), sim.addCall({ startAt: now - 6 * 60_000, status: 'canceled' })];
    const stream = createCallStream({ ...ACCOUNT, baseUrl: url, pollIntervalMs: 1_000, lookbackMs: 15 * 60_000, details: true });
    const events = await firstValueFrom(stream.events$.pipe(take(2), toArray()));
    await stream.stop();
    await sim.close();
    expect(events.map((e) => [e.call.sid, e.type]).sort()).toEqual(truth.map((t) => [t.sid, streamOf(t)]).sort());
    // Closed handles leave the list within a few turns of the event loop.
    const lingering = () => handles().length > baseline.length || handles().some((type) => type.startsWith('TCP'));
    for (let i = 0; i < 50 && lingering(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handles().filter((type) => type.startsWith('TCP'))).toEqual([]);
    expect(handles().length).toBeLessThanOrEqual(baseline.length);
  });

  it('sends the credentials in the Authorization header and nowhere else', async () => {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ Metadata: { Total: 0, PageSize: 0, FirstPageUri: null, PrevPageUri: null, NextPageUri: null }, Calls: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const token = 'tk-55c0ffee19';
    const stream = createCallStream({ accountSid: 'acme1', apiKey: 'key-1', apiToken: token, baseUrl: `http://127.0.0.1:${port}`, pollIntervalMs: 1_000 });
    stream.start();
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await stream.stop();
    await new Promise((resolve) => server.close(resolve));
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`key-1:${token}`).toString('base64')}`);
      expect(request.url).toMatch(/^\/v1\/Accounts\/acme1\/Calls\.json\?/);
      expect(decodeURIComponent(request.url)).not.toContain(token);
      const others = Object.entries(request.headers).filter(([name]) => name !== 'authorization');
      expect(JSON.stringify(others)).not.toContain(token);
    }
  });
});

/** A scripted API on 127.0.0.1: answers each request with the next body (the last one repeats). */
async function scriptedApi(bodies: unknown[]) {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    const body = bodies[Math.min(urls.length - 1, bodies.length - 1)];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, urls, close: () => new Promise((resolve) => server.close(resolve)) };
}

const emptyPage = { Metadata: { Total: 0, PageSize: 0, FirstPageUri: null, PrevPageUri: null, NextPageUri: null }, Calls: [] };

describe('a malformed page', () => {
  const malformed: Array<[string, unknown, string[]]> = [
    ['`Calls` that is not an array', { Metadata: { Total: 1 }, Calls: 'none' }, ['`Calls`', '"none"']],
    ['a body that is not an object', ['not', 'a', 'page'], ['`Calls`', 'an array of 3']],
    [
      'a NextPageUri off the account\'s call list',
      { Metadata: { Total: 2, NextPageUri: 'https://elsewhere.example/v1/Accounts/acme1/Calls.json?After=x' }, Calls: [{ Sid: 'CA1', DateCreated: '2026-01-15 11:00:00', Status: 'completed' }] },
      ['NextPageUri', 'https://elsewhere.example/v1/Accounts/acme1/Calls.json?After=x'],
    ],
  ];
  for (const [what, body, named] of malformed) {
    it(`${what}: a non-fatal error naming the field and the value; the stream goes on`, async () => {
      const api = await scriptedApi([body, emptyPage]);
      const stream = createCallStream({ ...ACCOUNT, baseUrl: api.url, pollIntervalMs: 1_000, retries: 0, lookbackMs: 10 * 60_000 });
      let failure: unknown;
      let errorsCompleted = false;
      stream.events$.subscribe({ error: (e: unknown) => (failure = e) });
      stream.errors$.subscribe({ complete: () => (errorsCompleted = true) });
      const error = await firstValueFrom(stream.errors$);
      // A fatal error would complete errors$ and error events$ within a few turns; give it the chance.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stopped = errorsCompleted;
      await stream.stop();
      await api.close();
      expect(error).toMatchObject({ code: 'ERR_EXOTEL_MALFORMED_RESPONSE', fatal: false });
      for (const part of named) expect(error.message).toContain(part);
      expect(failure).toBeUndefined();
      expect(stopped).toBe(false);
    });
  }
});

describe('a network fault over a real socket', () => {
  it('is a non-fatal ERR_EXOTEL_NETWORK once retries run out, with no credential anywhere in it', async () => {
    // A port that was just free: the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const token = 'tk-net-0d15ea5e';
    const stream = createCallStream({ accountSid: 'acme1', apiKey: 'key-1', apiToken: token, baseUrl: `http://127.0.0.1:${port}`, retries: 0 });
    const error = await firstValueFrom(stream.errors$);
    await stream.stop();
    expect(error).toMatchObject({ code: 'ERR_EXOTEL_NETWORK', fatal: false, method: 'GET' });
    expect(error.url).toContain(`http://127.0.0.1:${port}/v1/Accounts/acme1/Calls.json`);
    const all = everythingAbout(error);
    expect(all).not.toContain(token);
    expect(all).not.toContain(Buffer.from(`key-1:${token}`).toString('base64'));
  });
});
