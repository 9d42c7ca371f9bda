import { CallStream } from './CallStream.js';
import type { CallStreamOptions } from './types.js';

/**
 * Creates a live stream of an account's calls from Exotel's Bulk Call Details API. Options are
 * validated here: a rejected one throws an `InvalidOptionError` naming it and the value received.
 * Nothing is requested until the first subscription, listener or `start()`.
 *
 * @example
 * const stream = createCallStream({ accountSid: 'acme1', subdomain: 'api.in.exotel.com' });
 * stream.callCompleted$.subscribe((call) => console.log(call.sid, call.duration));
 * // later
 * await stream.stop();
 */
export function createCallStream(options: CallStreamOptions): CallStream {
  return new CallStream(options);
}
