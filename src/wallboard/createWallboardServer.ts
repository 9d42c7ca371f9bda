/**
 * A small `node:http` server for a live wallboard: the page, and a Server-Sent Events feed of the
 * stream's call events plus the aggregates computed from them.
 *
 * Event ids are `<instance>-<seq>`: `seq` grows by one per call event, and the instance part
 * changes when the server restarts, so a page that reconnects to a new process gets a fresh
 * snapshot instead of a replay of someone else's sequence.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'rxjs';
import { InvalidOptionError } from '../exotel/errors.js';
import type { CallStreamLike } from '../stream/types.js';
import { WallboardAggregates } from './WallboardAggregates.js';
import { ReplayBuffer } from './ReplayBuffer.js';
import { formatSse, parseEventId } from './sse.js';
import { wallboardCss, wallboardHtml } from './page.js';
import { browserScript } from './browserScript.js';
import type { BoardEvent, FeedStatus, WallboardSnapshot, WallboardStats, WallboardTheme } from './types.js';

/**
 * What the wallboard reads from a call stream: its events and its errors, and, where it has one,
 * `status()` (so that the board says "catching up" while missed history is still being read).
 */
export type WallboardSource = Pick<CallStreamLike, 'events$' | 'errors$'> & Partial<Pick<CallStreamLike, 'status'>>;

export interface WallboardServerOptions {
  /** The call stream to show. The server subscribes at once and never stops the stream itself. */
  stream: WallboardSource;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. Anything but loopback exposes the board to the network. @default '127.0.0.1' */
  host?: string;
  /** IANA zone that decides where "today" starts and how times are shown. @default 'Asia/Kolkata' */
  timeZone?: string;
  /** The clock (epoch ms). @default Date.now */
  now?: () => number;
  /** Heading of the page. @default 'Calls' */
  title?: string;
  /** ISO 4217 code of the account's billing currency, for the spend tile. @default 'INR' */
  currency?: string;
  /** BCP 47 locale the page formats numbers and times with. @default 'en-IN' */
  locale?: string;
  /** Interval of heartbeat messages; a page that hears nothing for 2.5 of them reconnects. @default 15_000 */
  heartbeatMs?: number;
  /** Interval of unsolicited stats pushes, so that "last 15 minutes" rolls on a quiet line. @default 5_000 */
  statsIntervalMs?: number;
  /** Stats after a burst of events are pushed once, this long after the first of them. @default 250 */
  statsDebounceMs?: number;
  /** How many call events are kept for pages that reconnect. @default 10_000 */
  replayBufferSize?: number;
  /** Reconnection delay the page's EventSource is told to use (`retry:`). @default 2_000 */
  retryMs?: number;
  /** How many recent calls the board lists. @default 12 */
  latestCount?: number;
  /** Mask customer numbers on the page. @default true */
  maskNumbers?: boolean;
  /** Colours: `dark`, `light`, or `auto` (the screen's preference); `?theme=` on the URL overrides. @default 'dark' */
  theme?: WallboardTheme;
  /** How long after a transient stream error the feed shows as `retrying`. @default 60_000 */
  retryingForMs?: number;
}

/** A running wallboard server. */
export interface WallboardServer {
  /** `http://<host>:<port>/`, the page's address. */
  readonly url: string;
  readonly port: number;
  /** Pages connected to the event feed right now. */
  readonly clients: number;
  /** The numbers the board shows, computed now. */
  stats(): WallboardStats;
  /** The feed state the board shows. */
  feed(): FeedStatus;
  /** Ends every page connection, unsubscribes from the stream and closes the server. */
  close(): Promise<void>;
}

// Slow pages are dropped past this much unsent data; they reconnect and get a replay or snapshot.
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

function intOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function stringOption(name: string, value: unknown, fallback: string, expected: string, valid: (v: string) => boolean): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !valid(value)) throw new InvalidOptionError(name, expected, value);
  return value;
}

function isObservableLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { subscribe?: unknown }).subscribe === 'function';
}

/**
 * Starts a wallboard server for `stream` and resolves once it listens.
 *
 * @example
 * const board = await createWallboardServer({ stream, port: 8080, timeZone: 'Asia/Kolkata' });
 * console.log(`wallboard at ${board.url}`);
 * // later
 * await board.close();
 * await stream.stop();
 */
