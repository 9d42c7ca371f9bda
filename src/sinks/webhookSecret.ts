/**
 * Webhook secrets as the Standard Webhooks specification writes them: `whsec_<base64>` (the key is
 * the decoded bytes), or the key itself as a string or bytes. At least 16 bytes of key.
 */
import { InvalidOptionError } from '../exotel/errors.js';

/** A secret in either form. */
export type WebhookSecret = string | Uint8Array;

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key of `secret`; throws an `InvalidOptionError` naming `option` (never showing the secret). */
export function webhookSecretKey(secret: unknown, option = 'secret'): Buffer {
  let key: Buffer | undefined;
  if (typeof secret === 'string') {
    if (secret.startsWith(PREFIX)) {
      const text = secret.slice(PREFIX.length);
      if (BASE64.test(text) && text.length % 4 === 0) key = Buffer.from(text, 'base64');
    } else {
      key = Buffer.from(secret, 'utf8');
    }
  } else if (secret instanceof Uint8Array) {
    key = Buffer.from(secret);
  }
  if (key === undefined || key.length < 16) {
    const shown = typeof secret === 'string' ? `a string of ${secret.length} characters` : secret instanceof Uint8Array ? `${secret.length} bytes` : secret;
    throw new InvalidOptionError(option, 'a secret of at least 16 bytes: `whsec_<base64>` (Standard Webhooks) or the key as a string or bytes', shown);
  }
  return key;
}
