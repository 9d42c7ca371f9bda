/**
 * The simulator over `node:http`: each request is answered by the pipeline (`respond`), a reset
 * fault destroys the socket, a truncated one promises the whole body and sends half of it; a body
 * goes out compressed when the answer has an `encoding`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidOption } from './options.js';
import { contentType, renderError } from './render.js';
import type { Outcome } from './respond.js';
import type { SimulatorRequest } from './types.js';
import { encodeBody, encodedHeaders } from './wireEncoding.js';

export class SimulatorServer {
  readonly #respond: (req: SimulatorRequest, signal: AbortSignal) => Promise<Outcome>;
  #server: Server | undefined;
  #url: string | undefined;

  constructor(respond: (req: SimulatorRequest, signal: AbortSignal) => Promise<Outcome>) {
    this.#respond = respond;
  }

  async listen(options: { host?: string; port?: number } = {}): Promise<{ url: string }> {
    if (this.#server) throw new Error('The simulator is already listening');
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 0;
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw invalidOption('port', 'an integer from 0 to 65535', port);
    const s = createServer({ keepAlive: true }, (req, res) => this.#onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.#server = s;
    const address = s.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${shownHost}:${address.port}`;
    return { url: this.#url };
  }

  get url(): string {
    if (!this.#url) throw new Error('The simulator is not listening: call `listen()` first');
    return this.#url;
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    this.#server = undefined;
    this.#url = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    // A client that goes away (an abort, a timeout) ends a delay held for it.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    this.#respond({ method: req.method ?? 'GET', url: req.url ?? '/', headers }, gone.signal).then(
      (out) => {
        if (out.reset) {
          req.socket.destroy();
          return;
        }
        const body = encodeBody(out.body, out.encoding);
        res.writeHead(out.status, { ...encodedHeaders(out.headers, out.encoding), 'content-length': String(body.length) });
        if (req.method === 'HEAD') {
          res.end();
        } else if (out.truncateAt !== undefined) {
          // Promise the whole body, send half, then cut the connection.
          res.write(body.subarray(0, out.encoding === undefined ? out.truncateAt : Math.floor(body.length / 2)), () => res.destroy());
        } else {
          res.end(body);
        }
      },
      (error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        const body = renderError('json', 500, `Simulator failure: ${message}`);
        res.writeHead(500, { 'content-type': contentType('json'), 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      },
    );
  }
}