export async function createWallboardServer(options: WallboardServerOptions): Promise<WallboardServer> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const { stream } = options;
  if (typeof stream !== 'object' || stream === null || !isObservableLike(stream.events$) || !isObservableLike(stream.errors$)) {
    throw new InvalidOptionError('stream', 'a call stream with `events$` and `errors$` observables', stream);
  }
  const port = intOption('port', options.port, 0, 0, 65_535);
  const host = stringOption('host', options.host, '127.0.0.1', 'a host name or IP address', (v) => v.length > 0 && !/[\s/]/.test(v));
  if (options.now !== undefined && typeof options.now !== 'function') throw new InvalidOptionError('now', 'a function returning epoch milliseconds', options.now);
  const now = options.now ?? Date.now;
  const title = stringOption('title', options.title, 'Calls', 'a string of 1 to 80 characters', (v) => v.length > 0 && v.length <= 80);
  const currency = stringOption('currency', options.currency, 'INR', 'an ISO 4217 code such as `INR`', (v) => /^[A-Z]{3}$/.test(v));
  const locale = stringOption('locale', options.locale, 'en-IN', 'a BCP 47 locale such as `en-IN`', (v) => {
    try {
      return Intl.getCanonicalLocales(v).length === 1;
    } catch {
      return false;
    }
  });
  const heartbeatMs = intOption('heartbeatMs', options.heartbeatMs, 15_000, 10, 3_600_000);
  const statsIntervalMs = intOption('statsIntervalMs', options.statsIntervalMs, 5_000, 10, 3_600_000);
  const statsDebounceMs = intOption('statsDebounceMs', options.statsDebounceMs, 250, 0, 60_000);
  const replayBufferSize = intOption('replayBufferSize', options.replayBufferSize, 10_000, 1, 1_000_000);
  const retryMs = intOption('retryMs', options.retryMs, 2_000, 10, 600_000);
  const retryingForMs = intOption('retryingForMs', options.retryingForMs, 60_000, 0, 86_400_000);
  const theme = stringOption('theme', options.theme, 'dark', "`'dark'`, `'light'` or `'auto'`", (v) => v === 'dark' || v === 'light' || v === 'auto') as WallboardTheme;
  if (stream.status !== undefined && typeof stream.status !== 'function') throw new InvalidOptionError('stream.status', 'a function (CallStream.status)', stream.status);
  const catchingUp = () => {
    try {
      return stream.status?.().catchingUp === true;
    } catch {
      return false;
    }
  };
  const aggregates = new WallboardAggregates({
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.latestCount === undefined ? {} : { latestCount: options.latestCount }),
    ...(options.maskNumbers === undefined ? {} : { maskNumbers: options.maskNumbers }),
  });

  const instance = randomBytes(5).toString('hex');
  const buffer = new ReplayBuffer<BoardEvent>(replayBufferSize);
  const clients = new Set<ServerResponse>();
  let seq = 0;
  let feed: FeedStatus = { state: 'live', since: now(), lastEventAt: null, lastError: null, catchingUp: false };
  let statsTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const setFeed = (state: FeedStatus['state'], at: number) => {
    if (feed.state !== state) feed = { ...feed, state, since: at };
  };
  const currentFeed = (): FeedStatus => {
    const at = now();
    // A transient fault is not reported as over; it just ages out when no new one comes.
    if (feed.state === 'retrying' && feed.lastError && at - feed.lastError.at >= retryingForMs) setFeed('live', at);
    return { ...feed, lastError: feed.lastError ? { ...feed.lastError } : null, catchingUp: catchingUp() };
  };
  const snapshot = (): WallboardSnapshot => ({
    seq,
    stats: aggregates.snapshot(now()),
    feed: currentFeed(),
    config: { title, currency, heartbeatMs, locale, retryMs, theme, latestCount: aggregates.latestCount },
  });

  const send = (res: ServerResponse, chunk: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(chunk);
    if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
  };
  const broadcast = (chunk: string) => {
    for (const res of clients) send(res, chunk);
  };
  const pushStats = () => {
    statsTimer = undefined;
    if (clients.size === 0) return;
    const { seq: at, stats, feed: f } = snapshot();
    broadcast(formatSse({ event: 'stats', data: { seq: at, stats, feed: f } }));
  };
  const scheduleStats = () => {
    if (statsTimer !== undefined || closed) return;
    statsTimer = setTimeout(pushStats, statsDebounceMs);
  };

  const subscriptions: Subscription[] = [];
  subscriptions.push(
    stream.events$.subscribe({
      next: (event) => {
        const at = now();
        const call = aggregates.apply(event, at);
        seq += 1;
        const boardEvent: BoardEvent = { seq, type: event.type, call };
        if (event.type === 'callUpdated') boardEvent.changes = event.changes.map(String);
        buffer.push(boardEvent);
        feed = { ...feed, lastEventAt: at };
        if (feed.state === 'retrying') setFeed('live', at);
        broadcast(formatSse({ id: `${instance}-${seq}`, event: 'call', data: boardEvent }));
        scheduleStats();
      },
      error: (error: unknown) => {
        const at = now();
        const e = error as { code?: unknown; status?: unknown };
        feed = {
          ...feed,
          lastError: { code: typeof e?.code === 'string' ? e.code : 'ERR_STREAM', status: typeof e?.status === 'number' ? e.status : null, at },
        };
        setFeed('down', at);
        scheduleStats();
      },
      complete: () => {
        if (feed.state !== 'down') setFeed('stopped', now());
        scheduleStats();
      },
    }),
  );
  subscriptions.push(
    stream.errors$.subscribe({
      next: (error) => {
        const at = now();
        // Only the stable code and status reach the page: messages and URLs stay on the server.
        feed = {
          ...feed,
          lastError: { code: typeof error?.code === 'string' ? error.code : 'ERR_STREAM', status: typeof error?.status === 'number' ? error.status : null, at },
        };
        if (error?.fatal) setFeed('down', at);
        else if (feed.state === 'live') setFeed('retrying', at);
        scheduleStats();
      },
      error: () => undefined,
    }),
  );

  const heartbeat = setInterval(() => {
    broadcast(formatSse({ event: 'heartbeat', data: { at: now(), seq } }));
  }, heartbeatMs);
  const statsInterval = setInterval(pushStats, statsIntervalMs);

  const headers = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
  const csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  const serveStatic = (res: ServerResponse, body: string, type: string, head: boolean) => {
    res.writeHead(200, {
      ...headers,
      'Content-Type': `${type}; charset=utf-8`,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache',
      ...(type === 'text/html' ? { 'Content-Security-Policy': csp } : {}),
    });
    res.end(head ? undefined : body);
  };
  const serveJson = (res: ServerResponse, status: number, value: unknown, head: boolean) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(head ? undefined : body);
  };

  const openEvents = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.write(`retry: ${retryMs}\n\n`);
    // EventSource sends the header on its own reconnects; a page that reopens the feed itself
    // (after its watchdog fired) passes the id in the query, since it cannot set headers.
    const header = req.headers['last-event-id'];
    const lastId = parseEventId((Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId'));
    const missed = lastId && lastId.instance === instance ? buffer.after(lastId.seq) : undefined;
    if (missed) {
      for (const event of missed) res.write(formatSse({ id: `${instance}-${event.seq}`, event: 'call', data: event }));
      const { seq: at, stats, feed: f } = snapshot();
      res.write(formatSse({ event: 'stats', data: { seq: at, stats, feed: f } }));
    } else {
      const snap = snapshot();
      res.write(formatSse({ id: `${instance}-${snap.seq}`, event: 'snapshot', data: snap }));
    }
    clients.add(res);
    const drop = () => clients.delete(res);
    res.on('close', drop);
    res.on('error', drop);
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    if (method !== 'GET' && !head) {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('Method Not Allowed');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://wallboard.invalid');
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return serveStatic(res, wallboardHtml, 'text/html', head);
      case '/wallboard.css':
        return serveStatic(res, wallboardCss, 'text/css', head);
      case '/wallboard.js':
        return serveStatic(res, browserScript(), 'text/javascript', head);
      case '/api/snapshot':
        return serveJson(res, 200, snapshot(), head);
      case '/healthz':
        return serveJson(res, 200, { ok: true, feed: currentFeed(), clients: clients.size, seq }, head);
      case '/favicon.ico':
        // Browsers ask for it; an empty answer keeps their consoles clean.
        res.writeHead(204, headers);
        res.end();
        return;
      case '/events':
        if (head || closed) {
          res.writeHead(head ? 200 : 503, { ...headers, 'Content-Type': 'text/event-stream' });
          res.end();
          return;
        }
        return openEvents(req, res, url);
      default:
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not Found');
    }
  });
  server.keepAliveTimeout = 5_000;

  const teardown = () => {
    closed = true;
    clearInterval(heartbeat);
    clearInterval(statsInterval);
    if (statsTimer !== undefined) clearTimeout(statsTimer);
    for (const s of subscriptions) s.unsubscribe();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    teardown();
    throw error;
  }
  const address = server.address() as AddressInfo;
  // A wildcard address is not something to open in a browser; name this machine instead.
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const urlHost = host === 'localhost' || wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}/`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    get clients() {
      return clients.size;
    },
    stats: () => aggregates.snapshot(now()),
    feed: currentFeed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        teardown();
        for (const res of clients) res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
