/**
 * A port of its own for Exotel's StatusCallbacks (`hints.port`), for a service whose /metrics stay
 * private while the callbacks come from outside: `path` and below go to the handler, the rest 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startCallbackServer(options: { host: string; port: number; path: string; handler: (req: IncomingMessage, res: ServerResponse) => void }): Promise<CallbackServer> {
  const server: Server = createServer((req, res) => {
    let path: string | undefined;
    try {
      path = new URL(req.url ?? '/', 'http://service.invalid').pathname;
    } catch {
      path = undefined;
    }
    if (path !== undefined && (path === options.path || path.startsWith(`${options.path}/`))) {
      options.handler(req, res);
      return;
    }
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
  });
  server.keepAliveTimeout = 5_000;
  // A body that stalls is answered by the handler's own timeout; this bounds what is left.
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}${options.path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
