// The receiver of Exotel's StatusCallbacks over real loopback sockets: bodies (form, multipart,
// JSON), what it answers to everything else, the secret, Exotel's retries, the counters.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import type { StatusCallbackHandlerOptions, StatusCallbackResult, StatusCallbackStats } from '../../src/hints/types.js';
import { FORM, JSON_TYPE, formBody, listen, recordingTarget, send, terminalFields, type Loopback } from './helpers.js';

const SID = 'b6cf6f0c1d2e3f405162738495a6b7c8';
const SECRET = 'k3y-for-callbacks-0123456789';
// 10:02:05 and 10:00:00 in Kolkata (UTC+05:30).
const ENDED = Date.UTC(2025, 0, 15, 4, 32, 5);
const CREATED = Date.UTC(2025, 0, 15, 4, 30, 0);

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function receiver(options: StatusCallbackHandlerOptions = {}) {
  const target = recordingTarget();
  const results: StatusCallbackResult[] = [];
  const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata', onResult: (r) => results.push(r), ...options });
  const server = await listen(handler);
  servers.push(server);
  return { target, handler, results, url: server.url };
}

const total = (s: StatusCallbackStats) => s.accepted + Object.values(s.rejected).reduce((a, b) => a + b, 0);

describe('createStatusCallbackHandler: callbacks become hints', () => {
  it('takes a form callback, reading its naive timestamps in the account zone', async () => {
    const { target, handler, url } = await receiver();
    const answer = await send(`${url}/exotel/status-callback`, { headers: FORM, body: formBody(terminalFields(SID)) });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 'accepted' });
    expect(target.hints).toEqual([{ sid: SID, endedAt: ENDED, dateCreated: CREATED, status: 'completed' }]);
    expect(handler.stats()).toMatchObject({ received: 1, accepted: 1 });
  });

  it('takes a JSON callback the same way, numbers and nested Legs included', async () => {
    const { target, url } = await receiver();
    const body = JSON.stringify({ ...terminalFields(SID), ConversationDuration: 110, Legs: [{ OnCallDuration: 41, Status: 'completed' }] });
    const answer = await send(`${url}/`, { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body });
    expect(answer.status).toBe(200);
    expect(target.hints).toEqual([{ sid: SID, endedAt: ENDED, dateCreated: CREATED, status: 'completed' }]);
  });

  it('takes a multipart/form-data callback', async () => {
    const { target, url } = await receiver();
    const form = new FormData();
    for (const [k, v] of Object.entries(terminalFields(SID))) form.append(k, v);
    const res = await fetch(`${url}/`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(target.hints).toEqual([{ sid: SID, endedAt: ENDED, dateCreated: CREATED, status: 'completed' }]);
  });

  it('takes the four fields sent without StatusCallbackEvents: endedAt from DateUpdated, no dateCreated', async () => {
    const { target, url } = await receiver();
    const body = formBody({ CallSid: SID, DateUpdated: '2025-01-15 10:02:07', Status: 'no-answer', RecordingUrl: '' });
    expect((await send(url, { headers: FORM, body })).status).toBe(200);
    expect(target.hints).toEqual([{ sid: SID, endedAt: ENDED + 2_000, status: 'no-answer' }]);
  });

  it('reads the timestamps in the zone it is given (a zone with daylight saving too)', async () => {
    const { target, url } = await receiver({ timeZone: 'America/New_York' });
    await send(url, { headers: FORM, body: formBody(terminalFields(SID, { EndTime: '2025-07-04 09:00:00', DateCreated: '2025-07-04 08:59:00' })) });
    // EDT is UTC-4 in July.
    expect(target.hints[0]).toMatchObject({ endedAt: Date.UTC(2025, 6, 4, 13, 0, 0), dateCreated: Date.UTC(2025, 6, 4, 12, 59, 0) });
  });

  it('guesses the body from its first byte when Content-Type is missing', async () => {
    const { target, url } = await receiver();
    await send(url, { body: JSON.stringify({ CallSid: 'aa11' }) });
    await send(url, { body: 'CallSid=bb22&Status=busy' });
    expect(target.hints.map((h) => h.sid)).toEqual(['aa11', 'bb22']);
  });

  it('keeps a callback whose timestamps cannot be read, without them', async () => {
    const { target, url } = await receiver();
    const answer = await send(url, { headers: FORM, body: formBody({ CallSid: SID, DateUpdated: '15/01/2025', EndTime: '0000-00-00 00:00:00', Status: 'failed' }) });
    expect(answer.status).toBe(200);
    expect(target.hints).toEqual([{ sid: SID, status: 'failed' }]);
  });

  it('answers 200 to an `answered` event without a hint: the call has not ended', async () => {
    const { target, handler, results, url } = await receiver();
    const answer = await send(url, { headers: FORM, body: formBody(terminalFields(SID, { EventType: 'answered', Status: 'in-progress', EndTime: '' })) });
    expect(answer.status).toBe(200);
    expect(answer.json.status).toBe('not-terminal');
    expect(target.hints).toEqual([]);
    expect(handler.stats().rejected['not-terminal']).toBe(1);
    expect(results[0]).toMatchObject({ outcome: 'rejected', reason: 'not-terminal', eventType: 'answered' });
  });
});

