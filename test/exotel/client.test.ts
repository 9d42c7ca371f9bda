import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import Bottleneck from 'bottleneck';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { ExotelClientOptions } from '../../src/exotel/clientOptions.js';
import type { RetryContext } from '../../src/exotel/withRetries.js';
import { ExotelError, ExotelHttpError, InvalidOptionError } from '../../src/exotel/errors.js';
import { formatNaive } from '../../src/exotel/time.js';
import { json, listBody, raw, serverPerTest, silent, truncated } from './helpers/scriptedServer.js';

const KEY = 'test-key';
const TOKEN = 'sup3r-s3cret-t0ken';
const BASIC = Buffer.from(`${KEY}:${TOKEN}`).toString('base64');

const scripted = serverPerTest();
const clients = scripted.clients;

function client(options: Partial<ExotelClientOptions> = {}): ExotelClient {
  const c = new ExotelClient({
    accountSid: 'acme1',
    apiKey: KEY,
    apiToken: TOKEN,
    baseUrl: scripted.server.url,
    retryMinTimeoutMs: 1,
    retryMaxTimeoutMs: 5,
    ...options,
  });
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<ExotelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExotelError);
    return error as ExotelError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecret(value: unknown): void {
  const texts = [String(value), JSON.stringify(value), inspect(value, { depth: 10, showHidden: true })];
  if (value instanceof Error) texts.push(value.message, value.stack ?? '');
  for (const text of texts) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC);
  }
}

