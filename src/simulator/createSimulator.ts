/**
 * The Exotel API simulator: a world of calls on a clock, served over `node:http` (or `handle()`
 * without a socket), with auth, the per-account rate limit, scripted faults and a request history.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawCall } from '../exotel/types.js';
import type { NewCall } from './callTable.js';
import { CallTable, DIRECTIONS, NumberPools, STATUSES } from './callTable.js';
import type { FaultTarget } from './faults.js';
import { FaultBook, HTML_PAGE, breakField, repeatOneRecord } from './faults.js';
import { listPage } from './listing.js';
import type { ResolvedOptions } from './options.js';
import { invalidOption, resolveOptions } from './options.js';
import type { ListQuery } from './query.js';
import { QueryError, cursorParam, encodeCursor, parseCallQuery, parseListQuery, parseQueryString } from './query.js';
import { addPresignedRecordingUrls } from './recordingUrls.js';
import { chooseEncoding, encodeBody, encodedHeaders } from './wireEncoding.js';
import { hash32, mulberry32, uint32 } from './random.js';
import type { Random } from './random.js';
import type { Format, PageUris } from './render.js';
import { contentType, renderCall, renderError, renderList } from './render.js';
import { RateWindow } from './rateWindow.js';
import { SimulatorResetError } from './SimulatorResetError.js';
import { DEFAULT_MIX, TrafficSource, priceMilliFor } from './traffic.js';
import type {
  CallSpec,
  CorrectionFields,
  FaultSpec,
  RequestRecord,
  SimulatedCall,
  Simulator,
  SimulatorOptions,
  SimulatorRequest,
  SimulatorResponse,
} from './types.js';

interface Outcome extends SimulatorResponse {
  reset?: boolean;
  /** Bytes of the body sent before the connection is cut. */
  truncateAt?: number;
}

const ROUTE = /^\/v1\/Accounts\/([^/]+)\/Calls(?:\/([^/]+?))?(\.json)?$/;
const CORRECTABLE = ['Duration', 'Price', 'EndTime', 'Status', 'RecordingUrl'];
const SID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Creates a simulator of Exotel's Bulk Call Details API.
 *
 * @example
 * const sim = createSimulator({ clock: { now: () => t }, traffic: { callsPerMinute: 60 } });
 * const { url } = await sim.listen();
 * // GET `${url}/v1/Accounts/acme1/Calls.json` with Basic auth `sim-key:sim-token`
 * await sim.close();
 */
