import type Bottleneck from 'bottleneck';
import { isExotelError } from '../exotel/errors.js';
import { clientConnection, type Connection } from './connection.js';

/** Failures the stream itself rides out: the probe reports them and lets the command go on. */
const TRANSIENT = new Set(['ERR_EXOTEL_SERVER', 'ERR_EXOTEL_RATE_LIMITED', 'ERR_EXOTEL_MALFORMED_RESPONSE', 'ERR_EXOTEL_HTTP']);

/**
 * One small request before streaming, so that bad credentials (exit 3) and an unreachable API
 * (exit 4) end the command at once with a clear message, instead of surfacing later as retries
 * on the error stream. Costs one request of the quota (of `limiter`'s, when given: a shared
 * quota). A server error or a 429 is only a warning: the stream retries those itself.
 */
export async function probeApi(connection: Connection, timeZone: string, nowMs: number, warn?: (message: string) => void, limiter?: Bottleneck): Promise<void> {
  const { ExotelClient } = await import('../exotel/ExotelClient.js');
  const client = new ExotelClient({
    ...clientConnection(connection),
    timeZone,
    // Fail in a second or two, not after the long backoff a stream uses.
    retries: 2,
    retryMinTimeoutMs: 250,
    retryMaxTimeoutMs: 1_000,
    connectTimeoutMs: 5_000,
    ...(limiter === undefined ? {} : { limiter }),
  });
  try {
    await client.listPage({ dateCreated: { gte: nowMs - 60_000, lte: nowMs }, pageSize: 1 });
  } catch (error) {
    if (isExotelError(error) && TRANSIENT.has(error.code)) {
      warn?.(`the API answered the first request with an error (${error.message}); the stream will retry.`);
      return;
    }
    throw error;
  } finally {
    await client.close();
  }
}
