/**
 * The simulator against rules of Exotel's reference and FACTS.md that other tests leave implicit:
 * XML answers carry exactly what JSON answers carry, page cursors look as Exotel's do (so that a
 * client lifting `After` with a plain pattern works), the quota is per account and not per key,
 * and `AnsweredBy` comes in the casings seen in the wild.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { LIST, T0, TZ, dateCreated, start } from './helpers.js';
import type { Harness } from './helpers.js';

const MIN = 60_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// A small reader of the simulator's XML (elements and text only), enough to compare with JSON.
interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}
function parseXml(xml: string): XmlNode {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const root: XmlNode = { name: '#root', children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z0-9]+)>|([^<]+)/g;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    const top = stack[stack.length - 1]!;
    if (m[3] !== undefined) top.text += m[3].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    else if (m[1] === '') {
      const node: XmlNode = { name: m[2]!, children: [], text: '' };
      top.children.push(node);
      stack.push(node);
    } else {
      expect(stack.pop()!.name).toBe(m[2]);
    }
  }
  expect(stack).toHaveLength(1);
  return root.children[0]!;
}
const fields = (node: XmlNode): Record<string, unknown> => Object.fromEntries(node.children.map((c) => [c.name, c.children.length ? fields(c) : c.text]));
function xmlCall(node: XmlNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of node.children) {
    if (c.name !== 'Details') out[c.name] = c.text;
    else {
      const d: Record<string, unknown> = {};
      for (const f of c.children) d[f.name] = f.name === 'Legs' ? f.children.map((leg) => ({ Leg: fields(leg) })) : f.text;
      out.Details = d;
    }
  }
  return out;
}
/** JSON as XML can carry it: every leaf as text, `null` as `""`. */
const asText = (v: unknown): unknown =>
  v === null || v === undefined ? '' : Array.isArray(v) ? v.map(asText) : typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asText(x)])) : String(v);
const withoutRaw = ({ raw: _raw, ...rest }: ReturnType<typeof normalizeCall>) => rest;

describe('XML answers carry what JSON answers carry', () => {
  it.each<[string, SimulatorOptions]>([
    ['the defaults', {}],
    ['numbers as numbers and null empties', { numbersAsStrings: false, emptyValue: 'null' }],
    ['page URIs at the top level', { pageUris: 'top-level', lastPage: 'empty-string' }],
  ])('list and single call, with %s', async (_name, options) => {
    h = await start({ rateLimit: false, ...options });
    h.sim.addCall({ startAt: T0 - 20 * MIN, talkMs: 47_000, settleDelayMs: 0, price: 1.5 });
    h.sim.addCall({ startAt: T0 - 15 * MIN, status: 'no-answer', direction: 'inbound', settleDelayMs: 0 });
    h.sim.addCall({ startAt: T0 - 10 * MIN, status: 'busy', direction: 'outbound-api', settleDelayMs: 0 });
    h.sim.addCall({ startAt: T0 - 3 * MIN, talkMs: 30_000, settleDelayMs: 10 * MIN }); // not settled yet
    const query = `?${dateCreated(T0 - 3_600_000, T0)}&details=true&PageSize=3&SortBy=DateCreated:asc`;
    for (const page of [query, null]) {
      const json = await h.get(page === null ? `${LIST}${query}` : `${LIST}${page}`);
      const xmlRes = await h.get(`/v1/Accounts/acme1/Calls${page ?? query}`);
      expect(xmlRes.status).toBe(200);
      expect(xmlRes.headers.get('content-type')).toMatch(/^application\/xml/);
      const xml = parseXml(xmlRes.text);
      expect(xml.name).toBe('TwilioResponse');
      const calls = xml.children.filter((c) => c.name === 'Call').map(xmlCall);
      expect(calls).toEqual(asText(json.json.Calls));
      // The metadata too, except that the XML URIs point at the XML endpoint (no `.json`).
      const meta = { ...fields(xml.children.find((c) => c.name === 'Metadata')!), ...Object.fromEntries(xml.children.filter((c) => c.name.endsWith('PageUri')).map((c) => [c.name, c.text])) };
      const jsonMeta = { ...json.json.Metadata, ...Object.fromEntries(Object.entries(json.json).filter(([k]) => k.endsWith('PageUri'))) };
      expect(meta).toEqual(asText(Object.fromEntries(Object.entries(jsonMeta).map(([k, v]) => [k, typeof v === 'string' ? v.replace('/Calls.json', '/Calls') : v]))));
      // And both read into the same calls.
      const read = (records: unknown[]) => records.map((r) => withoutRaw(normalizeCall(r, { timeZone: TZ, details: true })));
      expect(read(calls)).toEqual(read(json.json.Calls));
      for (const sid of calls.map((c) => c.Sid as string)) {
        const one = await h.get(`/v1/Accounts/acme1/Calls/${sid}.json?details=true`);
        const oneXml = parseXml((await h.get(`/v1/Accounts/acme1/Calls/${sid}?details=true`)).text);
        expect(oneXml.children.map((c) => c.name)).toEqual(['Call']);
        expect(xmlCall(oneXml.children[0]!)).toEqual(asText(one.json.Call));
      }
      if (page === null) break;
    }
  });

  it('errors too: the RestException of an XML request holds the same Status and Message', async () => {
    h = await start({ rateLimit: false });
    const json = await h.get(`${LIST}?PageSize=500`);
    const xml = parseXml((await h.get('/v1/Accounts/acme1/Calls?PageSize=500')).text);
    expect(json.status).toBe(400);
    expect(fields(xml)).toEqual({ RestException: asText(json.json.RestException) });
  });
});