export function createSimulator(options?: SimulatorOptions): Simulator {
  const opts: ResolvedOptions = resolveOptions(options);
  const { clock, timeZone, seed } = opts;
  const pools = opts.traffic
    ? new NumberPools(opts.traffic.mix.exoPhones, opts.traffic.mix.agents, opts.traffic.mix.customers)
    : new NumberPools(DEFAULT_MIX.exoPhones, DEFAULT_MIX.agents, 1);
  const render = { timeZone, numbersAsStrings: opts.numbersAsStrings, emptyNull: opts.emptyNull, answeredByCase: opts.answeredByCase };
  const tables = new Map<string, CallTable>();
  const traffic = new Map<string, TrafficSource>();
  // One world per account, however many keys it has; numbered by first appearance.
  [...new Set(opts.accounts.map((a) => a.accountSid))].forEach((accountSid, i) => {
    const table = new CallTable(accountSid, hash32(seed, i, 0x51d), pools, render);
    tables.set(accountSid, table);
    if (opts.traffic && opts.traffic.accountSid === accountSid) {
      const t = opts.traffic;
      traffic.set(accountSid, new TrafficSource(table, t.callsPerMinute, t.startAt, t.mix, seed, i, opts.settleDelayMs));
    }
  });
  const byKey = new Map(opts.accounts.map((a) => [a.apiKey, a]));
  const scriptedRandom: Random = mulberry32(hash32(seed, 0x5c1));
  const faultRandom: Random = mulberry32(hash32(seed, 0xfa17));
  const faults = new FaultBook(faultRandom);
  const rate = new RateWindow();
  const history: RequestRecord[] = [];
  let lastTarget: FaultTarget | undefined;

  const advance = (now: number) => {
    for (const source of traffic.values()) source.advanceTo(now);
  };

  function groundTruth(table: CallTable, id: number): SimulatedCall {
    const corrections = (table.corrections.get(id) ?? []).map((c) => ({ at: c.at, fields: { ...c.fields } }));
    return {
      sid: table.sidOf(id),
      accountSid: table.accountSid,
      startAt: table.start[id]!,
      endAt: table.end[id]!,
      settledAt: table.settle[id]!,
      status: STATUSES[table.status[id]!]!,
      direction: DIRECTIONS[table.dir[id]!]!,
      from: table.from(id),
      to: table.to(id),
      phoneNumber: table.phoneNumber(id),
      durationSec: table.dur[id]!,
      price: table.priceMilli[id]! / 1000,
      corrections,
      recordAt: (now: number, o?: { details?: boolean }) => table.recordAt(id, now, o?.details ?? false),
    };
  }

  function addCall(spec: CallSpec): SimulatedCall {
    if (typeof spec !== 'object' || spec === null) throw invalidOption('spec', 'an object', spec);
    if (!(typeof spec.startAt === 'number' && Number.isFinite(spec.startAt))) throw invalidOption('startAt', 'epoch ms', spec.startAt);
    const accountSid = spec.accountSid ?? opts.accounts[0]!.accountSid;
    const table = tables.get(accountSid);
    if (!table) throw invalidOption('accountSid', `one of the accounts (${[...tables.keys()].join(', ')})`, accountSid);
    const status = spec.status ?? 'completed';
    if (!STATUSES.includes(status)) throw invalidOption('status', STATUSES.map((s) => `'${s}'`).join(', '), status);
    const direction = spec.direction ?? 'inbound';
    if (!DIRECTIONS.includes(direction)) throw invalidOption('direction', DIRECTIONS.map((s) => `'${s}'`).join(', '), direction);
    const ringMs = spec.ringMs ?? 5_000;
    const talkMs = spec.talkMs ?? (status === 'completed' ? 60_000 : 0);
    for (const [name, v] of [['ringMs', ringMs], ['talkMs', talkMs]] as const) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 2 ** 31)) throw invalidOption(name, 'a number of ms >= 0', v);
    }
    if (spec.sid !== undefined) {
      if (typeof spec.sid !== 'string' || !SID.test(spec.sid)) throw invalidOption('sid', 'letters, digits, `-` or `_` (at most 64)', spec.sid);
      for (const t of tables.values()) if (t.has(spec.sid)) throw invalidOption('sid', 'a Sid not used yet', spec.sid);
    }
    const inbound = direction === 'inbound';
    const from = spec.from ?? (inbound ? '+917000000001' : '+919800000001');
    const to = spec.to ?? (inbound ? '+919800000001' : '+917000000001');
    const phoneNumber = spec.phoneNumber ?? '+918047000001';
    for (const [name, v] of [['from', from], ['to', to], ['phoneNumber', phoneNumber]] as const) {
      if (typeof v !== 'string' || v.length === 0) throw invalidOption(name, 'a phone number string', v);
    }
    // Always draw, so that one option given or not does not shift the rest of the stream.
    const settleDraw = scriptedRandom();
    const words: [number, number, number] = [uint32(scriptedRandom), uint32(scriptedRandom), uint32(scriptedRandom)];
    const d = opts.settleDelayMs;
    const settleDelayMs = spec.settleDelayMs ?? Math.round(d.min + settleDraw * (d.max - d.min));
    if (!(typeof settleDelayMs === 'number' && Number.isFinite(settleDelayMs) && settleDelayMs >= 0)) {
      throw invalidOption('settleDelayMs', 'a number of ms >= 0', settleDelayMs);
    }
    const price = spec.price ?? priceMilliFor(talkMs, DEFAULT_MIX.pricePerMinute) / 1000;
    if (!(typeof price === 'number' && Number.isFinite(price) && price >= 0)) throw invalidOption('price', 'a number >= 0', price);
    const corrections = spec.corrections ?? [];
    if (!Array.isArray(corrections)) throw invalidOption('corrections', 'an array', corrections);
    corrections.forEach((c, i) => {
      if (typeof c !== 'object' || c === null || !(typeof c.afterMs === 'number' && Number.isFinite(c.afterMs) && c.afterMs >= 0)) {
        throw invalidOption(`corrections[${i}].afterMs`, 'a number of ms >= 0', c?.afterMs);
      }
      if (typeof c.fields !== 'object' || c.fields === null) throw invalidOption(`corrections[${i}].fields`, 'an object', c.fields);
      for (const [k, v] of Object.entries(c.fields)) {
        if (!CORRECTABLE.includes(k)) throw invalidOption(`corrections[${i}].fields`, `keys among ${CORRECTABLE.join(', ')}`, k);
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw invalidOption(`corrections[${i}].fields.${k}`, 'a string, number or null', v);
      }
    });
    const call: NewCall = {
      startAt: spec.startAt,
      ringMs,
      talkMs,
      settleDelayMs,
      status: STATUSES.indexOf(status),
      direction: DIRECTIONS.indexOf(direction),
      priceMilli: Math.round(price * 1000),
      phone: -1,
      agent: -1,
      customer: -1,
      sidWords: words,
      correctionsAfter: corrections.map((c) => ({ afterMs: c.afterMs, fields: { ...c.fields } as CorrectionFields })),
      scripted: { from, to, phoneNumber, ...(spec.sid !== undefined ? { sid: spec.sid } : {}) },
    };
    const [id] = table.insert([call]);
    return groundTruth(table, id!);
  }

  function calls(range: { from?: number; to?: number; accountSid?: string } = {}): SimulatedCall[] {
    const now = clock.now();
    const from = range.from ?? -Infinity;
    const to = Math.min(range.to ?? Infinity, now);
    for (const [name, v] of [['range.from', from], ['range.to', to]] as const) {
      if (typeof v !== 'number' || Number.isNaN(v)) throw invalidOption(name, 'epoch ms', v);
    }
    if (range.accountSid !== undefined && !tables.has(range.accountSid)) {
      throw invalidOption('range.accountSid', `one of the accounts (${[...tables.keys()].join(', ')})`, range.accountSid);
    }
    advance(now);
    const out: SimulatedCall[] = [];
    for (const table of tables.values()) {
      if (range.accountSid !== undefined && table.accountSid !== range.accountSid) continue;
      const { ids, len } = table.order;
      // The order is by start second: start the scan at the first call of `from`'s second.
      const fromSec = Math.floor(from / 1000);
      let lo = 0;
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (table.sec(ids[mid]!) < fromSec) lo = mid + 1;
        else hi = mid;
      }
      const toSec = Math.floor(to / 1000);
      for (let i = lo; i < len; i++) {
        const id = ids[i]!;
        if (table.sec(id) > toSec) break;
        const start = table.start[id]!;
        if (start >= from && start <= to) out.push(groundTruth(table, id));
      }
    }
    if (tables.size > 1 && range.accountSid === undefined) {
      out.sort((a, b) => Math.floor(a.startAt / 1000) - Math.floor(b.startAt / 1000) || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    }
    return out;
  }

  function call(sid: string): SimulatedCall | undefined {
    advance(clock.now());
    for (const table of tables.values()) {
      const id = table.lookup(sid);
      if (id !== undefined) return groundTruth(table, id);
    }
    return undefined;
  }

  function headersFor(format: Format, now: number): Record<string, string> {
    return { 'content-type': contentType(format), date: new Date(now).toUTCString() };
  }

  function retryAfterHeader(form: 'seconds' | 'http-date' | false, seconds: number, now: number): Record<string, string> {
    if (form === false) return {};
    // An HTTP date has whole seconds: round up so the client never comes back too early.
    return { 'retry-after': form === 'seconds' ? String(seconds) : new Date(Math.ceil((now + seconds * 1000) / 1000) * 1000).toUTCString() };
  }

  function pageUris(base: string, q: ListQuery, ids: number[], table: CallTable, hasPrev: boolean, hasNext: boolean, nextFrom: number | undefined): PageUris {
    const qs = new URLSearchParams(q.carried).toString();
    const first = qs ? `${base}?${qs}` : base;
    const withCursor = (name: 'After' | 'Before', id: number) =>
      `${first}${qs ? '&' : '?'}${name}=${cursorParam(encodeCursor(table.sec(id), table.sidOf(id)))}`;
    let next: string | null | undefined;
    if (ids.length > 0 && (hasNext || opts.lastPage === 'link-to-empty-page')) next = withCursor('After', nextFrom ?? ids[ids.length - 1]!);
    else next = opts.lastPage === 'empty-string' ? '' : opts.lastPage === 'omitted' ? undefined : null;
    return { FirstPageUri: first, PrevPageUri: hasPrev && ids.length > 0 ? withCursor('Before', ids[0]!) : null, NextPageUri: next };
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function respond(req: SimulatorRequest): Promise<Outcome> {
    const at = clock.now();
    const method = String(req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url, 'http://simulator.invalid');
    const path = url.pathname;
    const params = parseQueryString(url.search);
    const query: Record<string, string> = {};
    for (const [k, v] of params) if (!(k in query)) query[k] = v;
    const record: RequestRecord = { at, method, path, query, status: 0, records: 0 };
    history.push(record);
    // Dropped in batches of a tenth, so that trimming costs O(1) a request on average.
    if (history.length > opts.historyLimit + Math.ceil(opts.historyLimit / 10)) history.splice(0, history.length - opts.historyLimit);
    const hits: string[] = [];
    const route = ROUTE.exec(path);
    const format: Format = route ? (route[3] ? 'json' : 'xml') : 'json';
    let accountSid: string | undefined;
    if (route) {
      try {
        accountSid = decodeURIComponent(route[1]!);
      } catch {
        accountSid = route[1]!;
      }
      record.accountSid = accountSid;
    }

    const finish = (status: number, body: string, extra: Record<string, string> = {}, records = 0, ignored: string[] = []): Outcome => {
      record.status = status;
      record.records = records;
      if (ignored.length > 0) record.ignored = ignored;
      if (hits.length > 0) record.fault = hits.join(',');
      return { status, headers: { ...headersFor(format, clock.now()), ...extra }, body };
    };
    const fail = (status: number, message: string, extra: Record<string, string> = {}) => finish(status, renderError(format, status, message), extra);

    if (method !== 'GET' && method !== 'HEAD') return fail(405, `Method ${method} is not allowed: the Calls API answers GET`, { allow: 'GET, HEAD' });
    if (!route || !accountSid) {
      return fail(404, `No route for ${path}: expected /v1/Accounts/<AccountSid>/Calls[.json] or /v1/Accounts/<AccountSid>/Calls/<CallSid>[.json]`);
    }
    if (tables.has(accountSid)) {
      rate.total++;
      rate.count(accountSid, at);
    }

    // Auth: the credentials are compared, never echoed.
    const header = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    const m = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon > 0 ? decoded.slice(0, colon) : '';
    const token = decoded.slice(colon + 1);
    // Older clients log in with the account Sid in place of the key (`sidAsApiKey`).
    const account = colon > 0 ? (byKey.get(user) ?? (opts.sidAsApiKey ? opts.accounts.find((a) => a.accountSid === user && a.apiToken === token) : undefined)) : undefined;
    if (!account || account.apiToken !== token) {
      return fail(401, m ? 'Authentication failed: unknown API key or wrong token' : 'Authentication required: send HTTP Basic auth with your API key and token');
    }
    if (account.accountSid !== accountSid) return fail(403, `The API key is not authorized for account ${accountSid}`);

    if (opts.rateLimit) {
      const admitted = rate.admit(accountSid, at, opts.rateLimit.requestsPerMinute);
      if (!admitted.ok) {
        return fail(429, `Too many requests: more than ${opts.rateLimit.requestsPerMinute} requests a minute for account ${accountSid}`,
          retryAfterHeader(opts.rateLimit.retryAfter, Math.max(1, Math.ceil(admitted.waitMs / 1000)), at));
      }
    }

    const target: FaultTarget = { path, accountSid, query };
    lastTarget = target;
    const delay = faults.take(['delay'], target);
    if (delay) {
      hits.push('delay');
      await sleep(delay.delayMs ?? 1000);
    }
    const terminal = faults.take(['status', 'rate-limit', 'reset', 'redirect'], target);
    if (terminal) {
      hits.push(terminal.kind);
      if (terminal.kind === 'reset') {
        const out = finish(0, '');
        return { ...out, reset: true };
      }
      if (terminal.kind === 'rate-limit') {
        const form = terminal.retryAfter ?? (opts.rateLimit ? opts.rateLimit.retryAfter : 'seconds');
        const header = terminal.retryAfterHeader === undefined ? retryAfterHeader(form, terminal.retryAfterSeconds ?? 1, clock.now()) : { 'retry-after': terminal.retryAfterHeader };
        return fail(429, `Too many requests for account ${accountSid}`, header);
      }
      if (terminal.kind === 'redirect') {
        const status = terminal.redirectStatus ?? 302;
        return fail(status, 'Moved', { location: terminal.location ?? `https://api.exotel.com${path}${url.search}` });
      }
      const status = terminal.status ?? 500;
      return fail(status, `Simulated error ${status}`);
    }

    const now = clock.now();
    advance(now);
    const table = tables.get(accountSid)!;
    let outcome: Outcome;
    try {
      outcome = route[2] === undefined ? list(table, params, format, now, route[3] !== undefined, finish, hits, target) : one(table, route[2], params, format, now, finish, hits, target);
    } catch (error) {
      if (error instanceof QueryError) return fail(error.status, error.message);
      throw error;
    }

    const wrongType = faults.take(['content-type'], target);
    if (wrongType) {
      hits.push('content-type');
      record.fault = hits.join(',');
      outcome = {
        ...outcome,
        headers: { ...outcome.headers, 'content-type': wrongType.contentType ?? 'text/html; charset=utf-8' },
        body: (wrongType.body ?? 'html') === 'html' ? HTML_PAGE : outcome.body,
      };
    }
    const encoded = faults.take(['encoding'], target);
    if (encoded) {
      hits.push('encoding');
      record.fault = hits.join(',');
    }
    const acceptEncoding = Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === 'accept-encoding')?.[1];
    const encoding = encoded ? (encoded.encoding ?? 'gzip') : chooseEncoding(opts.contentEncoding, acceptEncoding);
    if (encoding !== undefined) outcome = { ...outcome, encoding };

    const mangle = faults.take(['truncated', 'malformed'], target);
    if (mangle) {
      hits.push(mangle.kind);
      record.fault = hits.join(',');
      if (mangle.kind === 'truncated') {
        return { ...outcome, truncateAt: Math.floor(Buffer.byteLength(outcome.body) / 2) };
      }
      // Cut in the middle and close with a stray brace: a JSON (or XML) parser rejects it.
      return { ...outcome, body: `${outcome.body.slice(0, Math.floor(outcome.body.length / 2))}}` };
    }
    return outcome;
  }

  function list(
    table: CallTable,
    params: Array<[string, string]>,
    format: Format,
    now: number,
    json: boolean,
    finish: (status: number, body: string, extra?: Record<string, string>, records?: number, ignored?: string[]) => Outcome,
    hits: string[],
    target: FaultTarget,
  ): Outcome {
    const q = parseListQuery(params, now, timeZone, opts.unknownParameters);
    const oversized = faults.take(['oversized-page'], target);
    if (oversized) hits.push('oversized-page');
    // More records than PageSize asked for; the cursor still follows the last one listed.
    const page = listPage(table, oversized ? { ...q, pageSize: q.pageSize + (oversized.extraRecords ?? 10) } : q, now);
    let nextFrom: number | undefined;
    if (page.ids.length >= 2 && page.hasNext && faults.take(['duplicate-row'], target)) {
      hits.push('duplicate-row');
      // The next page's cursor sits one row back, so its first row repeats this page's last.
      nextFrom = page.ids[page.ids.length - 2];
    }
    let records = page.ids.map((id) => table.recordAt(id, now, q.details)!);
    if (q.recordingUrlValidityMin !== undefined) addPresignedRecordingUrls(records, now, q.recordingUrlValidityMin, seed);
    breakRecord(records, hits, target);
    if (records.length > 0 && faults.take(['duplicate-sid'], target)) {
      hits.push('duplicate-sid');
      records = repeatOneRecord(records, faultRandom);
    }
    const base = `/v1/Accounts/${table.accountSid}/Calls${json ? '.json' : ''}`;
    const uris = pageUris(base, q, page.ids, table, page.hasPrev, page.hasNext, nextFrom);
    return finish(200, renderList(format, page.total, records, uris, opts.pageUris), {}, records.length, q.ignored);
  }

  function breakRecord(records: RawCall[], hits: string[], target: FaultTarget): void {
    if (records.length === 0) return;
    const fault = faults.take(['bad-record'], target);
    if (!fault) return;
    hits.push('bad-record');
    const i = Math.floor(faultRandom() * records.length);
    breakField(records[i]!, fault);
  }

  function one(
    table: CallTable,
    rawSid: string,
    params: Array<[string, string]>,
    format: Format,
    now: number,
    finish: (status: number, body: string, extra?: Record<string, string>, records?: number, ignored?: string[]) => Outcome,
    hits: string[],
    target: FaultTarget,
  ): Outcome {
    const q = parseCallQuery(params, opts.unknownParameters);
    const details = q.details;
    let sid = rawSid;
    try {
      sid = decodeURIComponent(rawSid);
    } catch {
      // A malformed escape is simply not a Sid we know.
    }
    const id = table.lookup(sid);
    const record = id === undefined ? undefined : table.recordAt(id, now, details, true);
    if (!record) throw new QueryError(404, `Call ${sid} was not found in account ${table.accountSid}`);
    const records = [record];
    if (q.recordingUrlValidityMin !== undefined) addPresignedRecordingUrls(records, now, q.recordingUrlValidityMin, seed);
    breakRecord(records, hits, target);
    return finish(200, renderCall(format, record), {}, 1, q.ignored);
  }

  async function handle(req: SimulatorRequest): Promise<SimulatorResponse> {
    const out = await respond(req);
    if (out.reset) throw new SimulatorResetError(String(req.method ?? 'GET').toUpperCase(), new URL(req.url, 'http://simulator.invalid').pathname);
    const encoding = out.encoding === undefined ? {} : { encoding: out.encoding };
    if (out.truncateAt !== undefined) {
      return { status: out.status, headers: out.headers, body: Buffer.from(out.body).subarray(0, out.truncateAt).toString('utf8'), ...encoding };
    }
    return { status: out.status, headers: out.headers, body: out.body, ...encoding };
  }

  let server: Server | undefined;
  let baseUrl: string | undefined;

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    respond({ method: req.method ?? 'GET', url: req.url ?? '/', headers }).then(
      (out) => {
        if (out.reset) {
          req.socket.destroy();
          return;
        }
        const body = encodeBody(out.body, out.encoding);
        res.writeHead(out.status, { ...encodedHeaders(out.headers, out.encoding), 'content-length': String(body.length) });
        if (req.method === 'HEAD') {
          res.end();
        } else if (out.truncateAt !== undefined) {
          // Promise the whole body, send half, then cut the connection.
          res.write(body.subarray(0, out.encoding === undefined ? out.truncateAt : Math.floor(body.length / 2)), () => res.destroy());
        } else {
          res.end(body);
        }
      },
      (error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        const body = renderError('json', 500, `Simulator failure: ${message}`);
        res.writeHead(500, { 'content-type': contentType('json'), 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      },
    );
  }

  const simulator: Simulator = {
    async listen(listenOptions = {}) {
      if (server) throw new Error('The simulator is already listening');
      const host = listenOptions.host ?? '127.0.0.1';
      const port = listenOptions.port ?? 0;
      if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw invalidOption('port', 'an integer from 0 to 65535', port);
      const s = createServer({ keepAlive: true }, onRequest);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      server = s;
      const address = s.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${shownHost}:${address.port}`;
      return { url: baseUrl };
    },
    get url(): string {
      if (!baseUrl) throw new Error('The simulator is not listening: call `listen()` first');
      return baseUrl;
    },
    async close() {
      const s = server;
      if (!s) return;
      server = undefined;
      baseUrl = undefined;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    handle,
    addCall,
    calls,
    call,
    inject(fault: FaultSpec) {
      faults.add(fault);
    },
    clearFaults() {
      faults.clear();
    },
    pendingFaults() {
      return faults.pending();
    },
    assertNoPendingFaults() {
      const left = faults.unfinished(lastTarget);
      if (left.length > 0) throw new Error(`${left.length} fault(s) did not hit:\n${left.map((l) => `- ${l}`).join('\n')}`);
    },
    history,
    rateStats() {
      return { total: rate.total, rejected: rate.rejected, maxInAnyWindow: rate.maxInAnyWindow };
    },
  };
  return simulator;
}
