/**
 * `X-Exotel-Stream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 *
 * The timestamp is inside the signed text, so a receiver can refuse old messages (replays) without
 * trusting an unsigned header. Several `v1=` values may be sent while a secret is being rotated.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Exotel-Stream-Signature';

/** The hex HMAC-SHA256 of `<t>.<body>` under `secret`. */
export function computeSignature(secret: string | Buffer, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The header value for `body` signed at `t` (unix seconds). */
export function signatureHeader(secret: string | Buffer, t: number, body: string): string {
  return `t=${t},v1=${computeSignature(secret, t, body)}`;
}

export type VerifyResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch' };

export interface VerifyOptions {
  header: string | string[] | undefined;
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  /** One secret, or several while rotating. */
  secret: string | Buffer | Array<string | Buffer>;
  /** Current time, epoch ms. */
  now: number;
  /** Oldest (and farthest in the future) a timestamp may be, in seconds. */
  toleranceSec: number;
}

/** Checks a signature header: well-formed, fresh, and matching one secret (compared in constant time). */
export function verifySignature(options: VerifyOptions): VerifyResult {
  const header = Array.isArray(options.header) ? options.header[0] : options.header;
  if (!header) return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed' };
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value) || t !== undefined) return { ok: false, reason: 'malformed' };
      t = Number(value);
    } else if (name === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return { ok: false, reason: 'malformed' };
      signatures.push(value);
    }
  }
  if (t === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  const nowSec = Math.floor(options.now / 1000);
  if (nowSec - t > options.toleranceSec) return { ok: false, reason: 'stale' };
  if (t - nowSec > options.toleranceSec) return { ok: false, reason: 'future' };
  const body = typeof options.body === 'string' ? options.body : options.body.toString('utf8');
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  let match = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, t, body), 'hex');
    for (const candidate of signatures) {
      // Both are 32 bytes (checked by the pattern above), as timingSafeEqual requires.
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) match = true;
    }
  }
  return match ? { ok: true, timestamp: t } : { ok: false, reason: 'mismatch' };
}
