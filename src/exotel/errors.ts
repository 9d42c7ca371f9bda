/**
 * Errors of the API boundary and the stream. One base class with a stable `code`; each subclass
 * a literal `name`. None of them ever carries a credential: URLs are stored without userinfo and
 * messages are built from status, method, path and the API's own message only.
 */

/** Stable codes, one per kind of failure. */
export type ExotelErrorCode =
  | 'ERR_EXOTEL_BAD_REQUEST' // 400
  | 'ERR_EXOTEL_UNAUTHORIZED' // 401
  | 'ERR_EXOTEL_PAYMENT_REQUIRED' // 402
  | 'ERR_EXOTEL_FORBIDDEN' // 403
  | 'ERR_EXOTEL_NOT_FOUND' // 404
  | 'ERR_EXOTEL_CONFLICT' // 409
  | 'ERR_EXOTEL_RATE_LIMITED' // 429, after retries ran out
  | 'ERR_EXOTEL_SERVER' // 5xx, after retries ran out
  | 'ERR_EXOTEL_HTTP' // any other unexpected status
  | 'ERR_EXOTEL_NETWORK' // connection refused/reset, DNS, after retries ran out
  | 'ERR_EXOTEL_TIMEOUT' // connect/headers/body timeout, after retries ran out
  | 'ERR_EXOTEL_MALFORMED_RESPONSE' // a body that is not the expected JSON shape
  | 'ERR_EXOTEL_MALFORMED_RECORD' // one record that cannot be normalized (skipped, stream goes on)
  | 'ERR_INVALID_OPTION' // a rejected option or filter
  | 'ERR_QUOTA_PLAN' // a warning: the configured cadence cannot fit the quota
  | 'ERR_STORE' // the store could not be read or written
  | 'ERR_REDIS' // Redis could not be reached or refused a command (shared quota, store, leases)
  | 'ERR_LEASE_LOST' // this process stopped leading an account: its lease expired, was taken, or could not be proven
  | 'ERR_ABORTED'; // the request was aborted (stop())

export interface ExotelErrorOptions {
  status?: number;
  method?: string;
  /** Request URL; userinfo (credentials) is stripped before it is stored. */
  url?: string;
  fatal?: boolean;
  cause?: unknown;
}

/** Removes userinfo from a URL string, leaving the rest as it was. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Base class of every error this library raises or reports. */
export class ExotelError extends Error {
  override name = 'ExotelError';
  readonly code: ExotelErrorCode;
  /** HTTP status, where a response was received. */
  readonly status: number | undefined;
  readonly method: string | undefined;
  /** The request URL without credentials. */
  readonly url: string | undefined;
  /** A fatal error stops the stream (401, 402, 403, a rejected configuration); others do not. */
  readonly fatal: boolean;

  constructor(code: ExotelErrorCode, message: string, options: ExotelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.method = options.method;
    this.url = options.url === undefined ? undefined : redactUrl(options.url);
    this.fatal = options.fatal ?? false;
  }
}

/** A non-2xx answer from the API (after retries, where the status is retried). */
export class ExotelHttpError extends ExotelError {
  override name = 'ExotelHttpError' as const;
  /** The API's own message from its `RestException`, when it sent one. */
  readonly apiMessage: string | undefined;
  constructor(code: ExotelErrorCode, message: string, options: ExotelErrorOptions & { apiMessage?: string } = {}) {
    super(code, message, options);
    this.apiMessage = options.apiMessage;
  }
}

/** The request never got an HTTP answer: network fault, timeout or abort. */
export class ExotelNetworkError extends ExotelError {
  override name = 'ExotelNetworkError' as const;
}

/** A body that is not the expected shape (truncated, not JSON, no `Calls`). */
export class ExotelResponseError extends ExotelError {
  override name = 'ExotelResponseError' as const;
}

/** One record that cannot be normalized. It is reported and skipped; the stream goes on. */
export class MalformedRecordError extends ExotelError {
  override name = 'MalformedRecordError' as const;
  /** The offending field and the value received. */
  readonly field: string;
  readonly value: unknown;
  /** The Sid, when the record had one. */
  readonly sid: string | undefined;
  constructor(message: string, details: { field: string; value: unknown; sid?: string; cause?: unknown }) {
    super('ERR_EXOTEL_MALFORMED_RECORD', message, { cause: details.cause });
    this.field = details.field;
    this.value = details.value;
    this.sid = details.sid;
    // The raw record can be large: keep it off enumeration and out of logs.
  }
}

/** A rejected option or filter. Thrown synchronously where the value enters. */
export class InvalidOptionError extends ExotelError {
  override name = 'InvalidOptionError' as const;
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, expected: string, value: unknown) {
    super('ERR_INVALID_OPTION', `Expected \`${option}\` to be ${expected}, got ${describeValue(value)}`, { fatal: true });
    this.option = option;
    this.value = value;
  }
}

/** Renders a received value for an error message: `250` (number), `"abc"` (string). */
export function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `\`${String(value)}\` (${typeof value})`;
  if (value instanceof Date) return `\`${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}\` (Date)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  return `\`${Object.prototype.toString.call(value)}\` (${typeof value})`;
}

export const isExotelError = (error: unknown): error is ExotelError => error instanceof ExotelError;
export const isExotelHttpError = (error: unknown): error is ExotelHttpError => error instanceof ExotelHttpError;
export const isMalformedRecordError = (error: unknown): error is MalformedRecordError => error instanceof MalformedRecordError;
