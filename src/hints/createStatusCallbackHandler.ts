/**
 * The receiver of Exotel's `StatusCallback`s: a Node request handler that reads each callback
 * (form parameters, multipart or JSON), turns it into a `CallHint` and hands it to a stream's
 * `hint()`, answering Exotel at once (it wants a 200 within 15 s and retries up to 2 times).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidOptionError } from '../exotel/errors.js';
import { assertKnownOptions, assertMethods, assertOptionsObject, functionOption, integerOption, timeZoneOption } from '../exotel/assert.js';
import { assertCallbackSecret } from './callbackSecret.js';
import { parseStatusCallback } from './parseStatusCallback.js';
import { readBody } from './readBody.js';
import type {
  CallHint,
  HintTarget,
  StatusCallbackHandler,
  StatusCallbackHandlerOptions,
  StatusCallbackRejectReason,
  StatusCallbackResult,
  StatusCallbackStats,
} from './types.js';

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['timeZone', 'secret', 'secretParam', 'maxBodyBytes', 'bodyTimeoutMs', 'rememberSids', 'onResult']);
const REASONS: readonly StatusCallbackRejectReason[] = [
  'method',
  'secret',
  'content-type',
  'too-large',
  'timeout',
  'aborted',
  'malformed',
  'not-a-callback',
  'invalid-sid',
  'not-terminal',
  'duplicate',
  'ignored',
  'error',
];
/** The HTTP status each reason is answered with (0: the client is gone, nothing is sent). */
const STATUS_OF: Record<StatusCallbackRejectReason, number> = {
  method: 405,
  secret: 403,
  'content-type': 415,
  'too-large': 413,
  timeout: 408,
  aborted: 0,
  malformed: 400,
  'not-a-callback': 400,
  'invalid-sid': 400,
  'not-terminal': 200,
  duplicate: 200,
  ignored: 200,
  error: 200,
};
const MESSAGES: Partial<Record<StatusCallbackRejectReason, string>> = {
  method: 'Exotel posts status callbacks: use POST.',
  secret: 'The callback URL does not carry the right secret.',
  'content-type': 'Expected application/x-www-form-urlencoded, multipart/form-data or application/json.',
  'too-large': 'The body is larger than a status callback can be.',
  timeout: 'The body did not arrive in time.',
  'not-terminal': 'Taken: a callback for a call that has not ended yet is no hint.',
  duplicate: 'Taken already: a repeated callback.',
  ignored: 'Received; the stream does not take hints now.',
  error: 'Received; the stream could not take the hint.',
};

type Fields = Record<string, unknown>;
type ParsedBody = { ok: true; fields: Fields } | { ok: false; reason: 'content-type' | 'malformed'; message: string };

const isPlainObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** The media type of a `Content-Type`, lower case, without parameters; '' when absent. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Form fields, first value of each name (the callback repeats none). */
function formFields(text: string): Fields {
  const fields: Fields = {};
  for (const [key, value] of new URLSearchParams(text)) if (!(key in fields)) fields[key] = value;
  return fields;
}

