/**
 * The request pipeline, in the order a request meets it: history, route, the account's rate
 * window, auth, the rate limit, then the faults (a delay, a terminal fault that answers instead of
 * the API: a status, a 429, a reset, a redirect), the endpoint, and the faults that spoil an
 * answer (a wrong Content-Type, a forced Content-Encoding, truncated, malformed); then the
 * answer's compression on the wire (the `contentEncoding` option).
 */
import type { FaultBook, FaultTarget } from './faults.js';
import { HTML_PAGE, malformedBody, retryAfterHeader, truncatedAt } from './faultEffects.js';
import { listCalls, oneCall } from './handlers.js';
import type { Answer } from './handlers.js';
import { authenticate, formatOf, matchRoute } from './matchRequest.js';
import type { ResolvedOptions } from './options.js';
import { QueryError, parseQueryString } from './query.js';
import type { Random } from './random.js';
import { RateWindow } from './rateWindow.js';
import type { Format } from './render.js';
import { contentType, renderError } from './render.js';
import type { RequestHistory } from './RequestHistory.js';
import type { SimulatedWorld } from './SimulatedWorld.js';
import type { RequestRecord, SimulatorAccount, SimulatorRequest, SimulatorResponse } from './types.js';
import { waitOnClock } from './waitOnClock.js';
import { chooseEncoding } from './wireEncoding.js';

/** An answer as the transport sends it. */
export interface Outcome extends SimulatorResponse {
  /** Cut the connection instead of answering (a `reset` fault, or a request whose caller is gone). */
  reset?: boolean;
  /** Bytes of the body sent before the connection is cut. */
  truncateAt?: number;
}

/** What the pipeline works with: the simulator's parts, wired once. */
export interface SimulatorParts {
  opts: ResolvedOptions;
  world: SimulatedWorld;
  faults: FaultBook;
  faultRandom: Random;
  rate: RateWindow;
  history: RequestHistory;
  byKey: ReadonlyMap<string, SimulatorAccount>;
  /** The target of the latest request that reached the faults (for `assertNoPendingFaults`). */
  lastTarget: FaultTarget | undefined;
}

/**
 * Answers one request. `signal` aborts when the caller is gone (the socket closed): a delay then
 * ends at once and the request is answered with a reset that nobody reads.
 */
export async function respond(parts: SimulatorParts, req: SimulatorRequest, signal: AbortSignal): Promise<Outcome> {
  const { opts, faults } = parts;
  const clock = opts.clock;
  const at = clock.now();
  const method = String(req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url, 'http://simulator.invalid');
  const path = url.pathname;
  const params = parseQueryString(url.search);
  const query: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in query)) query[k] = v;
  const record: RequestRecord = parts.history.add({ at, method, path, query, status: 0, records: 0 });
  const hits: string[] = [];
  const route = matchRoute(path);
  const format: Format = formatOf(route);
  if (route) record.accountSid = route.accountSid;

  const finish = (status: number, body: string, extra: Record<string, string> = {}, records = 0, ignored: string[] = []): Outcome => {
    record.status = status;
    record.records = records;
    if (ignored.length > 0) record.ignored = ignored;
    if (hits.length > 0) record.fault = hits.join(',');
    return { status, headers: { 'content-type': contentType(format), date: new Date(clock.now()).toUTCString(), ...extra }, body };
  };
  const fail = (status: number, message: string, extra: Record<string, string> = {}) => finish(status, renderError(format, status, message), extra);

  if (method !== 'GET' && method !== 'HEAD') return fail(405, `Method ${method} is not allowed: the Calls API answers GET`, { allow: 'GET, HEAD' });
  if (!route || !route.accountSid) {
    return fail(404, `No route for ${path}: expected /v1/Accounts/<AccountSid>/Calls[.json] or /v1/Accounts/<AccountSid>/Calls/<CallSid>[.json]`);
  }
  const { accountSid } = route;
  const table = parts.world.table(accountSid);
  if (table) {
    parts.rate.total++;
    parts.rate.count(accountSid, at);
  }

  const account = authenticate(req.headers, parts.byKey, opts.sidAsApiKey ? opts.accounts : []);
  if (account === 'missing') return fail(401, 'Authentication required: send HTTP Basic auth with your API key and token');
  if (!account) return fail(401, 'Authentication failed: unknown API key or wrong token');
  if (account.accountSid !== accountSid) return fail(403, `The API key is not authorized for account ${accountSid}`);

  if (opts.rateLimit) {
    const admitted = parts.rate.admit(accountSid, at, opts.rateLimit.requestsPerMinute);
    if (!admitted.ok) {
      return fail(
        429,
        `Too many requests: more than ${opts.rateLimit.requestsPerMinute} requests a minute for account ${accountSid}`,
        retryAfterHeader(opts.rateLimit.retryAfter, Math.max(1, Math.ceil(admitted.waitMs / 1000)), at),
      );
    }
  }

  const target: FaultTarget = { path, accountSid, query };
  parts.lastTarget = target;
  const delay = faults.take(['delay'], target);
  if (delay) {
    hits.push('delay');
    await waitOnClock(clock, delay.delayMs ?? 1000, signal);
    if (signal.aborted) return { ...finish(0, ''), reset: true };
  }
  const terminal = faults.take(['status', 'rate-limit', 'reset', 'redirect'], target);
  if (terminal) {
    hits.push(terminal.kind);
    if (terminal.kind === 'reset') return { ...finish(0, ''), reset: true };
    if (terminal.kind === 'rate-limit') {
      const form = terminal.retryAfter ?? (opts.rateLimit ? opts.rateLimit.retryAfter : 'seconds');
      const header = terminal.retryAfterHeader === undefined ? retryAfterHeader(form, terminal.retryAfterSeconds ?? 1, clock.now()) : { 'retry-after': terminal.retryAfterHeader };
      return fail(429, `Too many requests for account ${accountSid}`, header);
    }
    if (terminal.kind === 'redirect') {
      return fail(terminal.redirectStatus ?? 302, 'Moved', { location: terminal.location ?? `https://api.exotel.com${path}${url.search}` });
    }
    const status = terminal.status ?? 500;
    return fail(status, `Simulated error ${status}`);
  }

  const now = clock.now();
  parts.world.advance(now);
  let answer: Answer;
  try {
    const ctx = { opts, table: table!, params, format, now, json: route.json, faults, faultRandom: parts.faultRandom, target, hits };
    answer = route.callSid === undefined ? listCalls(ctx) : oneCall(ctx, route.callSid);
  } catch (error) {
    if (error instanceof QueryError) return fail(error.status, error.message);
    throw error;
  }
  let outcome: Outcome = finish(answer.status, answer.body, {}, answer.records, answer.ignored);

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
    if (mangle.kind === 'truncated') return { ...outcome, truncateAt: truncatedAt(outcome.body) };
    return { ...outcome, body: malformedBody(outcome.body) };
  }
  return outcome;
}
