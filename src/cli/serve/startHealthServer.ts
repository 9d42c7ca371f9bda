/**
 * The service's HTTP port: `/healthz` (the process lives and serves), `/readyz` (polling and within
 * its lag bound; 503 otherwise) and `/metrics` (Prometheus text).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenHttp, type ListeningServer } from './listenHttp.js';
import type { CallStreamStatus } from '../../stream/types.js';
import type { Readiness } from './readiness.js';
import type { ServiceMetrics } from './createServiceMetrics.js';

export interface HealthServerOptions {
  host: string;
  port: number;
  status: () => CallStreamStatus;
  readiness: () => Readiness;
  metrics: ServiceMetrics;
  /** A handler for POSTs to `path` and below it (Exotel's StatusCallbacks), on this port. */
  callbacks?: { path: string; handler: (req: IncomingMessage, res: ServerResponse) => void } | undefined;
}

/** The health port, listening. */
export type HealthServer = ListeningServer;

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://service.invalid').pathname;
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad Request\n');
      return;
    }
    const callbacks = options.callbacks;
    if (callbacks && (path === callbacks.path || path.startsWith(`${callbacks.path}/`))) {
      callbacks.handler(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const { phase } = options.status();
      // A failed stream ends the process soon: say so instead of "alive".
      json(res, phase === 'failed' ? 503 : 200, { status: phase === 'failed' ? 'failed' : 'ok', phase });
      return;
    }
    if (path === '/readyz') {
      const verdict = options.readiness();
      const s = options.status();
      json(res, verdict.ready ? 200 : 503, {
        ready: verdict.ready,
        reason: verdict.reason,
        phase: s.phase,
        lagMs: s.lagMs,
        catchingUp: s.catchingUp,
        heldCalls: s.heldCalls,
        lastReadAt: s.lastReadAt === null ? null : new Date(s.lastReadAt).toISOString(),
      });
      return;
    }
    if (path === '/metrics') {
      options.metrics.render().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`# metrics failed: ${(error as Error).message}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found: /healthz, /readyz, /metrics\n');
  });
  return listenHttp(server, { host: options.host, port: options.port, path: '/' });
}
