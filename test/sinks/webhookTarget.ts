// A target in front of a webhook receiver that can be taken down (503s or dropped connections)
// and that records every attempt it sees.
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import type { WebhookReceiver } from '../../examples/webhook-forwarder/createWebhookReceiver.js';

export interface Attempt {
  key: string;
  signature: string;
  body: string;
  outcome: 'down-503' | 'down-drop' | 'hang' | 'passed';
}

export interface Target {
  readonly url: string;
  readonly attempts: Attempt[];
  /** `hang`: read the request, never answer. */
  mode: 'up' | 'down-503' | 'down-drop' | 'hang';
  /** Answers the next requests with this status (and headers) instead, once each. */
  script: Array<{ status: number; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startTarget(receiver: WebhookReceiver): Promise<Target> {
  const attempts: Attempt[] = [];
  const target = {
    attempts,
    mode: 'up' as Target['mode'],
    script: [] as Target['script'],
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const attempt = {
        key: String(req.headers['idempotency-key']),
        signature: String(req.headers['webhook-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (target.mode === 'hang') {
        attempts.push({ ...attempt, outcome: 'hang' });
        return;
      }
      if (target.mode === 'down-drop') {
        attempts.push({ ...attempt, outcome: 'down-drop' });
        req.socket.destroy();
        return;
      }
      if (target.mode === 'down-503') {
        attempts.push({ ...attempt, outcome: 'down-503' });
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end('maintenance');
        return;
      }
      const scripted = target.script.shift();
      if (scripted) {
        attempts.push({ ...attempt, outcome: 'down-503' });
        res.writeHead(scripted.status, scripted.headers);
        res.end();
        return;
      }
      attempts.push({ ...attempt, outcome: 'passed' });
      // Hand the already-read body to the receiver through a replayed request.
      receiver.handle(Object.assign(Readable.from([Buffer.concat(chunks)]), { method: req.method, headers: req.headers }) as never, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
