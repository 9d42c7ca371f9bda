/**
 * Reads a request body within a size limit and a time limit, without ever throwing: the outcome
 * says what happened. A body a framework has read already (Express's `express.json()` or
 * `express.urlencoded()`, a Fastify route's `request.body`) is taken from `req.body` instead.
 */
import type { IncomingMessage } from 'node:http';

export type BodyOutcome =
  | { ok: true; raw: Buffer }
  | { ok: true; parsed: unknown }
  /** The stream was read before the handler, and nothing was left in `req.body`. */
  | { ok: false; reason: 'consumed' }
  | { ok: false; reason: 'too-large' | 'timeout' | 'aborted' };

interface MaybeParsed {
  body?: unknown;
  /** Set by body-parser (Express) once it has read the stream. */
  _body?: boolean;
}

/** The body a framework read before the handler, if one did. */
function preParsed(req: IncomingMessage): { found: boolean; body?: unknown } {
  const r = req as IncomingMessage & MaybeParsed;
  // A stream read to its end by someone else holds nothing more: `req.body` is all there is.
  if (r._body === true || req.readableEnded) return { found: true, body: r.body };
  return { found: false };
}

export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyOutcome> {
  const pre = preParsed(req);
  if (pre.found) {
    const body = pre.body;
    if (body === undefined) return Promise.resolve({ ok: false, reason: 'consumed' });
    if (Buffer.isBuffer(body)) return Promise.resolve(body.length > maxBytes ? { ok: false, reason: 'too-large' } : { ok: true, raw: body });
    if (typeof body === 'string') {
      return Promise.resolve(Buffer.byteLength(body) > maxBytes ? { ok: false, reason: 'too-large' } : { ok: true, raw: Buffer.from(body, 'utf8') });
    }
    return Promise.resolve({ ok: true, parsed: body });
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ ok: false, reason: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (outcome: BodyOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      // Keep an error listener: a socket error after the answer must not become an uncaught exception.
      resolve(outcome);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        finish({ ok: false, reason: 'too-large' });
        // Stop reading what is left; the answer closes the connection.
        req.pause();
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => finish({ ok: true, raw: Buffer.concat(chunks, size) });
    const onAborted = () => finish({ ok: false, reason: 'aborted' });
    const onClose = () => {
      if (!req.complete) finish({ ok: false, reason: 'aborted' });
    };
    const timer = setTimeout(() => {
      finish({ ok: false, reason: 'timeout' });
      req.pause();
    }, timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('close', onClose);
    req.on('error', () => finish({ ok: false, reason: 'aborted' }));
  });
}
