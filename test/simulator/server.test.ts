import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import FakeTimers from '@sinonjs/fake-timers';
import { createSimulator } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, dateCreated, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('server', () => {
  it('listens on 127.0.0.1 with a free port, and url throws before listen()', async () => {
    const sim = createSimulator();
    expect(() => sim.url).toThrow(/listen\(\)/);
    const { url } = await sim.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.url).toBe(url);
    await sim.close();
    expect(() => sim.url).toThrow();
  });

  it('close() ends keep-alive sockets', async () => {
    const sim = createSimulator();
    const { url } = await sim.listen();
    const res = await request(`${url}${LIST}`, { headers: { authorization: AUTH } });
    await res.body.text();
    await sim.close(); // would hang on the open keep-alive socket otherwise
    await expect(fetch(`${url}${LIST}`)).rejects.toThrow();
  });

  it('serves the JSON list with Metadata, records and a Date header from its clock', async () => {
    h = await start();
    const call = h.sim.addCall({ startAt: T0 - 600_000, ringMs: 3_000, talkMs: 14_000, settleDelayMs: 0 });
    const res = await h.get(LIST);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('date')).toBe(new Date(T0).toUTCString());
    expect(res.json.Metadata).toEqual({ Total: 1, PageSize: 1, FirstPageUri: LIST, PrevPageUri: null, NextPageUri: null });
    const r = res.json.Calls[0];
    expect(Object.keys(r)).toEqual([
      'Sid', 'ParentCallSid', 'DateCreated', 'DateUpdated', 'AccountSid', 'To', 'From', 'PhoneNumber', 'PhoneNumberSid', 'Status',
      'StartTime', 'EndTime', 'Duration', 'Price', 'Direction', 'AnsweredBy', 'ForwardedFrom', 'CallerName', 'Uri', 'RecordingUrl',
    ]);
    expect(r).toMatchObject({
      Sid: call.sid,
      DateCreated: '2025-01-15 11:20:00',
      DateUpdated: '2025-01-15 11:20:17',
      AccountSid: 'acme1',
      Status: 'completed',
      StartTime: '2025-01-15 11:20:00',
      EndTime: '2025-01-15 11:20:17',
      Duration: '17',
      Price: '0.500',
      Direction: 'inbound',
      Uri: `/v1/Accounts/acme1/Calls/${call.sid}`,
    });
    expect(call.sid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('serves XML without .json, shaped as the reference (Details, Legs, Leg)', async () => {
    h = await start();
    h.sim.addCall({ startAt: T0 - 600_000, ringMs: 13_000, talkMs: 8_000, settleDelayMs: 0, price: 1.5 });
    const res = await h.get('/v1/Accounts/acme1/Calls?details=true&PageSize=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse><Metadata><Total>1</Total><PageSize>1</PageSize>')).toBe(true);
    expect(res.text).toContain('<FirstPageUri>/v1/Accounts/acme1/Calls?details=true&amp;PageSize=2</FirstPageUri>');
    expect(res.text).toContain('<Duration>21</Duration><Price>1.500</Price>');
    expect(res.text).toMatch(
      /<Details><ConversationDuration>8<\/ConversationDuration><Leg1Status>completed<\/Leg1Status><Leg2Status>completed<\/Leg2Status><Legs><Leg><Id>1<\/Id><OnCallDuration>21<\/OnCallDuration><\/Leg><Leg><Id>2<\/Id><OnCallDuration>8<\/OnCallDuration><\/Leg><\/Legs><\/Details><\/Call><\/TwilioResponse>$/,
    );
  });

  it('serves one call by Sid in JSON and XML, 404 for an unknown Sid', async () => {
    h = await start();
    const call = h.sim.addCall({ startAt: T0 - 600_000, settleDelayMs: 0 });
    const json = await h.get(`/v1/Accounts/acme1/Calls/${call.sid}.json?details=true`);
    expect(json.status).toBe(200);
    expect(json.json.Call.Sid).toBe(call.sid);
    expect(json.json.Call.Details.Leg1Status).toBe('completed');
    const xml = await h.get(`/v1/Accounts/acme1/Calls/${call.sid}`);
    expect(xml.text).toContain(`<TwilioResponse><Call><Sid>${call.sid}</Sid>`);
    const missing = await h.get('/v1/Accounts/acme1/Calls/0123456789abcdef0123456789abcdef.json');
    expect(missing.status).toBe(404);
    expect(missing.json.RestException).toEqual({ Status: 404, Message: expect.stringContaining('0123456789abcdef0123456789abcdef') });
  });

  it('shows an ongoing call as in-progress by Sid, but never lists it', async () => {
    h = await start();
    const call = h.sim.addCall({ startAt: T0 - 10_000, talkMs: 60_000 });
    const one = await h.get(`/v1/Accounts/acme1/Calls/${call.sid}.json`);
    expect(one.json.Call).toMatchObject({ Status: 'in-progress', EndTime: '', Duration: '' });
    expect((await h.get(LIST)).json.Calls).toEqual([]);
  });

  it('answers 401 without or with wrong credentials, 403 for another account, and never echoes them', async () => {
    h = await start({
      accounts: [
        { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' },
        { accountSid: 'other', apiKey: 'other-key', apiToken: 'other-secret' },
      ],
    });
    const none = await h.get(LIST, { auth: null });
    expect(none.status).toBe(401);
    expect(none.json.RestException.Status).toBe(401);
    const wrong = await h.get(LIST, { auth: `Basic ${Buffer.from('sim-key:nope-token').toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('nope-token');
    const other = await h.get('/v1/Accounts/other/Calls.json');
    expect(other.status).toBe(403);
    expect(other.json.RestException.Message).toContain('other');
    const ok = await h.get('/v1/Accounts/other/Calls.json', { auth: `Basic ${Buffer.from('other-key:other-secret').toString('base64')}` });
    expect(ok.status).toBe(200);
    expect(h.sim.history.map((r) => r.status)).toEqual([401, 401, 403, 200]);
  });

  it('says which part of the path did not match, and rejects other methods', async () => {
    h = await start();
    const res = await h.get('/v1/Accounts/acme1/Call.json');
    expect(res.status).toBe(404);
    expect(res.json.RestException.Message).toContain('/v1/Accounts/<AccountSid>/Calls');
    const post = await fetch(`${h.url}${LIST}`, { method: 'POST', headers: { authorization: AUTH } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('the default clock is Date.now(), so a fake clock that fakes Date drives it', async () => {
    const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ['Date'], now: T0 });
    try {
      const sim = createSimulator({ traffic: { callsPerMinute: 30 } });
      clock.tick(3_600_000);
      const res = await sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH } });
      expect(res.headers.date).toBe(new Date(T0 + 3_600_000).toUTCString());
      const calls = sim.calls();
      expect(calls.length).toBeGreaterThan(1_000);
      expect(calls[0]!.startAt).toBeGreaterThanOrEqual(T0);
      expect(calls.at(-1)!.startAt).toBeLessThanOrEqual(T0 + 3_600_000);
    } finally {
      clock.uninstall();
    }
  });

  it('handle() runs the same logic without a socket', async () => {
    const clock = { now: () => T0 };
    const sim = createSimulator({ clock });
    sim.addCall({ startAt: T0 - 3_600_000, settleDelayMs: 0 });
    const res = await sim.handle({ method: 'GET', url: `${LIST}?${dateCreated(T0 - 7_200_000, T0)}`, headers: { Authorization: AUTH } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).Metadata.Total).toBe(1);
    expect(res.headers.date).toBe(new Date(T0).toUTCString());
    expect(sim.history[0]).toEqual({
      at: T0,
      method: 'GET',
      path: LIST,
      query: { DateCreated: 'gte:2025-01-15 09:30:00;lte:2025-01-15 11:30:00' },
      accountSid: 'acme1',
      status: 200,
      records: 1,
    });
  });
});
