/**
 * One HTTP attempt with undici: send, read the whole body, and map every failure to an
 * `ExotelError`. The body is consumed or destroyed on every path, errors included: a body left
 * dangling keeps its socket, and a pool out of sockets stalls the poller without a sound.
 */
import type { Dispatcher } from 'undici';
import { ExotelError, ExotelHttpError, ExotelNetworkError, ExotelResponseError, redactUrl } from './errors.js';
import type { ExotelErrorCode } from './errors.js';
import { decodeBody, isJsonContentType } from './contentEncoding.js';

/**
 * Sent with every request: the client decodes these itself (undici's `request` does not), and a
 * page of 100 records shrinks about tenfold.
 */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** What one successful attempt yields. */
export interface HttpResult {
  status: number;
  body: unknown;
  /** The response's `Date` header, epoch ms, or undefined. */
  serverDateMs: number | undefined;
  /** The response's `Content-Type`, or undefined. */
  contentType: string | undefined;
}

/** What one attempt needs. */
export interface HttpAttempt {
  dispatcher: Dispatcher;
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  authorization: string;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  signal: AbortSignal | undefined;
  /** Called with the status class of every response received (`2xx` …). */
  onResponse?: (status: number, serverDateMs: number | undefined, receivedAtMs: number) => void;
}

/** `Retry-After` of a failed response, in ms, kept beside the error rather than on it. */
export const retryAfterOf = new WeakMap<ExotelError, number>();

const STATUS_CODES: Readonly<Record<number, { code: ExotelErrorCode; fatal: boolean }>> = {
  400: { code: 'ERR_EXOTEL_BAD_REQUEST', fatal: false },
  401: { code: 'ERR_EXOTEL_UNAUTHORIZED', fatal: true },
  402: { code: 'ERR_EXOTEL_PAYMENT_REQUIRED', fatal: true },
  403: { code: 'ERR_EXOTEL_FORBIDDEN', fatal: true },
  404: { code: 'ERR_EXOTEL_NOT_FOUND', fatal: false },
  409: { code: 'ERR_EXOTEL_CONFLICT', fatal: false },
  429: { code: 'ERR_EXOTEL_RATE_LIMITED', fatal: false },
};

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** The path without its query: short, and free of phone numbers, for messages. */
export const pathOf = (path: string): string => {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
};

/** An `ERR_ABORTED` error for a request given up on. */
export function abortedError(method: string, url: string, path: string, cause?: unknown): ExotelNetworkError {
  return new ExotelNetworkError('ERR_ABORTED', `${method} ${pathOf(path)} was aborted`, { method, url, cause });
}

