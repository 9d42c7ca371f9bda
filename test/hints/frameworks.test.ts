// The receiver mounted in Express (with and without body parsers before it) and in Fastify (the
// plugin), over loopback sockets.
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import { fastifyStatusCallbacks } from '../../src/hints/fastifyStatusCallbacks.js';
import { FORM, JSON_TYPE, formBody, listen, recordingTarget, send, terminalFields, type Loopback } from './helpers.js';

const SECRET = 'k3y-for-callbacks-0123456789';
const ENDED = Date.UTC(2025, 0, 15, 4, 32, 5);
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function serve(app: express.Express): Promise<Loopback> {
  const server = await listen(app as unknown as Parameters<typeof listen>[0]);
  closers.push(() => server.close());
  return server;
}

describe('in Express', () => {
  it('reads form and JSON bodies itself, with the secret as a route parameter', async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata', secret: SECRET });
    const app = express();
    app.post('/exotel/status-callback/:secret', handler);
    const { url } = await serve(app);
    expect((await send(`${url}/exotel/status-callback/${SECRET}`, { headers: FORM, body: formBody(terminalFields('ex1')) })).status).toBe(200);
    expect((await send(`${url}/exotel/status-callback/${SECRET}`, { headers: JSON_TYPE, body: JSON.stringify(terminalFields('ex2')) })).status).toBe(200);
    expect((await send(`${url}/exotel/status-callback/wrong-secret-0123456789`, { headers: FORM, body: formBody(terminalFields('ex3')) })).status).toBe(403);
    expect(target.hints.map((h) => [h.sid, h.endedAt])).toEqual([
      ['ex1', ENDED],
      ['ex2', ENDED],
    ]);
  });

  it("takes the body from express.json() and express.urlencoded() when they ran first", async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata' });
    const app = express();
    app.use(express.json());
    app.use(express.urlencoded({ extended: false }));
    app.post('/hook', handler);
    const { url } = await serve(app);
    expect((await send(`${url}/hook`, { headers: JSON_TYPE, body: JSON.stringify(terminalFields('pj1')) })).status).toBe(200);
    expect((await send(`${url}/hook`, { headers: FORM, body: formBody(terminalFields('pf1')) })).status).toBe(200);
    // A multipart body no parser of the app reads: the handler reads it.
    const form = new FormData();
    form.append('CallSid', 'pm1');
    const res = await fetch(`${url}/hook`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(target.hints.map((h) => h.sid)).toEqual(['pj1', 'pf1', 'pm1']);
    expect(target.hints[0]!.endedAt).toBe(ENDED);
  });

  it('answers 413 when express.raw() handed it an oversized buffer', async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { maxBodyBytes: 512 });
    const app = express();
    app.use(express.raw({ type: '*/*', limit: '1mb' }));
    app.post('/hook', handler);
    const { url } = await serve(app);
    expect((await send(`${url}/hook`, { headers: FORM, body: formBody({ CallSid: 'r1' }) })).status).toBe(200);
    expect((await send(`${url}/hook`, { headers: FORM, body: formBody({ CallSid: 'r2', Pad: 'p'.repeat(600) }) })).status).toBe(413);
    expect(target.hints.map((h) => h.sid)).toEqual(['r1']);
  });
});

describe('in Fastify', () => {
  it('serves form, multipart and JSON through the plugin, leaving the app’s own parsers alone', async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata', secret: SECRET });
    const app = Fastify();
    closers.push(() => app.close());
    await app.register(fastifyStatusCallbacks(handler, { path: '/exotel/status-callback/:secret' }));
    app.post('/echo', async (request) => ({ got: request.body }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const at = `${url}/exotel/status-callback/${SECRET}`;
    const form = await send(at, { headers: FORM, body: formBody(terminalFields('fa1')) });
    expect(form.status).toBe(200);
    expect(form.json).toEqual({ status: 'accepted' });
    expect((await send(at, { headers: JSON_TYPE, body: JSON.stringify(terminalFields('fa2')) })).status).toBe(200);
    const multipart = new FormData();
    multipart.append('CallSid', 'fa3');
    const res = await fetch(at, { method: 'POST', body: multipart });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await send(at, { headers: { 'Content-Type': 'text/plain' }, body: 'x' })).status).toBe(415);
    expect((await send(`${url}/exotel/status-callback/nope-nope-nope-nope`, { headers: FORM, body: formBody({ CallSid: 'fa4' }) })).status).toBe(403);
    expect(target.hints.map((h) => h.sid)).toEqual(['fa1', 'fa2', 'fa3']);
    // The app's JSON parser still works outside the plugin's scope.
    const echo = await send(`${url}/echo`, { headers: JSON_TYPE, body: '{"a":1}' });
    expect(echo.json).toEqual({ got: { a: 1 } });
  });

  it('refuses what is not a handler, or a path without a slash', () => {
    expect(() => fastifyStatusCallbacks((() => {}) as never)).toThrow(/Expected `handler` to be the handler `createStatusCallbackHandler\(\)` returns/);
    const handler = createStatusCallbackHandler(recordingTarget());
    expect(() => fastifyStatusCallbacks(handler, { path: 'hook' })).toThrow(/Expected `path` to be a route path starting with `\/`, got `"hook"` \(string\)/);
  });
});
