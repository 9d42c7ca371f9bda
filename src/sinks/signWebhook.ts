/**
 * Signs a webhook as the Standard Webhooks specification does, so that receivers in any language
 * verify it with a stock library (`standardwebhooks` on npm, `standardwebhooks` on PyPI, ...):
 *
 *   webhook-id: <message id>            (here: the event's idempotency key)
 *   webhook-timestamp: <unix seconds>
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">
 */
import { createHmac } from 'node:crypto';
import { webhookSecretKey, type WebhookSecret } from './webhookSecret.js';

export interface SignWebhookOptions {
  /** `whsec_<base64>`, or the key as a string or bytes (at least 16 bytes). */
  secret: WebhookSecret;
  /** The message id; the same on every retry of one message. */
  id: string;
  /** Unix seconds. */
  timestamp: number;
  /** The body exactly as sent. */
  body: string | Uint8Array;
}

/** The three Standard Webhooks headers, lower-case. */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under `key`. */
export function webhookSignature(key: Uint8Array, id: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/**
 * The headers that sign `body`.
 *
 * @example
 * const headers = signWebhook({ secret: process.env.WEBHOOK_SECRET!, id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body });
 */
export function signWebhook(options: SignWebhookOptions): WebhookSignatureHeaders {
  const key = webhookSecretKey(options.secret);
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(options.timestamp),
    'webhook-signature': `v1,${webhookSignature(key, options.id, options.timestamp, options.body)}`,
  };
}
