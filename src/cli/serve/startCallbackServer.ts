/**
 * A port of its own for Exotel's StatusCallbacks (`hints.port`), for a service whose /metrics stay
 * private while the callbacks come from outside: `path` and below go to the handler, the rest 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenHttp, type ListeningServer } from './listenHttp.js';

/** The StatusCallback endpoint, listening. */
export type CallbackServer = ListeningServer;

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
  // A body that stalls is answered by the handler's own timeout; this bounds what is left.
  server.requestTimeout = 15_000;
  return listenHttp(server, options);
}
