/**
 * A receiver for the forwarder's webhooks: verifies the Standard Webhooks signature with the
 * package's `verifyWebhookSignature` (constant-time; stale or future timestamps refused), and
 * processes each idempotency key (`webhook-id`) once. A repeat of a processed key is
 * answered 200 without running the handler again, so that a forwarder whose earlier 2xx was lost
 * stops retrying; a repeat while the first is still being handled gets 409 (retry later).
 *
 * Keys are remembered in memory, bounded by count. A real receiver records the key in the same
 * database transaction as the effect of the event.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidOptionError, verifyWebhookSignature } from 'exotel-call-stream';
import type { EventBody, WebhookSecret } from 'exotel-call-stream';

export interface WebhookReceiverOptions {
  /** The shared secret (`whsec_<base64>` or the key itself), or several while rotating. */
  secret: WebhookSecret | WebhookSecret[];
  /** Handles one event; throw to answer 500 (the forwarder retries). */
  onEvent: (event: EventBody) => void | Promise<void>;
  /** Largest accepted age (and clock lead) of a signature timestamp, in seconds. @default 300 */
  toleranceSec?: number;
  /** How many processed keys are remembered. @default 100_000 */
  rememberKeys?: number;
  /** Largest accepted body. @default 1_048_576 */
  maxBodyBytes?: number;
  /** The clock (epoch ms). @default Date.now */
  now?: () => number;
}

export interface ReceiverCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface WebhookReceiver {
  /** The request handler, to mount in an existing `node:http` server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** What was accepted, answered as a duplicate, or rejected. */
  readonly counts: Readonly<ReceiverCounts>;
  /** Starts a server on `host:port` (loopback, any free port by default). */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; close(): Promise<void> }>;
}

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  // Checked once here (a bad secret throws an error naming it), not at the first request.
  verifyWebhookSignature({ headers: {}, body: '', secret: secrets });
  if (typeof options.onEvent !== 'function') throw new InvalidOptionError('onEvent', 'a function', options.onEvent);
  const toleranceSec = options.toleranceSec ?? 300;
  if (!Number.isInteger(toleranceSec) || toleranceSec < 1 || toleranceSec > 86_400) {
    throw new InvalidOptionError('toleranceSec', 'an integer from 1 to 86400', toleranceSec);
  }
  const rememberKeys = options.rememberKeys ?? 100_000;
  if (!Number.isInteger(rememberKeys) || rememberKeys < 1) throw new InvalidOptionError('rememberKeys', 'a positive integer', rememberKeys);
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new InvalidOptionError('maxBodyBytes', 'a positive integer', maxBodyBytes);
  const now = options.now ?? Date.now;

  const processed = new Set<string>();
  const inProgress = new Set<string>();
  const counts: ReceiverCounts = { accepted: 0, duplicates: 0, rejected: 0 };

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    if (status >= 400 && status !== 409) counts.rejected += 1;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const remember = (key: string) => {
    processed.add(key);
    if (processed.size > rememberKeys) {
      const oldest = processed.values().next().value;
      if (oldest !== undefined) processed.delete(oldest);
    }
  };

  const handleBody = async (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const verdict = verifyWebhookSignature({ headers: req.headers, body: raw, secret: secrets, now: now(), toleranceSec });
    if (!verdict.ok) return answer(res, 401, { error: 'signature', reason: verdict.reason });
    let event: EventBody;
    try {
      event = JSON.parse(raw.toString('utf8')) as EventBody;
    } catch {
      return answer(res, 400, { error: 'body is not JSON' });
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.call !== 'object') {
      return answer(res, 400, { error: 'body is not a call event' });
    }
    // `webhook-id` is signed (and so is the body's `id`): they must agree.
    if (verdict.id !== event.id) return answer(res, 400, { error: 'webhook-id does not match the id in the body' });
    if (processed.has(event.id)) {
      counts.duplicates += 1;
      return answer(res, 200, { status: 'duplicate', id: event.id });
    }
    if (inProgress.has(event.id)) return answer(res, 409, { status: 'in progress', id: event.id });
    inProgress.add(event.id);
    try {
      await options.onEvent(event);
      remember(event.id);
      counts.accepted += 1;
      answer(res, 200, { status: 'accepted', id: event.id });
    } catch {
      answer(res, 500, { error: 'handler failed' });
    } finally {
      inProgress.delete(event.id);
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' });
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return answer(res, 413, { error: 'body too large' });
      void handleBody(req, res, Buffer.concat(chunks)).catch(() => answer(res, 500, { error: 'internal' }));
    });
    req.on('error', () => res.destroy());
  };

  return {
    handle,
    counts,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      const server = createServer(handle);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      return {
        url: `http://${host}:${address.port}/`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
  };
}
