import { Dispatcher, errors } from 'undici';
import type { Simulator } from './types.js';
import { encodeBody, encodedHeaders } from './wireEncoding.js';

type AnyHandler = Record<string, ((...args: unknown[]) => unknown) | undefined>;

function headerRecord(headers: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === 'object') {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
  }
  return out;
}

/**
 * An undici Dispatcher that answers every request with `sim.handle()` in this process: the whole
 * client (limiter, retries, paging, body parsing) runs as it would over a socket, without the
 * socket's cost, and without `listen()`. A `reset` fault surfaces as a connection reset. Pass it
 * as the `dispatcher` option of `createCallStream` or `ExotelClient` (with any `baseUrl`, e.g.
 * `http://127.0.0.1:1`): hours of an account under fake timers run in seconds.
 *
 * @example
 * const sim = createSimulator({ traffic: { callsPerMinute: 100 } });
 * const stream = createCallStream({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token',
 *   baseUrl: 'http://127.0.0.1:1', dispatcher: new SimulatorDispatcher(sim) });
 */
export class SimulatorDispatcher extends Dispatcher {
  readonly #sim: Simulator;
  #closed = false;

  constructor(sim: Simulator) {
    super();
    this.#sim = sim;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as unknown as AnyHandler;
    const modern = typeof h.onRequestStart === 'function';
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Tells the simulator the request is gone, so that a delay held for it ends.
    const gone = new AbortController();
    const fail = (error: Error) => {
      clearTimeout(timer);
      gone.abort();
      if (done) return;
      done = true;
      if (modern) h.onResponseError?.(controller, error);
      else h.onError?.(error);
    };
    const controller = {
      aborted: false,
      paused: false,
      reason: null as unknown,
      abort(reason: unknown) {
        controller.aborted = true;
        controller.reason = reason;
        fail(reason instanceof Error ? reason : new Error('aborted'));
      },
      pause() {},
      resume() {},
    };
    if (modern) h.onRequestStart?.(controller, {});
    else h.onConnect?.((reason: unknown) => controller.abort(reason), {});

    // As a socket would: an answer later than `headersTimeout` fails the request (a `delay` fault
    // longer than the client's timeout must time out here too, not answer late).
    const headersTimeout = options.headersTimeout;
    if (typeof headersTimeout === 'number' && headersTimeout > 0) timer = setTimeout(() => fail(new errors.HeadersTimeoutError()), headersTimeout);
    const closed = this.#closed;
    void (async () => {
      if (closed) throw Object.assign(new Error('The dispatcher is closed'), { code: 'UND_ERR_DESTROYED' });
      const response = await this.#sim.handle({ method: options.method, url: options.path, headers: headerRecord(options.headers), signal: gone.signal });
      clearTimeout(timer);
      if (done) return;
      // On the wire, as the HTTP server sends it: compressed when the answer says so.
      const body = encodeBody(response.body, response.encoding);
      const headers = encodedHeaders(response.headers, response.encoding);
      if (modern) {
        h.onResponseStart?.(controller, response.status, headers, '');
        if (done) return;
        h.onResponseData?.(controller, body);
        done = true;
        h.onResponseEnd?.(controller, {});
      } else {
        const raw: Buffer[] = [];
        for (const [k, v] of Object.entries(headers)) raw.push(Buffer.from(k), Buffer.from(v));
        h.onHeaders?.(response.status, raw, () => {}, '');
        if (done) return;
        h.onData?.(body);
        done = true;
        h.onComplete?.([]);
      }
    })().catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      // The simulator's reset has no socket to reset: report it as one.
      if ((e as { code?: unknown }).code === undefined) Object.assign(e, { code: 'ECONNRESET' });
      fail(e);
    });
    return true;
  }

  override async close(): Promise<void> {
    this.#closed = true;
  }

  override async destroy(): Promise<void> {
    this.#closed = true;
  }
}
