/**
 * The rule of a status-callback secret, for the receiver and for `serve`'s configuration: long
 * enough not to be guessed, and able to stand as a path segment or a query value unescaped. The
 * value is never shown, only what is wrong with it.
 */
import { InvalidOptionError } from '../exotel/errors.js';

/** Throws an `InvalidOptionError` naming `name` unless `value` can be a callback secret. */
export function assertCallbackSecret(name: string, value: unknown): asserts value is string {
  if (typeof value === 'string' && value.length >= 16 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value) && !/[/?#&%+=]/.test(value)) return;
  const shown = typeof value === 'string' && value !== '' ? `<redacted string of ${value.length} characters>` : value;
  throw new InvalidOptionError(name, 'a string of 16 to 256 printable characters without spaces, `/`, `?`, `#`, `&`, `%`, `+` or `=`', shown);
}
