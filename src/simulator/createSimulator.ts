/**
 * The Exotel API simulator, wired the way undici's MockAgent is: a world of calls on a clock
 * (`SimulatedWorld`), scripted faults matched like interceptors (`FaultBook`, `faultEffects`), a
 * request history (`RequestHistory`), route and auth matching (`matchRequest`), the request
 * pipeline (`respond`, `handlers`) and the HTTP server (`SimulatorServer`); or `handle()`
 * without a socket. Exotel's push, its status callbacks, comes from `StatusCallbackSender`.
 */
import { FaultBook } from './faults.js';
import { resolveOptions } from './options.js';
import { hash32, mulberry32 } from './random.js';
import { RateWindow } from './rateWindow.js';
import { RequestHistory } from './RequestHistory.js';
import { respond } from './respond.js';
import type { SimulatorParts } from './respond.js';
import { SimulatedWorld } from './SimulatedWorld.js';
import { SimulatorResetError } from './SimulatorResetError.js';
import { SimulatorServer } from './SimulatorServer.js';
import { StatusCallbackSender } from './StatusCallbackSender.js';
import { resolveStatusCallbacks } from './statusCallbackOptions.js';
import type { FaultSpec, Simulator, SimulatorOptions, SimulatorRequest, SimulatorResponse } from './types.js';

/**
 * Creates a simulator of Exotel's Bulk Call Details API.
 *
 * @example
 * const sim = createSimulator({ clock: { now: () => t }, traffic: { callsPerMinute: 60 } });
 * const { url } = await sim.listen();
 * // GET `${url}/v1/Accounts/acme1/Calls.json` with Basic auth `sim-key:sim-token`
 * await sim.close();
 */
export function createSimulator(options?: SimulatorOptions): Simulator {
  const opts = resolveOptions(options);
  // Checked apart from the rest (which only admits the key), after the clock it defaults from.
  const statusCallbacks = resolveStatusCallbacks(options?.statusCallbacks, opts.clock.now());
  const faultRandom = mulberry32(hash32(opts.seed, 0xfa17));
  const parts: SimulatorParts = {
    opts,
    world: new SimulatedWorld(opts),
    faults: new FaultBook(faultRandom),
    faultRandom,
    rate: new RateWindow(),
    history: new RequestHistory(opts.historyLimit),
    byKey: new Map(opts.accounts.map((a) => [a.apiKey, a])),
    lastTarget: undefined,
  };
  // Requests in progress: close() ends the delays they wait on.
  const pending = new Set<AbortController>();
  const answer = async (req: SimulatorRequest, signal?: AbortSignal) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    pending.add(controller);
    try {
      return await respond(parts, req, controller.signal);
    } finally {
      pending.delete(controller);
      signal?.removeEventListener('abort', abort);
    }
  };
  const server = new SimulatorServer(answer);
  const callbacks = new StatusCallbackSender(opts, statusCallbacks, parts.world);

  async function handle(req: SimulatorRequest): Promise<SimulatorResponse> {
    const out = await answer(req, req.signal);
    if (out.reset) throw new SimulatorResetError(String(req.method ?? 'GET').toUpperCase(), new URL(req.url, 'http://simulator.invalid').pathname);
    const encoding = out.encoding === undefined ? {} : { encoding: out.encoding };
    if (out.truncateAt !== undefined) {
      return { status: out.status, headers: out.headers, body: Buffer.from(out.body).subarray(0, out.truncateAt).toString('utf8'), ...encoding };
    }
    return { status: out.status, headers: out.headers, body: out.body, ...encoding };
  }

  return {
    listen: (listenOptions) => server.listen(listenOptions),
    get url(): string {
      return server.url;
    },
    async close() {
      callbacks.close();
      for (const controller of pending) controller.abort();
      await server.close();
    },
    handle,
    addCall: (spec) => parts.world.addCall(spec),
    calls: (range = {}) => parts.world.calls(range, opts.clock.now()),
    call: (sid) => parts.world.call(sid, opts.clock.now()),
    inject(fault: FaultSpec) {
      parts.faults.add(fault);
    },
    clearFaults() {
      parts.faults.clear();
    },
    pendingFaults() {
      return parts.faults.pending();
    },
    assertNoPendingFaults() {
      const left = parts.faults.unfinished(parts.lastTarget);
      if (left.length > 0) throw new Error(`${left.length} fault(s) did not hit:\n${left.map((l) => `- ${l}`).join('\n')}`);
    },
    history: parts.history.records,
    rateStats() {
      return { total: parts.rate.total, rejected: parts.rate.rejected, maxInAnyWindow: parts.rate.maxInAnyWindow };
    },
    callbacks,
  };
}