/** Maps an error thrown by undici (or the socket under it) to an `ExotelError`. */
export function mapTransportError(error: unknown, method: string, url: string, path: string, signal: AbortSignal | undefined): ExotelError {
  if (error instanceof ExotelError) return error;
  if (signal?.aborted) return abortedError(method, url, path, error);
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError') return abortedError(method, url, path, error);
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new ExotelNetworkError('ERR_EXOTEL_TIMEOUT', `${method} ${pathOf(path)} timed out (${detail})`, { method, url, cause: error });
  }
  return new ExotelNetworkError('ERR_EXOTEL_NETWORK', `${method} ${pathOf(path)} failed without a response (${detail})`, {
    method,
    url,
    cause: error,
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Where a redirect pointed, without credentials, query or fragment (they may hold phone numbers). */
function redirectTarget(location: string | undefined, origin: string): string | undefined {
  if (location === undefined || location.trim() === '') return undefined;
  try {
    const target = new URL(location, origin);
    return redactUrl(`${target.origin}${target.pathname}`);
  } catch {
    return undefined;
  }
}

/** `text/html, 1,234 characters`: what came instead of JSON, for messages (never the body itself). */
function bodyKind(contentType: string | undefined, text: string): string {
  const kind = contentType === undefined ? 'no Content-Type' : JSON.stringify(contentType.slice(0, 80));
  return `${kind}, ${text.length} characters`;
}

function apiMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { RestException?: { Message?: unknown } };
    const message = parsed?.RestException?.Message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends one GET and returns the parsed JSON body of a 2xx answer. Throws `ExotelHttpError` for
 * other statuses (with `apiMessage` from a `RestException`; a 3xx is not followed, since the
 * credentials would go with it), `ExotelResponseError` for a body that is not JSON (truncated
 * included) or that cannot be decoded (`Content-Encoding`), `ExotelNetworkError` for no answer, a
 * timeout or an abort. A JSON body is read as JSON whatever its `Content-Type` says; the type is
 * named in the error when the body is not JSON.
 */
export async function getJson(attempt: HttpAttempt, retryAfter: (header: string | string[] | undefined, serverDateMs: number | undefined) => number | undefined): Promise<HttpResult> {
  const method = 'GET';
  const url = attempt.origin + attempt.path;
  let response: Dispatcher.ResponseData;
  try {
    response = await attempt.dispatcher.request({
      origin: attempt.origin,
      path: attempt.path,
      method,
      headers: { authorization: attempt.authorization, accept: 'application/json', 'accept-encoding': ACCEPT_ENCODING, 'user-agent': 'exotel-call-stream' },
      signal: attempt.signal ?? null,
      headersTimeout: attempt.headersTimeoutMs,
      bodyTimeout: attempt.bodyTimeoutMs,
    });
  } catch (error) {
    throw mapTransportError(error, method, url, attempt.path, attempt.signal);
  }
  const { statusCode, headers, body } = response;
  const receivedAt = Date.now();
  const dateHeader = headerValue(headers.date);
  const parsedDate = dateHeader === undefined ? NaN : Date.parse(dateHeader);
  const serverDateMs = Number.isFinite(parsedDate) ? parsedDate : undefined;
  const contentType = headerValue(headers['content-type']);
  attempt.onResponse?.(statusCode, serverDateMs, receivedAt);

  let bytes: Buffer;
  try {
    bytes = Buffer.from(await body.arrayBuffer());
  } catch (error) {
    body.destroy();
    const mapped = mapTransportError(error, method, url, attempt.path, attempt.signal);
    if (mapped.code !== 'ERR_EXOTEL_NETWORK') throw mapped;
    // Headers came, the body did not all come: a truncated response, retried like a malformed one.
    throw new ExotelResponseError(
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      `Exotel API answered ${method} ${pathOf(attempt.path)} with ${statusCode} and a truncated body (${mapped.message.slice(mapped.message.lastIndexOf('(') + 1, -1)})`,
      { status: statusCode, method, url, cause: error },
    );
  }

  const decoded = decodeBody(bytes, headerValue(headers['content-encoding']));
  const ok = statusCode >= 200 && statusCode <= 299;
  if (ok && !decoded.ok) {
    throw new ExotelResponseError(
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      `Exotel API answered ${method} ${pathOf(attempt.path)} with ${statusCode} and a body that cannot be decoded: ${decoded.reason}`,
      { status: statusCode, method, url, ...(decoded.cause === undefined ? {} : { cause: decoded.cause }) },
    );
  }
  const text = decoded.ok ? decoded.text : '';

  if (!ok) {
    const known = STATUS_CODES[statusCode];
    const code: ExotelErrorCode = known?.code ?? (statusCode >= 500 && statusCode <= 599 ? 'ERR_EXOTEL_SERVER' : 'ERR_EXOTEL_HTTP');
    const apiMessage = apiMessageOf(text);
    const reason = REASONS[statusCode] ?? '';
    let message = `Exotel API answered ${statusCode}${reason ? ` ${reason}` : ''} to ${method} ${pathOf(attempt.path)}${apiMessage ? `: ${apiMessage}` : ''}`;
    if (statusCode >= 300 && statusCode <= 399) {
      const target = redirectTarget(headerValue(headers.location), attempt.origin);
      message += `${target ? ` (a redirect to ${target})` : ' (a redirect)'}: redirects are not followed, the credentials would go with them; check \`subdomain\` or \`baseUrl\``;
    }
    const error = new ExotelHttpError(code, message, {
      status: statusCode,
      method,
      url,
      fatal: known?.fatal ?? false,
      ...(apiMessage === undefined ? {} : { apiMessage }),
    });
    // A `Retry-After` of 0 or of a date already past says nothing about when the quota comes
    // back: the backoff decides then, rather than a retry at once into the same 429.
    const wait = retryAfter(headers['retry-after'], serverDateMs);
    if (wait !== undefined && wait > 0) retryAfterOf.set(error, wait);
    throw error;
  }

  try {
    return { status: statusCode, body: JSON.parse(text) as unknown, serverDateMs, contentType };
  } catch (cause) {
    const expected = isJsonContentType(contentType) ? 'truncated or malformed' : 'expected application/json';
    throw new ExotelResponseError(
      'ERR_EXOTEL_MALFORMED_RESPONSE',
      `Exotel API answered ${method} ${pathOf(attempt.path)} with ${statusCode} and a body that is not JSON (${bodyKind(contentType, text)}; ${expected})`,
      { status: statusCode, method, url, cause },
    );
  }
}
