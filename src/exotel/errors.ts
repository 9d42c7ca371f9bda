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
  | 'ERR_COVERAGE_GAP' // start times the stream could not read before the API stopped listing them
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

/**
 * Base class of every error this library raises or reports. Each code belongs to one class, and
 * the class fixes it (as undici's errors do): `ExotelHttpError` takes its code from the status,
 * `ExotelResponseError`, `MalformedRecordError` and `InvalidOptionError` have one code each,
 * `ExotelNetworkError` one of its three. The base carries the codes no subclass has a field for:
 * `ERR_STORE`, `ERR_QUOTA_PLAN`, `ERR_COVERAGE_GAP`, and those of `exotel-call-stream/redis`:
 * `ERR_REDIS` and `ERR_LEASE_LOST`.
 *
 * `InvalidOptionError` is a `TypeError`, as the option errors of p-retry and p-queue are; it is
 * an `ExotelError` all the same (`instanceof ExotelError` holds for it, see `Symbol.hasInstance`).
 */
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

  /**
   * `error instanceof ExotelError` is true for the errors of this class and its subclasses, and for
   * an `InvalidOptionError`, which extends `TypeError` instead (JavaScript has one prototype chain).
   * For the subclasses (`instanceof ExotelHttpError`) it is the ordinary check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === ExotelError && value instanceof InvalidOptionError;
  }
}

/** The codes of `ExotelHttpError`: one per status it is thrown for. */
export type ExotelHttpErrorCode = Extract<
  ExotelErrorCode,
  | 'ERR_EXOTEL_BAD_REQUEST'
  | 'ERR_EXOTEL_UNAUTHORIZED'
  | 'ERR_EXOTEL_PAYMENT_REQUIRED'
  | 'ERR_EXOTEL_FORBIDDEN'
  | 'ERR_EXOTEL_NOT_FOUND'
  | 'ERR_EXOTEL_CONFLICT'
  | 'ERR_EXOTEL_RATE_LIMITED'
  | 'ERR_EXOTEL_SERVER'
  | 'ERR_EXOTEL_HTTP'
>;

const HTTP_STATUS_CODES: Readonly<Record<number, ExotelHttpErrorCode>> = {
  400: 'ERR_EXOTEL_BAD_REQUEST',
  401: 'ERR_EXOTEL_UNAUTHORIZED',
  402: 'ERR_EXOTEL_PAYMENT_REQUIRED',
  403: 'ERR_EXOTEL_FORBIDDEN',
  404: 'ERR_EXOTEL_NOT_FOUND',
  409: 'ERR_EXOTEL_CONFLICT',
  429: 'ERR_EXOTEL_RATE_LIMITED',
};

/** The code of an HTTP status: 400 → `ERR_EXOTEL_BAD_REQUEST` …, 5xx → `ERR_EXOTEL_SERVER`, any other → `ERR_EXOTEL_HTTP`. */
export function httpErrorCode(status: number | undefined): ExotelHttpErrorCode {
  if (status === undefined) return 'ERR_EXOTEL_HTTP';
  return HTTP_STATUS_CODES[status] ?? (status >= 500 && status <= 599 ? 'ERR_EXOTEL_SERVER' : 'ERR_EXOTEL_HTTP');
}

const isCode = (value: unknown): value is ExotelErrorCode => typeof value === 'string' && /^ERR_[A-Z_]+$/.test(value);

/** A class asked to carry a code that is not one of its own. */
function foreignCode(name: string, code: unknown, own: string): TypeError {
  return new TypeError(`Expected the code of a ${name} to be ${own}, got \`${String(code)}\``);
}

/** Options of `ExotelHttpError`: the status decides the code. */
export interface ExotelHttpErrorOptions extends ExotelErrorOptions {
  /** The API's own message from its `RestException`, when it sent one. */
  apiMessage?: string;
}

/** A non-2xx answer from the API (after retries, where the status is retried). Its `code` follows from its `status`. */
export class ExotelHttpError extends ExotelError {
  override name = 'ExotelHttpError' as const;
  declare readonly code: ExotelHttpErrorCode;
  /** The API's own message from its `RestException`, when it sent one. */
  readonly apiMessage: string | undefined;
  constructor(message: string, options: ExotelHttpErrorOptions & { status: number });
  /** @deprecated The code follows from `status`: pass `(message, { status, … })`. A code that does not match the status throws a TypeError. */
  constructor(code: ExotelErrorCode, message: string, options?: ExotelHttpErrorOptions);
  constructor(first: string, second?: string | (ExotelHttpErrorOptions & { status: number }), third: ExotelHttpErrorOptions = {}) {
    const legacy = typeof second === 'string';
    const options = (legacy ? third : (second ?? {})) as ExotelHttpErrorOptions;
    const code = httpErrorCode(options.status);
    if (legacy && first !== code) throw foreignCode('ExotelHttpError', first, `\`${code}\` (the code of status ${options.status ?? 'undefined'})`);
    super(code, legacy ? (second as string) : first, options);
    this.apiMessage = options.apiMessage;
  }
}

