/**
 * A live wallboard on simulated traffic: the Exotel simulator generating calls, a call stream
 * polling it, and the wallboard server showing the result.
 *
 *   npx tsx examples/wallboard/index.ts            # prints the URL; Ctrl-C stops
 *   PORT=8080 CALLS_PER_MINUTE=40 npx tsx examples/wallboard/index.ts
 *
 * Against a real account, replace the simulator with your credentials:
 *   createCallStream({ accountSid, apiKey, apiToken, subdomain: 'api.in.exotel.com' })
 */
import { pathToFileURL } from 'node:url';
import { createCallStream, createWallboardServer } from 'exotel-call-stream';
import { createSimulator } from 'exotel-call-stream/simulator';

export interface WallboardDemoOptions {
  /** Port of the wallboard. @default 0 (any free port) */
  port?: number;
  /** Simulated calls started per minute. @default 20 */
  callsPerMinute?: number;
  /** How often the stream polls the simulator. @default 2_000 */
  pollIntervalMs?: number;
  /** Seed of the simulated world. @default 1 */
  seed?: number;
}

export interface WallboardDemo {
  url: string;
  simulatorUrl: string;
  close(): Promise<void>;
}

/** Starts simulator, stream and wallboard; `close()` stops all three. */
export async function startWallboardDemo(options: WallboardDemoOptions = {}): Promise<WallboardDemo> {
  const now = Date.now();
  const sim = createSimulator({
    seed: options.seed ?? 1,
    // Three hours of history, so that the board opens on a full last hour.
    traffic: { callsPerMinute: options.callsPerMinute ?? 20, startAt: now - 3 * 3600_000, mix: { meanTalkSec: 45, longShare: 0, veryLongShare: 0 } },
    // Quicker than the real API (1 to 3 minutes), so that calls show up soon after they end.
    settleDelayMs: { min: 2_000, max: 10_000 },
    rateLimit: false,
  });
  const { url: simulatorUrl } = await sim.listen();
  const stream = createCallStream({
    accountSid: 'acme1',
    apiKey: 'sim-key',
    apiToken: 'sim-token',
    baseUrl: simulatorUrl,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    settleMs: 30_000,
    lookbackMs: 2 * 3600_000,
    timeZone: 'Asia/Kolkata',
    maxRequestsPerMinute: 1_000,
  });
  const board = await createWallboardServer({ stream, port: options.port ?? 0, timeZone: 'Asia/Kolkata', title: 'Simulated contact centre' });
  return {
    url: board.url,
    simulatorUrl,
    async close() {
      await board.close();
      await stream.stop();
      await sim.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = process.env.PORT === undefined ? 0 : Number(process.env.PORT);
  const callsPerMinute = process.env.CALLS_PER_MINUTE === undefined ? undefined : Number(process.env.CALLS_PER_MINUTE);
  const demo = await startWallboardDemo({ port, ...(callsPerMinute === undefined ? {} : { callsPerMinute }) });
  console.log(`Wallboard: ${demo.url}`);
  console.log(`(simulated Exotel API at ${demo.simulatorUrl}; Ctrl-C to stop)`);
  const stop = () => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
