/**
 * A tiny real HTTP server on 127.0.0.1 whose answers a test scripts one request at a time.
 */
import { createServer } from 'node:http';
import { afterEach, beforeEach } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ScriptedServer {
  url: string;
  requests: SeenRequest[];
  /** Answers the next request with `handler` (then the next queued one, and so on). */
  next(...handlers: Handler[]): void;
  /** Answers requests when the script is empty. */
  fallback: Handler;
  close(): Promise<void>;
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

export const raw =
  (status: number, text: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };

/** Promises a long body, sends part of it, then cuts the connection. */
export const truncated: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"Metadata":{"Total":3},"Calls":[{"Sid":"a"');
  setImmediate(() => res.socket?.destroy());
};

/** Never answers (until the server closes). */
export const silent: Handler = () => undefined;

export async function startServer(): Promise<ScriptedServer> {
  const queue: Handler[] = [];
  const requests: SeenRequest[] = [];
  const state: ScriptedServer = {
    url: '',
    requests,
    next: (...handlers) => queue.push(...handlers),
    fallback: json(500, { RestException: { Status: 500, Message: 'unscripted request' } }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const handler = queue.shift() ?? state.fallback;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A list body as Exotel sends it. */
export function listBody(sids: string[], next: string | null | undefined, options: { topLevel?: boolean; total?: number } = {}): unknown {
  const calls = sids.map((sid, i) => ({
    Sid: sid,
    DateCreated: `2025-01-15 10:00:${String(i % 60).padStart(2, '0')}`,
    Status: 'completed',
    Duration: '10',
    Price: '0.5',
  }));
  const meta: Record<string, unknown> = { Total: options.total ?? sids.length, PageSize: sids.length };
  if (options.topLevel) return { Metadata: meta, Calls: calls, ...(next === undefined ? {} : { NextPageUri: next }) };
  return { Metadata: { ...meta, ...(next === undefined ? {} : { NextPageUri: next }) }, Calls: calls };
}

/** A fresh scripted server for each test, and the clients to close after it (closed first). */
export interface ServerPerTest {
  readonly server: ScriptedServer;
  readonly clients: Array<{ close(): Promise<void> }>;
}

/**
 * Starts a scripted server before each test of the file or `describe` block it is called in, and
 * after each test closes the clients pushed to `clients`, then the server.
 */
export function serverPerTest(): ServerPerTest {
  let server: ScriptedServer | undefined;
  const clients: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.close();
  });
  return {
    get server(): ScriptedServer {
      if (server === undefined) throw new Error('serverPerTest: the server starts before each test');
      return server;
    },
    clients,
  };
}