describe('createStatusCallbackHandler: what is not a callback', () => {
  it('answers 400 with a reason to bodies that are not callbacks, never echoing them', async () => {
    const { target, handler, url } = await receiver();
    const cases = [
      { headers: JSON_TYPE, body: '{"CallSid": ', reason: 'malformed' },
      { headers: JSON_TYPE, body: '["CallSid"]', reason: 'malformed' },
      { headers: FORM, body: 'Status=completed&DateUpdated=2025-01-15+10%3A00%3A00', reason: 'not-a-callback' },
      { headers: FORM, body: formBody({ CallSid: '<script>secret-value</script>' }), reason: 'invalid-sid' },
      { headers: JSON_TYPE, body: JSON.stringify({ CallSid: { $gt: '' } }), reason: 'not-a-callback' },
    ];
    for (const c of cases) {
      const answer = await send(url, { headers: c.headers, body: c.body });
      expect(answer.status, c.body).toBe(400);
      expect(answer.json.error, c.body).toBe(c.reason);
      expect(typeof answer.json.message).toBe('string');
      expect(answer.body).not.toContain('secret-value');
    }
    expect(target.hints).toEqual([]);
    expect(handler.stats().rejected).toMatchObject({ malformed: 2, 'not-a-callback': 2, 'invalid-sid': 1 });
  });

  it('answers 405 with Allow to other methods, and 415 to other content types', async () => {
    const { handler, url } = await receiver();
    const get = await send(url, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const put = await send(url, { method: 'PUT', headers: FORM, body: formBody({ CallSid: SID }) });
    expect(put.status).toBe(405);
    const text = await send(url, { headers: { 'Content-Type': 'text/plain' }, body: `CallSid=${SID}` });
    expect(text.status).toBe(415);
    expect(text.json.error).toBe('content-type');
    expect(handler.stats().rejected).toMatchObject({ method: 2, 'content-type': 1 });
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    const { target, handler, url } = await receiver({ maxBodyBytes: 1024 });
    const big = formBody({ CallSid: SID, Padding: 'x'.repeat(2000) });
    expect((await send(url, { headers: FORM, body: big })).status).toBe(413);
    // Chunked, without Content-Length: the handler counts as it reads.
    const streamed = await send(url, { headers: { ...FORM, 'Transfer-Encoding': 'chunked' }, chunks: [`CallSid=${SID}&Padding=`, 'y'.repeat(800), 'y'.repeat(800)] });
    expect(streamed.status).toBe(413);
    expect(streamed.headers.connection).toBe('close');
    expect(target.hints).toEqual([]);
    expect(handler.stats().rejected['too-large']).toBe(2);
  });

  it('answers 408 to a body that does not arrive in time, and keeps serving', async () => {
    const { handler, url } = await receiver({ bodyTimeoutMs: 150 });
    const started = Date.now();
    const slow = await send(url, { headers: { ...FORM, 'Content-Length': '200' }, chunks: [`CallSid=${SID}`, { waitMs: 2_000 }] });
    expect(slow.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(handler.stats().rejected.timeout).toBe(1);
    expect((await send(url, { headers: FORM, body: formBody({ CallSid: SID }) })).status).toBe(200);
  });

  it('survives a client that goes away mid-body, counting it', async () => {
    const { handler, url } = await receiver();
    const { port } = new URL(url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nCallSid=${SID}`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await expect.poll(() => handler.stats().rejected.aborted).toBe(1);
    expect((await send(url, { headers: FORM, body: formBody({ CallSid: SID }) })).status).toBe(200);
  });
});

describe('createStatusCallbackHandler: the shared secret', () => {
  it('takes a callback only with the secret, in the last path segment or the query', async () => {
    const { target, handler, url } = await receiver({ secret: SECRET });
    const body = formBody(terminalFields(SID));
    const without = await send(`${url}/exotel/status-callback`, { headers: FORM, body });
    const wrong = await send(`${url}/exotel/status-callback/${SECRET.slice(0, -1)}x`, { headers: FORM, body });
    const wrongQuery = await send(`${url}/exotel/status-callback?token=nope`, { headers: FORM, body });
    for (const a of [without, wrong, wrongQuery]) {
      expect(a.status).toBe(403);
      expect(a.json.error).toBe('secret');
      expect(a.body).not.toContain(SECRET);
    }
    expect(target.hints).toEqual([]);
    expect((await send(`${url}/exotel/status-callback/${SECRET}`, { headers: FORM, body })).status).toBe(200);
    expect((await send(`${url}/exotel/status-callback?token=${SECRET}`, { headers: FORM, body: formBody({ CallSid: 'other1' }) })).status).toBe(200);
    expect(target.hints.map((h) => h.sid)).toEqual([SID, 'other1']);
    expect(handler.stats().rejected.secret).toBe(3);
  });

  it('refuses a weak secret at creation, without showing it', () => {
    const target = recordingTarget();
    expect(() => createStatusCallbackHandler(target, { secret: 'short-secret' })).toThrow(/Expected `secret` to be a string of 16 to 256 printable characters/);
    try {
      createStatusCallbackHandler(target, { secret: 'has a space in it, long enough' });
    } catch (error) {
      expect((error as Error).message).not.toContain('space in it');
    }
    expect(() => createStatusCallbackHandler(target, { secret: 'has/slash-0123456789' })).toThrow(/`secret`/);
  });
});

describe('createStatusCallbackHandler: repeats, refusals, counters', () => {
  it("takes a callback once however often Exotel retries it; each repeat is answered 200", async () => {
    const { target, handler, url } = await receiver();
    const body = formBody(terminalFields(SID));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await send(url, { headers: FORM, body }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.json.status)).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(target.hints).toHaveLength(1);
    expect(handler.stats()).toMatchObject({ received: 3, accepted: 1, rejected: { duplicate: 2 } });
  });

  it('hands every repeat on with rememberSids: 0 (the stream dedupes by Sid itself)', async () => {
    const { target, url } = await receiver({ rememberSids: 0 });
    for (let i = 0; i < 2; i++) await send(url, { headers: FORM, body: formBody({ CallSid: SID }) });
    expect(target.hints).toHaveLength(2);
  });

  it('forgets the oldest Sids beyond rememberSids', async () => {
    const { target, url } = await receiver({ rememberSids: 2 });
    for (const sid of ['s1', 's2', 's3', 's1']) await send(url, { headers: FORM, body: formBody({ CallSid: sid }) });
    expect(target.hints.map((h) => h.sid)).toEqual(['s1', 's2', 's3', 's1']);
  });

  it('answers 200 when the stream refuses or throws, and counts both; a refused Sid is taken when offered again', async () => {
    const { target, handler, url } = await receiver();
    const body = formBody({ CallSid: SID });
    target.mode = 'refuse';
    const refused = await send(url, { headers: FORM, body });
    target.mode = 'throw';
    const thrown = await send(url, { headers: FORM, body });
    target.mode = 'take';
    const taken = await send(url, { headers: FORM, body });
    expect([refused.status, thrown.status, taken.status]).toEqual([200, 200, 200]);
    expect([refused.json.status, thrown.json.status, taken.json.status]).toEqual(['ignored', 'error', 'accepted']);
    expect(target.hints).toHaveLength(1);
    expect(handler.stats()).toMatchObject({ received: 3, accepted: 1, rejected: { ignored: 1, error: 1 } });
  });

  it('counts every request once: received = accepted + rejected; onResult sees each (frozen), and may throw', async () => {
    let calls = 0;
    const { handler, url } = await receiver({
      onResult: (r) => {
        calls += 1;
        expect(Object.isFrozen(r)).toBe(true);
        throw new Error('a logger that breaks');
      },
    });
    await send(url, { headers: FORM, body: formBody({ CallSid: SID }) });
    await send(url, { method: 'GET' });
    await send(url, { headers: JSON_TYPE, body: 'nope' });
    await send(url, { headers: FORM, body: formBody({ CallSid: SID }) });
    const stats = handler.stats();
    expect(stats.received).toBe(4);
    expect(total(stats)).toBe(4);
    expect(calls).toBe(4);
    // A fresh object each time.
    stats.accepted = 99;
    expect(handler.stats().accepted).toBe(1);
  });
});

describe('createStatusCallbackHandler: options', () => {
  it('names a bad option and shows the value', () => {
    const target = recordingTarget();
    expect(() => createStatusCallbackHandler({} as never)).toThrow(/Expected `target` to be an object with a `hint\(\)` method/);
    expect(() => createStatusCallbackHandler(target, { timeZone: 'Mars/Olympus' })).toThrow(/`timeZone`.*Mars\/Olympus/);
    expect(() => createStatusCallbackHandler(target, { maxBodyBytes: 10 })).toThrow(/Expected `maxBodyBytes` to be an integer from 256 to 16777216, got `10`/);
    expect(() => createStatusCallbackHandler(target, { bodyTimeoutMs: 20_000 })).toThrow(/`bodyTimeoutMs`.*14000/);
    expect(() => createStatusCallbackHandler(target, { rememberSids: -1 })).toThrow(/`rememberSids`/);
    expect(() => createStatusCallbackHandler(target, { secretParam: 'a b' })).toThrow(/`secretParam`/);
    expect(() => createStatusCallbackHandler(target, { onResult: 'log' as never })).toThrow(/`onResult`/);
    expect(() => createStatusCallbackHandler(target, { timezone: 'Asia/Kolkata' } as never)).toThrow(/`timezone`.*not an option of createStatusCallbackHandler/);
  });
});