/** The codes of `ExotelNetworkError`. */
export type ExotelNetworkErrorCode = Extract<ExotelErrorCode, 'ERR_EXOTEL_NETWORK' | 'ERR_EXOTEL_TIMEOUT' | 'ERR_ABORTED'>;
const NETWORK_CODES: ReadonlySet<string> = new Set<ExotelNetworkErrorCode>(['ERR_EXOTEL_NETWORK', 'ERR_EXOTEL_TIMEOUT', 'ERR_ABORTED']);

/** The request never got an HTTP answer: a network fault (`ERR_EXOTEL_NETWORK`), a timeout (`ERR_EXOTEL_TIMEOUT`) or an abort (`ERR_ABORTED`). */
export class ExotelNetworkError extends ExotelError {
  override name = 'ExotelNetworkError' as const;
  declare readonly code: ExotelNetworkErrorCode;
  constructor(code: ExotelNetworkErrorCode, message: string, options: ExotelErrorOptions = {}) {
    if (!NETWORK_CODES.has(code)) throw foreignCode('ExotelNetworkError', code, [...NETWORK_CODES].map((c) => `\`${c}\``).join(', '));
    super(code, message, options);
  }
}

/** A body that is not the expected shape (truncated, not JSON, no `Calls`): `ERR_EXOTEL_MALFORMED_RESPONSE`. */
export class ExotelResponseError extends ExotelError {
  override name = 'ExotelResponseError' as const;
  declare readonly code: 'ERR_EXOTEL_MALFORMED_RESPONSE';
  constructor(message: string, options?: ExotelErrorOptions);
  /** @deprecated The class fixes the code: pass `(message, options)`. Any other code throws a TypeError. */
  constructor(code: 'ERR_EXOTEL_MALFORMED_RESPONSE', message: string, options?: ExotelErrorOptions);
  constructor(first: string, second?: string | ExotelErrorOptions, third: ExotelErrorOptions = {}) {
    const legacy = typeof second === 'string' && isCode(first);
    if (legacy && first !== 'ERR_EXOTEL_MALFORMED_RESPONSE') throw foreignCode('ExotelResponseError', first, '`ERR_EXOTEL_MALFORMED_RESPONSE`');
    super('ERR_EXOTEL_MALFORMED_RESPONSE', legacy ? (second as string) : first, legacy ? third : ((second as ExotelErrorOptions | undefined) ?? {}));
  }
}

/** One record that cannot be normalized (`ERR_EXOTEL_MALFORMED_RECORD`). It is reported and skipped; the stream goes on. */
export class MalformedRecordError extends ExotelError {
  override name = 'MalformedRecordError' as const;
  declare readonly code: 'ERR_EXOTEL_MALFORMED_RECORD';
  /** The offending field and the value received. */
  readonly field: string;
  readonly value: unknown;
  /** The Sid, when the record had one. */
  readonly sid: string | undefined;
  /** The record's start (`DateCreated`) when its Sid could not be read but its start could: what names the call then. */
  readonly dateCreated: Date | undefined;
  constructor(message: string, details: { field: string; value: unknown; sid?: string; dateCreated?: Date; cause?: unknown }) {
    super('ERR_EXOTEL_MALFORMED_RECORD', message, { cause: details.cause });
    this.field = details.field;
    this.value = details.value;
    this.sid = details.sid;
    this.dateCreated = details.dateCreated;
  }
}

/**
 * A rejected option or filter (`ERR_INVALID_OPTION`, fatal). Thrown synchronously where the value
 * enters. A `TypeError`, as p-retry's and p-queue's option errors are, and an `ExotelError`:
 * `instanceof` holds for both, and it has every field of one.
 */
export class InvalidOptionError extends TypeError {
  override name = 'InvalidOptionError' as const;
  readonly code = 'ERR_INVALID_OPTION' as const;
  /** Always undefined: no request was made. */
  readonly status: number | undefined = undefined;
  readonly method: string | undefined = undefined;
  readonly url: string | undefined = undefined;
  /** Always true: a configuration that is rejected stays rejected. */
  readonly fatal = true;
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got ${describeValue(value)}`);
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
