/**
 * The two endpoints, once a request has passed auth, the rate limit and the faults that answer
 * instead of them: the call list (`/Calls[.json]`) and one call (`/Calls/<CallSid>[.json]`). Each
 * handler takes one context object.
 */
import type { RawCall } from '../exotel/types.js';
import type { CallTable } from './callTable.js';
import type { FaultTarget } from './faults.js';
import type { FaultBook } from './faults.js';
import { breakRecord, repeatOneRecord } from './faultEffects.js';
import { selectPage } from './listing.js';
import type { ResolvedOptions } from './options.js';
import type { ListQuery } from './query.js';
import { QueryError, cursorParam, encodeCursor, parseCallQuery, parseListQuery } from './query.js';
import type { Random } from './random.js';
import { addPresignedRecordingUrls } from './recordingUrls.js';
import type { Format, PageUris } from './render.js';
import { renderCall, renderList } from './render.js';

/** An answer, with what the history records of it. */
export interface Answer {
  status: number;
  body: string;
  /** Records returned. */
  records: number;
  /** Query parameters the API does not document, ignored (see `unknownParameters`). */
  ignored: string[];
}

/** What a handler is given: the request as matched, the world and the faults. */
export interface HandlerContext {
  opts: ResolvedOptions;
  table: CallTable;
  /** The query parameters in their order (repeats kept). */
  params: Array<[string, string]>;
  format: Format;
  /** The simulator's clock when the request is served. */
  now: number;
  /** The route asked for `.json` (its page URIs keep the suffix). */
  json: boolean;
  faults: FaultBook;
  faultRandom: Random;
  target: FaultTarget;
  /** Kinds of the faults that hit the request, in order (for the history). */
  hits: string[];
}

/** The `bad-record` fault, when one hits: breaks one of `records`. */
function maybeBreakRecord(ctx: HandlerContext, records: RawCall[]): void {
  if (records.length === 0) return;
  const fault = ctx.faults.take(['bad-record'], ctx.target);
  if (!fault) return;
  ctx.hits.push('bad-record');
  breakRecord(records, fault, ctx.faultRandom);
}

function pageUris(ctx: HandlerContext, base: string, q: ListQuery, ids: number[], hasPrev: boolean, hasNext: boolean, nextFrom: number | undefined): PageUris {
  const { table, opts } = ctx;
  const qs = new URLSearchParams(q.carried).toString();
  const first = qs ? `${base}?${qs}` : base;
  const withCursor = (name: 'After' | 'Before', id: number) => `${first}${qs ? '&' : '?'}${name}=${cursorParam(encodeCursor(table.sec(id), table.sidOf(id)))}`;
  let next: string | null | undefined;
  if (ids.length > 0 && (hasNext || opts.lastPage === 'link-to-empty-page')) next = withCursor('After', nextFrom ?? ids[ids.length - 1]!);
  else next = opts.lastPage === 'empty-string' ? '' : opts.lastPage === 'omitted' ? undefined : null;
  return { FirstPageUri: first, PrevPageUri: hasPrev && ids.length > 0 ? withCursor('Before', ids[0]!) : null, NextPageUri: next };
}

/** `GET /v1/Accounts/<sid>/Calls[.json]`: one page of the list. Throws `QueryError` for a query the API refuses. */
export function listCalls(ctx: HandlerContext): Answer {
  const { table, now, opts } = ctx;
  const q = parseListQuery(ctx.params, now, opts.timeZone, opts.unknownParameters);
  const oversized = ctx.faults.take(['oversized-page'], ctx.target);
  if (oversized) ctx.hits.push('oversized-page');
  // More records than PageSize asked for; the cursor still follows the last one listed.
  const page = selectPage(table, oversized ? { ...q, pageSize: q.pageSize + (oversized.extraRecords ?? 10) } : q, now);
  let nextFrom: number | undefined;
  if (page.ids.length >= 2 && page.hasNext && ctx.faults.take(['duplicate-row'], ctx.target)) {
    ctx.hits.push('duplicate-row');
    // The next page's cursor sits one row back, so its first row repeats this page's last.
    nextFrom = page.ids[page.ids.length - 2];
  }
  let records = page.ids.map((id) => table.recordAt(id, now, q.details)!);
  if (q.recordingUrlValidityMin !== undefined) addPresignedRecordingUrls(records, now, q.recordingUrlValidityMin, opts.seed);
  maybeBreakRecord(ctx, records);
  if (records.length > 0 && ctx.faults.take(['duplicate-sid'], ctx.target)) {
    ctx.hits.push('duplicate-sid');
    records = repeatOneRecord(records, ctx.faultRandom);
  }
  const base = `/v1/Accounts/${table.accountSid}/Calls${ctx.json ? '.json' : ''}`;
  const uris = pageUris(ctx, base, q, page.ids, page.hasPrev, page.hasNext, nextFrom);
  return { status: 200, body: renderList(ctx.format, page.total, records, uris, opts.pageUris), records: records.length, ignored: q.ignored };
}

/** `GET /v1/Accounts/<sid>/Calls/<CallSid>[.json]`: one call. Throws `QueryError` (400, 404). */
export function oneCall(ctx: HandlerContext, rawSid: string): Answer {
  const q = parseCallQuery(ctx.params, ctx.opts.unknownParameters);
  let sid = rawSid;
  try {
    sid = decodeURIComponent(rawSid);
  } catch {
    // A malformed escape is simply not a Sid we know.
  }
  const id = ctx.table.lookup(sid);
  const record = id === undefined ? undefined : ctx.table.recordAt(id, ctx.now, q.details, true);
  if (!record) throw new QueryError(404, `Call ${sid} was not found in account ${ctx.table.accountSid}`);
  if (q.recordingUrlValidityMin !== undefined) addPresignedRecordingUrls([record], ctx.now, q.recordingUrlValidityMin, ctx.opts.seed);
  maybeBreakRecord(ctx, [record]);
  return { status: 200, body: renderCall(ctx.format, record), records: 1, ignored: q.ignored };
}