describe('page cursors as Exotel writes them', () => {
  it('a client that lifts `After` with a plain pattern and resends its own filters gets the next page', async () => {
    h = await start({ rateLimit: false });
    const made = Array.from({ length: 5 }, (_, i) => h!.sim.addCall({ startAt: T0 - (10 - i) * MIN, settleDelayMs: 0 }));
    const filters = { DateCreated: new URLSearchParams(dateCreated(T0 - 3_600_000, T0)).get('DateCreated')!, PageSize: '2', SortBy: 'DateCreated:asc' };
    const first = await h.get(`${LIST}?${new URLSearchParams(filters)}`);
    const next: string = first.json.Metadata.NextPageUri;
    // Exotel's sample: `&After=MTU3Nzk4NDQwNywwNmQ4ZmI0MDdlZWY5N2YxZmI0OTllNjZjOTI5MTQxMg==`
    const lifted = /[?&]After=([^&]*)/.exec(next)![1]!;
    expect(lifted).toMatch(/^[A-Za-z0-9/]+=*$/);
    const own = await h.get(`${LIST}?${new URLSearchParams({ ...filters, After: lifted })}`);
    const verbatim = await h.get(next);
    expect(own.status).toBe(200);
    expect(own.json.Calls).toEqual(verbatim.json.Calls);
    expect(own.json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual([made[2]!.sid, made[3]!.sid]);
    // Percent-encoded once more by a client that lifted it encoded, or `+` read as a blank: the same page.
    const twice = await h.get(`${LIST}?${new URLSearchParams({ ...filters, After: encodeURIComponent(lifted) })}`);
    expect(twice.json.Calls).toEqual(verbatim.json.Calls);
  });
});

describe('the quota is per account, not per key', () => {
  it('two keys of one account share one window and one world of calls', async () => {
    h = await start({
      accounts: [
        { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' },
        { accountSid: 'acme1', apiKey: 'second-key', apiToken: 'second-token' },
        { accountSid: 'acme2', apiKey: 'third-key', apiToken: 'third-token' },
      ],
      rateLimit: { requestsPerMinute: 4 },
    });
    const call = h.sim.addCall({ startAt: T0 - 10 * MIN, settleDelayMs: 0 });
    const second = `Basic ${Buffer.from('second-key:second-token').toString('base64')}`;
    const third = `Basic ${Buffer.from('third-key:third-token').toString('base64')}`;
    expect((await h.get(LIST)).json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual([call.sid]);
    expect((await h.get(LIST, { auth: second })).json.Calls.map((c: { Sid: string }) => c.Sid)).toEqual([call.sid]);
    expect((await h.get(LIST)).status).toBe(200);
    expect((await h.get(LIST, { auth: second })).status).toBe(200);
    expect((await h.get(LIST)).status).toBe(429);
    expect((await h.get(LIST, { auth: second })).status).toBe(429);
    // Another account has its own window.
    expect((await h.get('/v1/Accounts/acme2/Calls.json', { auth: third })).status).toBe(200);
    expect((await h.get('/v1/Accounts/acme2/Calls.json', { auth: second })).status).toBe(403);
  });
});

describe('AnsweredBy casing', () => {
  it.each([
    ['lower', ['human']],
    ['upper', ['HUMAN']],
    ['title', ['Human']],
    ['varied', ['human', 'HUMAN', 'Human']],
  ] as const)('answeredByCase: %s', async (answeredByCase, expected) => {
    h = await start({ rateLimit: false, answeredByCase });
    const calls = Array.from({ length: 30 }, (_, i) => h!.sim.addCall({ startAt: T0 - (40 - i) * MIN, settleDelayMs: 0 }));
    h.sim.addCall({ startAt: T0 - 50 * MIN, status: 'busy', settleDelayMs: 0 });
    const seen = new Set<string>();
    for (let read = 0; read < 3; read++) {
      h.clock.advance(1_000);
      const page = await h.get(`${LIST}?PageSize=100`);
      for (const r of page.json.Calls) {
        if (r.Status !== 'completed') expect(r.AnsweredBy).toBe('');
        else seen.add(r.AnsweredBy);
      }
    }
    expect([...seen].sort()).toEqual([...expected].sort());
    if (answeredByCase === 'varied') {
      // The same call is answered in more than one casing over time, as the trap needs.
      const sid = calls[0]!.sid;
      const casings = new Set<string>();
      for (let read = 0; read < 20; read++) {
        h.clock.advance(1_000);
        casings.add((await h.get(`/v1/Accounts/acme1/Calls/${sid}.json`)).json.Call.AnsweredBy);
      }
      expect(casings.size).toBeGreaterThan(1);
    }
  });

  it('rejects an unknown casing, naming the option', () => {
    return expect(start({ answeredByCase: 'shouting' as never })).rejects.toThrow(/`answeredByCase`.*`shouting` \(string\)/);
  });
});

describe('options', () => {
  it('rejects a misspelt option, naming it', () => {
    return expect(start({ numberAsStrings: false } as never)).rejects.toThrow(/`numberAsStrings` to be absent.*`false` \(boolean\)/);
  });
});
