/**
 * Page URIs and page bodies of the list endpoint.
 */
import { ExotelResponseError, InvalidOptionError, describeValue } from './errors.js';
import type { RawCall } from './types.js';
import { isJsonContentType } from './contentEncoding.js';

/** One page of a listing. */
export interface CallPage {
  /** The records as received (normalize them with `normalizeCall`). */
  calls: RawCall[];
  /** `Metadata.Total`: records matching the query when the page was served; null when absent. */
  total: number | null;
  /** The cursor to the next page, a relative `/v1/...` URI as the API gave it; null when none. */
  nextPageUri: string | null;
  /** The response's `Date` header (the server's clock), or null. */
  serverDate: Date | null;
  /** The URL requested, without credentials. */
  requestUrl: string;
  /**
   * An instant of the API's clock (epoch ms) at or before which the API served this page: the
   * local send time on the API's clock's lower bound (see `ApiClock`). A listing covers its start
   * times as of its first page's `asOf`. Undefined when the page was not fetched by an `ExotelClient`.
   */
  asOf?: number;
}

// Control characters, blanks, backslashes and fragments have no place in a page URI.
const BAD_URI_CHARS = /[\u0000-\u0020\u007f\\#]/;

/**
 * Checks a page URI (`/v1/Accounts/<sid>/Calls.json?…`) and returns its path and query to append to
 * the base URL: `.json` is added to the path when missing so that the answer is JSON. Anything but a
 * relative `/v1/` URI of this account's call list is rejected: the API hands out only such URIs, and
 * following anything else would send the credentials elsewhere.
 */
export function resolvePageUri(pageUri: unknown, accountSid: string): string {
  const expected = `a relative URI \`/v1/Accounts/${accountSid}/Calls.json?…\` as the API handed it`;
  if (typeof pageUri !== 'string' || !pageUri.startsWith('/v1/') || BAD_URI_CHARS.test(pageUri)) {
    throw new InvalidOptionError('pageUri', expected, pageUri);
  }
  const q = pageUri.indexOf('?');
  const path = q === -1 ? pageUri : pageUri.slice(0, q);
  const search = q === -1 ? '' : pageUri.slice(q);
  const prefix = `/v1/Accounts/${accountSid}/Calls`;
  if (path !== prefix && path !== `${prefix}.json`) {
    throw new InvalidOptionError('pageUri', expected, pageUri);
  }
  return `${prefix}.json${search}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pageUriField(body: Record<string, unknown>, metadata: Record<string, unknown> | undefined): string | null {
  // Documented under `Metadata`; one newer doc puts it at the top level.
  const v = metadata?.NextPageUri ?? body.NextPageUri;
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** Reads a parsed list body into a page. Throws `ExotelResponseError` when there is no `Calls` array. */
export function readCallPage(
  body: unknown,
  context: { method: string; url: string; serverDate: Date | null; path: string; status?: number; asOf?: number; contentType?: string | undefined },
): CallPage {
  if (!isObject(body) || !Array.isArray(body.Calls)) {
    // Show what came instead (its kind and short form), so the fault can be told apart at a glance.
    const shown = (v: unknown) => describeValue(typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v);
    const received = isObject(body) ? `\`Calls\` was ${shown(body.Calls)}` : `the body was ${shown(body)}`;
    const kind = context.contentType === undefined || isJsonContentType(context.contentType) ? '' : ` (Content-Type ${JSON.stringify(context.contentType.slice(0, 80))})`;
    throw new ExotelResponseError(
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      `Exotel API answered ${context.method} ${context.path} with a body without a \`Calls\` array${kind}: ${received}`,
      { method: context.method, url: context.url, ...(context.status === undefined ? {} : { status: context.status }) },
    );
  }
  const metadata = isObject(body.Metadata) ? body.Metadata : undefined;
  const rawTotal = metadata?.Total ?? body.Total;
  const total = typeof rawTotal === 'number' && Number.isFinite(rawTotal) ? rawTotal : typeof rawTotal === 'string' && /^\d+$/.test(rawTotal) ? Number(rawTotal) : null;
  return {
    calls: body.Calls as RawCall[],
    total,
    nextPageUri: pageUriField(body, metadata),
    serverDate: context.serverDate,
    requestUrl: context.url,
    ...(context.asOf === undefined ? {} : { asOf: context.asOf }),
  };
}
