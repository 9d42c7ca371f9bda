/**
 * What real clients send that the simulator must take as Exotel does: `RecordingUrlValidity` on
 * both endpoints, the account Sid as the API key (older clients), parameters no table lists, and
 * compressed answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { gunzipSync } from 'node:zlib';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { SimulatorDispatcher } from '../../src/simulator/index.js';
import { AUTH, LIST, T0, start } from './helpers.js';
import type { Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MIN = 60_000;
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

async function withCalls(options = {}): Promise<Harness> {
  const harness = await start({ rateLimit: false, ...options });
  harness.sim.addCall({ sid: 'settled1', startAt: T0 - 30 * MIN, settleDelayMs: 0 });
  // Ended a minute ago, settles in ten: no recording yet.
  harness.sim.addCall({ sid: 'pending1', startAt: T0 - 2 * MIN, talkMs: 55_000, settleDelayMs: 10 * MIN });
  return harness;
}

describe('RecordingUrlValidity', () => {
  it('60 on the bulk list: 200, and each record gains a PreSignedRecordingUrl valid 60 minutes from the answer', async () => {
    h = await withCalls();
    const res = await h.get(`${LIST}?RecordingUrlValidity=60&SortBy=DateCreated:asc`);
    expect(res.status).toBe(200);
    const [settled, pending] = res.json.Calls;
    expect(settled.RecordingUrl).toBe('https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/acme1/settled1.mp3');
    const signed = new URL(settled.PreSignedRecordingUrl);
    expect(`${signed.origin}${signed.pathname}`).toBe(settled.RecordingUrl);
    expect(signed.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(signed.searchParams.get('X-Amz-Date')).toBe('20250115T060000Z');
    expect(signed.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // Not settled: no recording yet, so nothing to sign.
    expect(pending.RecordingUrl).toBe('');
    expect(pending.PreSignedRecordingUrl).toBe('');
    // Carried into the page URIs like every parameter.
    expect(res.json.Metadata.FirstPageUri).toContain('RecordingUrlValidity=60');
    // Without it, no signed URL: the field is Exotel's answer to the parameter.
    expect((await h.get(LIST)).json.Calls[0]).not.toHaveProperty('PreSignedRecordingUrl');
  });

  it('on the single-call endpoint too, JSON and XML; the expiry follows the clock', async () => {
    h = await withCalls();
    h.clock.advance(90_000);
    const res = await h.get('/v1/Accounts/acme1/Calls/settled1.json?RecordingUrlValidity=5&details=true');
    expect(res.status).toBe(200);
    const signed = new URL(res.json.Call.PreSignedRecordingUrl);
    expect(signed.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(signed.searchParams.get('X-Amz-Date')).toBe('20250115T060130Z');
    expect(res.json.Call.Details).toBeDefined();
    const xml = await h.get('/v1/Accounts/acme1/Calls/settled1?RecordingUrlValidity=30');
    expect(xml.status).toBe(200);
    expect(xml.text).toMatch(/<PreSignedRecordingUrl>https:\/\/s3-ap-southeast-1\.amazonaws\.com\/exotelrecordings\/acme1\/settled1\.mp3\?X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Date=20250115T060130Z&amp;X-Amz-Expires=1800&amp;/);
  });

  it.each(['4', '61', '0', 'ten', '5.5', '-5', ''])('%j is a 400 naming the parameter, on both endpoints', async (value) => {
    h = await withCalls();
    for (const path of [LIST, '/v1/Accounts/acme1/Calls/settled1.json']) {
      const res = await h.get(`${path}?RecordingUrlValidity=${value}`);
      expect(res.status).toBe(400);
      expect(res.json.RestException.Message).toBe(`Invalid value \`${value}\` for query parameter \`RecordingUrlValidity\`: expected an integer from 5 to 60 (minutes)`);
    }
  });
});

describe('the account Sid as the API key (exotel-node, exotel-py)', () => {
  it('is refused by default, accepted with sidAsApiKey: true, and only with the right token', async () => {
    h = await withCalls();
    expect((await h.get(LIST, { auth: basic('acme1', 'sim-token') })).status).toBe(401);
    await h.close();
    h = await withCalls({ sidAsApiKey: true });
    const ok = await h.get(LIST, { auth: basic('acme1', 'sim-token') });
    expect(ok.status).toBe(200);
    expect(ok.json.Calls).toHaveLength(2);
    expect((await h.get(LIST, { auth: basic('acme1', 'wrong') })).status).toBe(401);
    // The key still works as well.
    expect((await h.get(LIST)).status).toBe(200);
  });

  it("logs in as the Sid's account only: another account's Sid and token are refused for this one", async () => {
    h = await withCalls({
      sidAsApiKey: true,
      accounts: [
        { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' },
        { accountSid: 'acme2', apiKey: 'other-key', apiToken: 'other-token' },
      ],
    });
    expect((await h.get(LIST, { auth: basic('acme2', 'other-token') })).status).toBe(403);
    expect((await h.get('/v1/Accounts/acme2/Calls.json', { auth: basic('acme2', 'other-token') })).status).toBe(200);
  });

  it('the library logs in that way when given the Sid as its key', async () => {
    h = await withCalls({ sidAsApiKey: true });
    const client = new ExotelClient({ accountSid: 'acme1', apiKey: 'acme1', apiToken: 'sim-token', baseUrl: h.url, retries: 0 });
    try {
      expect((await client.listPage({ sortBy: 'asc' })).calls.map((c) => c.Sid)).toEqual(['settled1', 'pending1']);
    } finally {
      await client.close();
    }
  });
});

describe('query parameters no table lists', () => {
  it('are ignored by default, carried into the page URIs and listed in history', async () => {
    h = await withCalls();
    const res = await h.get(`${LIST}?PageSize=1&SortBy=DateCreated:asc&pagesize=10&_=1736920800`);
    expect(res.status).toBe(200);
    // `pagesize` is not `PageSize`: it changes nothing.
    expect(res.json.Calls).toHaveLength(1);
    expect(res.json.Metadata.NextPageUri).toContain('pagesize=10');
    expect(res.json.Metadata.NextPageUri).toContain('_=1736920800');
    expect(h.sim.history.at(-1)!.ignored).toEqual(['pagesize', '_']);
    const next = await h.get(res.json.Metadata.NextPageUri);
    expect(next.status).toBe(200);
    expect(next.json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual(['pending1']);
    const one = await h.get('/v1/Accounts/acme1/Calls/settled1.json?foo=bar');
    expect(one.status).toBe(200);
    expect(h.sim.history.at(-1)!.ignored).toEqual(['foo']);
  });

  it("unknownParameters: 'reject' answers a 400 naming the parameter and the near miss", async () => {
    h = await withCalls({ unknownParameters: 'reject' });
    const near = await h.get(`${LIST}?pagesize=10`);
    expect(near.status).toBe(400);
    expect(near.json.RestException.Message).toBe('Unknown query parameter `pagesize` (did you mean `PageSize`?)');
    const other = await h.get(`${LIST}?foo=1`);
    expect(other.json.RestException.Message).toMatch(/^Unknown query parameter `foo` \(accepted: `Sid`, `DateCreated`, .*`RecordingUrlValidity`\)$/);
    const one = await h.get('/v1/Accounts/acme1/Calls/settled1.json?Details=true');
    expect(one.status).toBe(400);
    expect(one.json.RestException.Message).toBe('Unknown query parameter `Details` for a single call (did you mean `details`?)');
    expect(h.sim.history.every((r) => r.ignored === undefined)).toBe(true);
  });

  it('a documented parameter given twice is still a 400', async () => {
    h = await withCalls();
    const res = await h.get(`${LIST}?PageSize=1&PageSize=2`);
    expect(res.status).toBe(400);
    expect(res.json.RestException.Message).toBe('Query parameter `PageSize` is given more than once');
  });
});

describe('compressed answers (contentEncoding)', () => {
  const raw = async (url: string, acceptEncoding?: string) => {
    const res = await request(url, { headers: { authorization: AUTH, ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }) } });
    return { status: res.statusCode, encoding: res.headers['content-encoding'], vary: res.headers.vary, bytes: Buffer.from(await res.body.arrayBuffer()) };
  };

  it("'none' (the default) never compresses; 'negotiate' follows Accept-Encoding; a fixed coding ignores it", async () => {
    h = await withCalls();
    expect((await raw(`${h.url}${LIST}`, 'gzip')).encoding).toBeUndefined();
    await h.close();
    h = await withCalls({ contentEncoding: 'negotiate' });
    const gz = await raw(`${h.url}${LIST}`, 'gzip;q=1, deflate;q=0.5');
    expect(gz.encoding).toBe('gzip');
    expect(gz.vary).toBe('Accept-Encoding');
    expect(JSON.parse(gunzipSync(gz.bytes).toString('utf8')).Calls).toHaveLength(2);
    expect((await raw(`${h.url}${LIST}`, 'gzip, deflate, br')).encoding).toBe('br');
    expect((await raw(`${h.url}${LIST}`, 'br;q=0, deflate')).encoding).toBe('deflate');
    expect((await raw(`${h.url}${LIST}`)).encoding).toBeUndefined();
    await h.close();
    h = await withCalls({ contentEncoding: 'gzip' });
    expect((await raw(`${h.url}${LIST}`)).encoding).toBe('gzip');
  });

  it('over SimulatorDispatcher as over the socket: the client asks, decodes each coding, and handle() keeps the text', async () => {
    for (const contentEncoding of ['negotiate', 'gzip', 'deflate', 'br'] as const) {
      h = await withCalls({ contentEncoding });
      const client = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(h.sim), retries: 0 });
      expect((await client.listPage({ sortBy: 'asc' })).calls.map((c) => c.Sid)).toEqual(['settled1', 'pending1']);
      await client.close();
      const direct = await h.sim.handle({ method: 'GET', url: LIST, headers: { authorization: AUTH, 'accept-encoding': 'gzip' } });
      expect(JSON.parse(direct.body).Calls).toHaveLength(2);
      expect(direct.encoding).toBe(contentEncoding === 'negotiate' ? 'gzip' : contentEncoding);
      await h.close();
      h = undefined;
    }
  });

  it('validates the option', async () => {
    await expect(start({ contentEncoding: 'zip' as never })).rejects.toThrow("Expected `contentEncoding` to be one of 'none', 'negotiate', 'gzip', 'deflate', 'br', got `zip` (string)");
    await expect(start({ unknownParameters: 'drop' as never })).rejects.toThrow("Expected `unknownParameters` to be one of 'ignore', 'reject', got `drop` (string)");
    await expect(start({ sidAsApiKey: 'yes' as never })).rejects.toThrow('Expected `sidAsApiKey` to be one of true, false, got `yes` (string)');
  });
});
