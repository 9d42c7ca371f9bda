/**
 * One place for how `serve`'s HTTP servers listen and close: the health port and the
 * StatusCallback endpoint.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening server: its URL (at `path`) and how to close it, open connections too. */
export interface ListeningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: a free one); the URL names `localhost` for a wildcard host. */
export async function listenHttp(server: Server, options: { host: string; port: number; path: string }): Promise<ListeningServer> {
  server.keepAliveTimeout = 5_000;
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