describe('ExotelClient.listPage', () => {
  it('sends Basic auth in the header only, the encoded query, and reads the page', async () => {
    // The server's clock runs an hour ahead of this machine's.
    const date = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000).toUTCString();
    scripted.server.next(json(200, listBody(['a', 'b'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Yg%3D%3D', { total: 7 }), { date }));
    const c = client();
    const gte = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
    const page = await c.listPage({ dateCreated: { gte, lte: gte + 600_000 }, pageSize: 2, sortBy: 'asc' });
    const naive = (ms: number) => encodeURIComponent(formatNaive(ms, 'Asia/Kolkata')).replace('%20', '+');
    const [req] = scripted.server.requests;
    expect(req?.method).toBe('GET');
    expect(req?.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(req?.headers.accept).toBe('application/json');
    expect(req?.url).toBe(
      `/v1/Accounts/acme1/Calls.json?DateCreated=gte%3A${naive(gte)}%3Blte%3A${naive(gte + 600_000)}&PageSize=2&SortBy=DateCreated%3Aasc`,
    );
    expect(req?.url).toMatch(/DateCreated=gte%3A\d{4}-\d\d-\d\d\+05%3A30%3A00%3Blte%3A\d{4}-\d\d-\d\d\+05%3A40%3A00&/);
    expect(req?.url).not.toContain(TOKEN);
    expect(page.calls.map((r) => r.Sid)).toEqual(['a', 'b']);
    expect(page.total).toBe(7);
    expect(page.nextPageUri).toBe('/v1/Accounts/acme1/Calls.json?PageSize=2&After=Yg%3D%3D');
    expect(page.serverDate?.getTime()).toBe(Date.parse(date));
    expect(page.requestUrl).toBe(`${scripted.server.url}${req?.url}`);
    expect(c.clockOffsetMs).toBeGreaterThan(3_600_000 - 5_000);
    expect(c.clockOffsetMs).toBeLessThanOrEqual(3_600_000);
    expect(c.stats()).toMatchObject({ requests: 1, retries: 0, responses: { '2xx': 1 } });
  });

  it('follows a page URI, under Metadata or at the top level, with `.json` and a base path', async () => {
    scripted.server.next(json(200, listBody(['a'], '/v1/Accounts/acme1/Calls?After=x', { topLevel: true })));
    scripted.server.next(json(200, listBody([], null)));
    const c = client({ baseUrl: `${scripted.server.url}/proxy/` });
    const page = await c.listPage({ pageUri: '/v1/Accounts/acme1/Calls.json?PageSize=1&After=abc' });
    expect(page.nextPageUri).toBe('/v1/Accounts/acme1/Calls?After=x');
    await c.listPage({ pageUri: page.nextPageUri! });
    expect(scripted.server.requests.map((r) => r.url)).toEqual([
      '/proxy/v1/Accounts/acme1/Calls.json?PageSize=1&After=abc',
      '/proxy/v1/Accounts/acme1/Calls.json?After=x',
    ]);
  });

  it('rejects page URIs that are not this account call list, before sending', async () => {
    const c = client();
    for (const pageUri of [
      'https://evil.example/v1/Accounts/acme1/Calls.json',
      '//evil.example/v1/Accounts/acme1/Calls.json',
      '/v1/Accounts/other/Calls.json?After=x',
      '/v1/Accounts/acme1/Calls/abc.json',
      '/v1/Accounts/acme1/../other/Calls.json',
      'v1/Accounts/acme1/Calls.json',
      '/v1/Accounts/acme1/Calls.json?a=b c',
      42,
    ]) {
      const e = await failure(c.listPage({ pageUri } as { pageUri: string }));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe('pageUri');
    }
    expect(scripted.server.requests).toHaveLength(0);
  });

  it('treats empty, null and missing NextPageUri alike', async () => {
    const c = client();
    for (const next of ['', null, undefined, '  ']) {
      scripted.server.next(json(200, listBody(['a'], next)));
      expect((await c.listPage({})).nextPageUri).toBeNull();
    }
  });

  it('validates the query before sending', async () => {
    const c = client();
    const e = await failure(c.listPage({ pageSize: 500 }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e.message).toContain('`query.pageSize`');
    await expect(c.listPage({}, { priority: 10 })).rejects.toThrow('`priority`');
    expect(scripted.server.requests).toHaveLength(0);
  });
});

describe('ExotelClient.listAll', () => {
  it('follows NextPageUri to the end, dropping Sids repeated within the listing', async () => {
    scripted.server.next(
      json(200, listBody(['a', 'b'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=MQ%3D%3D')),
      json(200, listBody(['b', 'c'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mg%3D%3D')),
      json(200, listBody(['d'], null)),
    );
    const c = client();
    const pages = [];
    for await (const page of c.listAll({ pageSize: 2 })) pages.push(page.calls.map((r) => r.Sid));
    expect(pages).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(scripted.server.requests.map((r) => r.url)).toEqual([
      '/v1/Accounts/acme1/Calls.json?PageSize=2',
      '/v1/Accounts/acme1/Calls.json?PageSize=2&After=MQ%3D%3D',
      '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mg%3D%3D',
    ]);
  });

  it('passes records without a usable Sid on (normalizeCall reports them), never merging them', async () => {
    const body = listBody(['a', 'b', 'c'], null) as { Calls: Array<Record<string, unknown>> };
    body.Calls[0]!.Sid = '';
    body.Calls[1]!.Sid = '';
    delete body.Calls[2]!.Sid;
    scripted.server.next(json(200, body));
    const records = [];
    for await (const page of client().listAll({})) records.push(...page.calls);
    expect(records).toHaveLength(3);
  });

  it('stops on an empty page even when it carries a NextPageUri, yielding that page too', async () => {
    scripted.server.next(json(200, listBody(['a'], '/v1/Accounts/acme1/Calls.json?After=x')), json(200, listBody([], '/v1/Accounts/acme1/Calls.json?After=y')));
    const pages: string[][] = [];
    for await (const page of client().listAll({})) pages.push(page.calls.map((r) => r.Sid));
    expect(pages).toEqual([['a'], []]);
    expect(scripted.server.requests).toHaveLength(2);
  });

  it('yields a page whose every Sid was on an earlier page, with no calls (one page per request answered)', async () => {
    scripted.server.next(
      json(200, listBody(['a', 'b'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=MQ%3D%3D')),
      json(200, listBody(['a', 'b'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mg%3D%3D')),
      json(200, listBody(['c'], null)),
    );
    const pages: string[][] = [];
    for await (const page of client().listAll({ pageSize: 2 })) pages.push(page.calls.map((r) => r.Sid));
    expect(pages).toEqual([['a', 'b'], [], ['c']]);
    expect(scripted.server.requests).toHaveLength(3);
  });

  it('ends with an error on a NextPageUri elsewhere or one that repeats', async () => {
    scripted.server.next(json(200, listBody(['a'], 'https://evil.example/v1/Accounts/acme1/Calls.json')));
    const it1 = client().listAll({});
    await it1.next();
    const e = await failure(it1.next());
    expect(e.code).toBe('ERR_EXOTEL_MALFORMED_RESPONSE');

    scripted.server.next(
      json(200, listBody(['a'], '/v1/Accounts/acme1/Calls.json?After=x')),
      json(200, listBody(['b'], '/v1/Accounts/acme1/Calls.json?After=x')),
    );
    const sids: string[] = [];
    const e2 = await failure(
      (async () => {
        for await (const page of client().listAll({})) sids.push(...page.calls.map((r) => r.Sid));
      })(),
    );
    expect(e2.code).toBe('ERR_EXOTEL_MALFORMED_RESPONSE');
    expect(e2.message).toContain('twice');
    expect(sids).toEqual(['a', 'b']);
  });
});

describe('ExotelClient.getCall', () => {
  it('reads one call, with details when asked', async () => {
    scripted.server.next(json(200, { Call: { Sid: 'abc', Status: 'completed', DateCreated: '2025-01-15 10:00:00' } }));
    const call = await client().getCall('abc', { details: true });
    expect(call.Sid).toBe('abc');
    expect(scripted.server.requests[0]?.url).toBe('/v1/Accounts/acme1/Calls/abc.json?details=true');
  });

  it('maps 404 and a body without Call', async () => {
    scripted.server.next(json(404, { RestException: { Status: 404, Message: 'No call abc' } }));
    const e = await failure(client().getCall('abc'));
    expect(e).toMatchObject({ code: 'ERR_EXOTEL_NOT_FOUND', status: 404, apiMessage: 'No call abc', fatal: false });
    scripted.server.next(json(200, { Calls: [] }));
    expect((await failure(client({ retries: 0 }).getCall('abc'))).code).toBe('ERR_EXOTEL_MALFORMED_RESPONSE');
    // Retried like any malformed body.
    scripted.server.next(json(200, { Calls: [] }), json(200, { Call: { Sid: 'abc' } }));
    expect((await client().getCall('abc')).Sid).toBe('abc');
    await expect(client().getCall('a/b')).rejects.toThrow('`sid`');
  });
});

describe('errors and retries', () => {
  it.each([
    [400, 'ERR_EXOTEL_BAD_REQUEST', false],
    [401, 'ERR_EXOTEL_UNAUTHORIZED', true],
    [402, 'ERR_EXOTEL_PAYMENT_REQUIRED', true],
    [403, 'ERR_EXOTEL_FORBIDDEN', true],
    [404, 'ERR_EXOTEL_NOT_FOUND', false],
    [409, 'ERR_EXOTEL_CONFLICT', false],
  ] as const)('does not retry %i; maps it to %s (fatal: %s)', async (status, code, fatal) => {
    scripted.server.next(json(status, { RestException: { Status: status, Message: `Nope ${status}` } }));
    const retries: RetryContext[] = [];
    const e = await failure(client({ onRetry: (ctx) => retries.push(ctx) }).listPage({}));
    expect(e).toBeInstanceOf(ExotelHttpError);
    expect(e).toMatchObject({ code, status, fatal, method: 'GET', apiMessage: `Nope ${status}` });
    expect(e.message).toContain(String(status));
    expect(e.message).toContain('GET /v1/Accounts/acme1/Calls.json');
    expect(e.url).toBe(`${scripted.server.url}/v1/Accounts/acme1/Calls.json`);
    expect(scripted.server.requests).toHaveLength(1);
    expect(retries).toHaveLength(0);
    expectNoSecret(e);
  });

  it('retries 5xx, 429, truncated and malformed bodies, then succeeds', async () => {
    scripted.server.next(
      json(503, { RestException: { Status: 503, Message: 'busy' } }),
      json(429, { RestException: { Status: 429, Message: 'slow down' } }),
      truncated,
      raw(200, '{"Calls": [ {"Sid": "a"'),
      json(502, 'bad gateway'),
      json(200, listBody(['a'], null)),
    );
    const retries: RetryContext[] = [];
    const c = client({ onRetry: (ctx) => retries.push(ctx) });
    const page = await c.listPage({});
    expect(page.calls).toHaveLength(1);
    expect(retries.map((r) => r.error.code)).toEqual([
      'ERR_EXOTEL_SERVER',
      'ERR_EXOTEL_RATE_LIMITED',
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      'ERR_EXOTEL_SERVER',
    ]);
    expect(retries.map((r) => r.attemptNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(retries.map((r) => r.retriesLeft)).toEqual([4, 3, 2, 1, 0]);
    for (const r of retries) {
      expect(Object.isFrozen(r)).toBe(true);
      expect(r.delayMs).toBeGreaterThanOrEqual(1);
      expect(r.delayMs).toBeLessThanOrEqual(5);
      expectNoSecret(r.error);
    }
    expect(c.stats()).toMatchObject({ requests: 6, retries: 5, rateLimited: 1, responses: { '2xx': 3, '4xx': 1, '5xx': 2 } });
  });

  it('reports the last error when retries run out', async () => {
    scripted.server.fallback = json(500, { RestException: { Status: 500, Message: 'down' } });
    const e = await failure(client({ retries: 2 }).listPage({}));
    expect(e).toMatchObject({ code: 'ERR_EXOTEL_SERVER', status: 500, apiMessage: 'down', fatal: false });
    expect(scripted.server.requests).toHaveLength(3);
  });

  it('reports a missing Calls array as a malformed response (retried)', async () => {
    scripted.server.fallback = json(200, { Metadata: {} });
    const e = await failure(client({ retries: 1 }).listPage({}));
    expect(e.code).toBe('ERR_EXOTEL_MALFORMED_RESPONSE');
    expect(e.status).toBe(200);
    expect(e.message).toContain('`Calls`');
    expect(scripted.server.requests).toHaveLength(2);
    scripted.server.next(json(200, { Call: { Sid: 'abc' } }), json(200, listBody(['a'], null)));
    expect((await client().listPage({})).calls).toHaveLength(1);
  });

  it('honours Retry-After, capped at maxRetryAfterMs; a Retry-After of 0 leaves the wait to the backoff', async () => {
    scripted.server.next(
      json(429, {}, { 'retry-after': '0' }),
      json(429, {}, { 'retry-after': '3600' }),
      json(503, {}, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() }),
      json(200, listBody([], null)),
    );
    const retries: RetryContext[] = [];
    await client({ maxRetryAfterMs: 20, onRetry: (ctx) => retries.push(ctx) }).listPage({});
    // `0` says nothing about when the quota returns: the backoff (1 ms here) decides, not a retry at once.
    expect(retries.map((r) => r.delayMs)).toEqual([1, 20, 20]);
  });

  it('maps a refused connection to ERR_EXOTEL_NETWORK after retries', async () => {
    const url = scripted.server.url;
    await scripted.server.close();
    const c = new ExotelClient({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: url, retries: 1, retryMinTimeoutMs: 1 });
    clients.push(c);
    const e = await failure(c.listPage({}));
    expect(e.code).toBe('ERR_EXOTEL_NETWORK');
    expect(e.status).toBeUndefined();
    expect(c.stats()).toMatchObject({ requests: 2, failures: 2 });
    expectNoSecret(e);
  });

  it('maps a silent server to ERR_EXOTEL_TIMEOUT', async () => {
    scripted.server.fallback = silent;
    const e = await failure(client({ headersTimeoutMs: 100, retries: 0 }).listPage({}));
    expect(e.code).toBe('ERR_EXOTEL_TIMEOUT');
  });

  it('aborts in flight with ERR_ABORTED, without retrying', async () => {
    scripted.server.fallback = silent;
    const controller = new AbortController();
    const retries: RetryContext[] = [];
    const pending = client({ onRetry: (ctx) => retries.push(ctx) }).listPage({}, { signal: controller.signal });
    // In flight: the server has it (waiting on arrival, not on a fixed delay, which a loaded machine outruns).
    while (scripted.server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const e = await failure(pending);
    expect(e.code).toBe('ERR_ABORTED');
    expect(retries).toHaveLength(0);
    expect(scripted.server.requests).toHaveLength(1);
  });

  it('aborts while waiting to retry', async () => {
    scripted.server.fallback = json(503, {});
    const controller = new AbortController();
    const c = client({ retryMinTimeoutMs: 60_000, retryMaxTimeoutMs: 60_000, onRetry: () => setTimeout(() => controller.abort(), 10) });
    const e = await failure(c.listPage({}, { signal: controller.signal }));
    expect(e.code).toBe('ERR_ABORTED');
    expect(scripted.server.requests).toHaveLength(1);
  });

  it('rejects at once with an already aborted signal', async () => {
    const e = await failure(client().listPage({}, { signal: AbortSignal.abort() }));
    expect(e.code).toBe('ERR_ABORTED');
    expect(scripted.server.requests).toHaveLength(0);
  });

  it('consumes every error body: one socket survives many failures', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    try {
      const c = client({ dispatcher: agent, retries: 0 });
      for (let i = 0; i < 30; i++) {
        scripted.server.next(i % 2 ? json(404, { RestException: { Status: 404, Message: 'x'.repeat(100_000) } }) : raw(200, 'not json'));
        const e = await failure(c.listPage({}));
        expect(['ERR_EXOTEL_NOT_FOUND', 'ERR_EXOTEL_MALFORMED_RESPONSE']).toContain(e.code);
      }
      scripted.server.next(json(200, listBody(['a'], null)));
      expect((await c.listPage({})).calls).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  it('schedules through a caller limiter, with priorities, and leaves it running on close', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 1 });
    const priorities: number[] = [];
    limiter.on('executing', (info) => priorities.push(info.options.priority));
    scripted.server.fallback = json(200, listBody([], null));
    const c = client({ limiter });
    // Hold the only slot until both requests are queued.
    let release!: () => void;
    const blocker = limiter.schedule({ priority: 4 }, () => new Promise<void>((resolve) => (release = resolve)));
    const pages = [c.listPage({}, { priority: 9 }), c.listPage({}, { priority: 0 })];
    while (limiter.counts().QUEUED < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    release();
    await Promise.all([blocker, ...pages]);
    expect(priorities).toEqual([4, 0, 9]);
    await c.close();
    expect(await limiter.schedule(() => Promise.resolve('still running'))).toBe('still running');
    await limiter.stop();
  });

  it('rejects requests after close with ERR_ABORTED', async () => {
    scripted.server.fallback = silent;
    const c = client();
    const pending = failure(c.listPage({}));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await c.close();
    expect((await pending).code).toBe('ERR_ABORTED');
    expect((await failure(c.listPage({}))).code).toBe('ERR_ABORTED');
    await c.close();
  });

  it('keeps the token out of errors, options errors and inspection', () => {
    const c = client();
    expectNoSecret(c);
    expect(inspect(c, { showHidden: true, depth: 5 })).not.toContain(TOKEN);
  });
});

describe('ExotelClient options', () => {
  const base = { accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN };
  const rejects = (options: Record<string, unknown>, option: string) => {
    let caught: unknown;
    try {
      clients.push(new ExotelClient({ ...base, ...options } as ExotelClientOptions));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).option).toBe(option);
    expect((caught as Error).message).toContain(`\`${option}\``);
    expectNoSecret(caught);
  };

  it('names the rejected option and shows the value', () => {
    rejects({ accountSid: '' }, 'accountSid');
    rejects({ accountSid: 'a/b' }, 'accountSid');
    rejects({ apiKey: '' }, 'apiKey');
    rejects({ apiToken: 42 }, 'apiToken');
    rejects({ apiToken: `${TOKEN}\r\nx: y` }, 'apiToken');
    rejects({ baseUrl: 'http://example.com' }, 'baseUrl');
    rejects({ baseUrl: `http://${KEY}:${TOKEN}@127.0.0.1:1` }, 'baseUrl');
    rejects({ baseUrl: 'not a url' }, 'baseUrl');
    rejects({ baseUrl: 'https://api.exotel.com/?x=1' }, 'baseUrl');
    rejects({ baseUrl: 'https://api.exotel.com', subdomain: 'api.in.exotel.com' }, 'subdomain');
    rejects({ subdomain: 'https://api.exotel.com' }, 'subdomain');
    rejects({ timeZone: 'Mars/Olympus' }, 'timeZone');
    rejects({ maxRequestsPerMinute: 0 }, 'maxRequestsPerMinute');
    rejects({ retries: -1 }, 'retries');
    rejects({ retries: 1.5 }, 'retries');
    rejects({ retryMinTimeoutMs: 10, retryMaxTimeoutMs: 5 }, 'retryMaxTimeoutMs');
    rejects({ headersTimeoutMs: 0 }, 'headersTimeoutMs');
    rejects({ limiter: {} }, 'limiter');
    rejects({ dispatcher: 'agent' }, 'dispatcher');
    rejects({ onRetry: 'log' }, 'onRetry');
    rejects({ retryAfter: 5 }, 'retryAfter');
  });

  it('reads credentials and host from the environment', async () => {
    const saved = { ...process.env };
    try {
      process.env.EXOTEL_API_KEY = KEY;
      process.env.EXOTEL_API_TOKEN = TOKEN;
      process.env.EXOTEL_SUBDOMAIN = 'api.in.exotel.com';
      const c = new ExotelClient({ accountSid: 'acme1', dispatcher: new Agent() });
      clients.push(c);
      expect(c.accountSid).toBe('acme1');
      expect(c.timeZone).toBe('Asia/Kolkata');
      delete process.env.EXOTEL_API_TOKEN;
      rejects({ apiToken: undefined }, 'apiToken');
    } finally {
      process.env = saved;
    }
  });

  it('accepts http for loopback hosts only', () => {
    for (const baseUrl of ['http://127.0.0.1:4010', 'http://127.9.9.9', 'http://localhost:1', 'http://[::1]:4010', 'https://api.in.exotel.com']) {
      clients.push(new ExotelClient({ ...base, baseUrl }));
    }
    rejects({ baseUrl: 'http://10.0.0.1' }, 'baseUrl');
    rejects({ baseUrl: 'ftp://127.0.0.1' }, 'baseUrl');
  });
});

describe('a caller limiter that is stopped', () => {
  it('gives the request up with ERR_ABORTED', async () => {
    const limiter = new Bottleneck();
    await limiter.stop();
    const e = await failure(client({ limiter }).listPage({}));
    expect(e.code).toBe('ERR_ABORTED');
    expect(scripted.server.requests).toHaveLength(0);
  });
});
