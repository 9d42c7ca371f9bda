/**
 * Checks a Standard Webhooks signature on the receiving side (for endpoints written in Node): the
 * three headers present and well-formed, the timestamp within the tolerance, and one `v1,`
 * signature matching one of the secrets (compared in constant time). Receivers in other languages
 * use their stock Standard Webhooks library; the scheme is the same.
 */
import { timingSafeEqual } from 'node:crypto';
import { InvalidOptionError } from '../exotel/errors.js';
import { webhookSignature } from './signWebhook.js';
import { webhookSecretKey, type WebhookSecret } from './webhookSecret.js';

export interface VerifyWebhookSignatureOptions {
  /** The request headers (`req.headers` of `node:http`, or any lower- or mixed-case record). */
  headers: Record<string, string | string[] | undefined>;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** One secret, or several while one is being rotated. */
  secret: WebhookSecret | WebhookSecret[];
  /** Largest age (and clock lead) of `webhook-timestamp`, in seconds. @default 300 */
  toleranceSec?: number;
  /** The clock (epoch ms). @default Date.now() */
  now?: number;
}

export type VerifyWebhookResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch' };

function header(headers: VerifyWebhookSignatureOptions['headers'], name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
    value = found === undefined ? undefined : headers[found];
  }
  return Array.isArray(value) ? value[0] : value;
}

/**
 * @example
 * const verdict = verifyWebhookSignature({ headers: req.headers, body: rawBody, secret: process.env.WEBHOOK_SECRET! });
 * if (!verdict.ok) return res.writeHead(401).end(verdict.reason);
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): VerifyWebhookResult {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  if (secrets.length === 0) throw new InvalidOptionError('secret', 'a secret or a non-empty array of them', '[]');
  const keys = secrets.map((s, i) => webhookSecretKey(s, Array.isArray(options.secret) ? `secret[${i}]` : 'secret'));
  const toleranceSec = options.toleranceSec ?? 300;
  if (!Number.isInteger(toleranceSec) || toleranceSec < 1 || toleranceSec > 86_400) {
    throw new InvalidOptionError('toleranceSec', 'an integer from 1 to 86400', toleranceSec);
  }
  const id = header(options.headers, 'webhook-id');
  const stamp = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !stamp || !signatures) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: 'malformed' };
  const timestamp = Number(stamp);
  const candidates: Buffer[] = [];
  // Space-delimited `v<n>,<base64>`; versions other than v1 are skipped, as the spec asks.
  for (const part of signatures.split(' ')) {
    const comma = part.indexOf(',');
    if (comma <= 0) return { ok: false, reason: 'malformed' };
    if (part.slice(0, comma) !== 'v1') continue;
    const value = Buffer.from(part.slice(comma + 1), 'base64');
    if (value.length === 32) candidates.push(value);
  }
  if (candidates.length === 0) return { ok: false, reason: 'malformed' };
  const nowSec = Math.floor((options.now ?? Date.now()) / 1000);
  if (nowSec - timestamp > toleranceSec) return { ok: false, reason: 'stale' };
  if (timestamp - nowSec > toleranceSec) return { ok: false, reason: 'future' };
  let match = false;
  for (const key of keys) {
    const expected = Buffer.from(webhookSignature(key, id, timestamp, options.body), 'base64');
    // Every candidate is compared, matched or not: the time taken does not say which one matched.
    for (const candidate of candidates) if (timingSafeEqual(expected, candidate)) match = true;
  }
  return match ? { ok: true, id, timestamp } : { ok: false, reason: 'mismatch' };
}