async function fieldsOf(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  let type = mediaType(contentType);
  const text = raw.toString('utf8');
  // No Content-Type at all: the body says what it is.
  if (type === '') type = /^\s*\{/.test(text) ? 'application/json' : 'application/x-www-form-urlencoded';
  if (type === 'application/x-www-form-urlencoded') return { ok: true, fields: formFields(text) };
  if (type === 'application/json' || type.endsWith('+json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'malformed', message: 'The body is not valid JSON.' };
    }
    if (!isPlainObject(value)) return { ok: false, reason: 'malformed', message: 'The JSON body is not an object of callback fields.' };
    return { ok: true, fields: value };
  }
  if (type === 'multipart/form-data') {
    try {
      // The platform's own multipart reader (undici's, behind `Response`); files are skipped.
      const form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData();
      const fields: Fields = {};
      for (const [key, value] of form) if (typeof value === 'string' && !(key in fields)) fields[key] = value;
      return { ok: true, fields };
    } catch {
      return { ok: false, reason: 'malformed', message: 'The multipart body cannot be read.' };
    }
  }
  return { ok: false, reason: 'content-type', message: MESSAGES['content-type']! };
}

/** A digest of a secret, so that the comparison takes the same time whatever the lengths. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Creates the request handler that turns Exotel's `StatusCallback`s into hints for `target`
 * (a `CallStream`, or anything with a `hint()`).
 *
 * Answers: 200 for a callback (taken, a repeat, a call not ended yet, or a stream that does not
 * take it: a hint is never worth a retry), 400 for a body that is not a callback, 403 for a wrong
 * secret, 405 for a method other than POST, 408 for a body too slow, 413 for one too large, 415 for
 * another content type. Each answer is a small JSON object (`{ "status": "accepted" }` or
 * `{ "error": "<reason>", "message": "…" }`) that never echoes the request.
 *
 * @example
 * const stream = createCallStream({ accountSid: 'acme1', timeZone: 'Asia/Kolkata' });
 * const handler = createStatusCallbackHandler(stream, { timeZone: 'Asia/Kolkata', secret: process.env.EXOTEL_CALLBACK_SECRET });
 * http.createServer(handler).listen(8080);   // or app.post('/exotel/status-callback/:secret', handler)
 */
export function createStatusCallbackHandler(target: HintTarget, options: StatusCallbackHandlerOptions = {}): StatusCallbackHandler {
  assertMethods('target', target, ['hint'], 'an object with a `hint()` method (a CallStream)');
  assertOptionsObject('options', options);
  assertKnownOptions(options as Record<string, unknown>, KNOWN_OPTIONS, 'createStatusCallbackHandler');
  const timeZone = timeZoneOption('timeZone', options.timeZone);
  const secret = options.secret;
  if (secret !== undefined) assertCallbackSecret('secret', secret);
  const secretParam = options.secretParam ?? 'token';
  if (typeof secretParam !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(secretParam)) throw new InvalidOptionError('secretParam', 'a query parameter name (letters, digits, `_`, `-`)', secretParam);
  const maxBodyBytes = integerOption('maxBodyBytes', options.maxBodyBytes, 256, 16_777_216, 65_536);
  const bodyTimeoutMs = integerOption('bodyTimeoutMs', options.bodyTimeoutMs, 1, 14_000, 10_000);
  const rememberSids = integerOption('rememberSids', options.rememberSids, 0, 10_000_000, 10_000);
  const onResult = functionOption<(result: StatusCallbackResult) => void>('onResult', options.onResult);
  const secretDigest = secret === undefined ? undefined : digest(secret);

  let received = 0;
  let accepted = 0;
  const rejected = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<StatusCallbackRejectReason, number>;
  // (Sid, event) pairs taken, oldest first: a Map keeps insertion order.
  const taken = new Map<string, true>();

  const report = (result: StatusCallbackResult) => {
    if (result.outcome === 'accepted') accepted += 1;
    else rejected[result.reason!] += 1;
    if (onResult === undefined) return;
    try {
      onResult(Object.freeze(result));
    } catch {
      // A logging callback must not break the answer.
    }
  };

  const send = (res: ServerResponse, status: number, body: Record<string, string>, headers: Record<string, string> = {}) => {
    if (res.headersSent || res.destroyed || res.writableEnded) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store', ...headers });
    res.end(text);
  };

  const reject = (res: ServerResponse, reason: StatusCallbackRejectReason, extra: { message?: string; hint?: CallHint; eventType?: string; headers?: Record<string, string> } = {}) => {
    const status = STATUS_OF[reason];
    const message = extra.message ?? MESSAGES[reason] ?? reason;
    if (status === 200) send(res, 200, { status: reason, message });
    else if (status !== 0) send(res, status, { error: reason, message }, extra.headers);
    report({
      status: status === 0 || res.destroyed ? 0 : status,
      outcome: 'rejected',
      reason,
      message,
      ...(extra.hint ? { hint: extra.hint } : {}),
      ...(extra.eventType !== undefined ? { eventType: extra.eventType } : {}),
    });
  };

  const secretMatches = (url: URL): boolean => {
    if (secretDigest === undefined) return true;
    const segments = url.pathname.split('/');
    const last = decodeURIComponent(segments[segments.length - 1] ?? '');
    const candidates = [last, ...url.searchParams.getAll(secretParam)];
    // Every candidate is compared, so that the time taken does not say which one was close.
    let ok = false;
    for (const candidate of candidates) ok = timingSafeEqual(digest(candidate), secretDigest) || ok;
    return ok;
  };

  const take = (res: ServerResponse, fields: Fields) => {
    const parsed = parseStatusCallback(fields, { timeZone });
    if (!parsed.ok) return reject(res, parsed.reason, { message: parsed.message });
    const { hint, eventType } = parsed;
    const context = { hint, ...(eventType !== undefined ? { eventType } : {}) };
    if (!parsed.terminal) return reject(res, 'not-terminal', context);
    const key = `${hint.sid}\u0000${eventType ?? ''}`;
    if (taken.has(key)) return reject(res, 'duplicate', context);
    let took: boolean | void;
    try {
      took = target.hint(hint);
    } catch {
      return reject(res, 'error', context);
    }
    if (took === false) return reject(res, 'ignored', context);
    if (rememberSids > 0) {
      taken.set(key, true);
      if (taken.size > rememberSids) taken.delete(taken.keys().next().value!);
    }
    send(res, 200, { status: 'accepted' });
    report({ status: 200, outcome: 'accepted', ...context });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    received += 1;
    // A socket error after (or instead of) the answer must not become an uncaught exception.
    req.on('error', () => {});
    res.on('error', () => {});
    if (req.method !== 'POST') return reject(res, 'method', { headers: { Allow: 'POST' } });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://receiver.invalid');
    } catch {
      return reject(res, 'malformed', { message: 'The request URL cannot be read.' });
    }
    let secretOk: boolean;
    try {
      secretOk = secretMatches(url);
    } catch {
      secretOk = false;
    }
    if (!secretOk) return reject(res, 'secret', { headers: { Connection: 'close' } });
    const type = mediaType(req.headers['content-type']);
    if (type !== '' && type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data' && type !== 'application/json' && !type.endsWith('+json')) {
      return reject(res, 'content-type', { headers: { Connection: 'close', Accept: 'application/x-www-form-urlencoded, multipart/form-data, application/json' } });
    }
    const body = await readBody(req, maxBodyBytes, bodyTimeoutMs);
    if (!body.ok) {
      if (body.reason === 'consumed') return reject(res, 'malformed', { message: 'The body was read before this handler and not left in `req.body`.' });
      // Unread bytes may follow: the connection is not reused.
      return reject(res, body.reason, { headers: { Connection: 'close' } });
    }
    if ('parsed' in body) {
      if (!isPlainObject(body.parsed)) return reject(res, 'malformed', { message: 'The body is not an object of callback fields.' });
      return take(res, body.parsed);
    }
    const fields = await fieldsOf(body.raw, req.headers['content-type']);
    if (!fields.ok) return reject(res, fields.reason, { message: fields.message });
    take(res, fields.fields);
  };

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      // Nothing above should throw; if something does, the caller still gets an answer.
      rejected.error += 1;
      try {
        send(res, 500, { error: 'internal', message: 'The callback could not be handled.' });
      } catch {
        // The socket is gone.
      }
    });
  }) as StatusCallbackHandler;
  handler.stats = () => ({ received, accepted, rejected: { ...rejected } });
  return handler;
}
