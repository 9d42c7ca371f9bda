/**
 * Retry policy: which failures heal by themselves, and how long to wait before the next attempt.
 */
import type { ExotelError } from './errors.js';

/** Codes of failures worth another attempt: they come from the network or an overloaded server. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ERR_EXOTEL_RATE_LIMITED',
  'ERR_EXOTEL_SERVER',
  'ERR_EXOTEL_NETWORK',
  'ERR_EXOTEL_TIMEOUT',
  'ERR_EXOTEL_MALFORMED_RESPONSE',
]);

/**
 * Whether a failed request may succeed if sent again: 429, 408, 5xx, network faults, timeouts
 * and truncated or malformed bodies. 400, 401, 402, 403, 404, 409 and aborts never are.
 */
export function isTransientError(error: ExotelError): boolean {
  if (error.code === 'ERR_EXOTEL_HTTP') return error.status === 408;
  return TRANSIENT_CODES.has(error.code);
}

/**
 * Exponential backoff with jitter: `min * 2^retriesConsumed`, times a random factor in [1, 2),
 * capped at `max`. Jitter keeps several pollers that failed together from retrying together.
 */
export function backoffDelay(retriesConsumed: number, minMs: number, maxMs: number, random: number = Math.random()): number {
  const base = minMs * 2 ** Math.min(retriesConsumed, 30);
  // Rounding must not reach 2 × base (a draw just below 1 would): the range is half-open.
  const jittered = Math.min(Math.round(base * (1 + random)), Math.max(base, Math.ceil(2 * base) - 1));
  return Math.round(Math.min(maxMs, jittered));
}

const SECONDS = /^\s*\d+\s*$/;
// Every HTTP date form begins with a day name; Date.parse alone would read `-5` as a year.
const HTTP_DATE = /^\s*[A-Za-z]{3}/;

/**
 * Reads a `Retry-After` header (delay-seconds or an HTTP date) as milliseconds from now, or
 * `undefined` when absent or unreadable. A date is measured against the response's own `Date`
 * (`serverNowMs`) when there is one, so that clock skew does not stretch or shrink the wait.
 */
export function parseRetryAfter(value: string | string[] | undefined, serverNowMs: number | undefined, localNowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return undefined;
  if (SECONDS.test(text)) return Number(text.trim()) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - (serverNowMs ?? localNowMs));
}
