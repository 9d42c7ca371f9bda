import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { bareEnv, parseNdjson, simEnv, startCli } from './helpers.js';

let sim: Simulator;
let url: string;
beforeAll(async () => {
  sim = createSimulator({ traffic: { callsPerMinute: 60, startAt: Date.now() - 600_000 }, settleDelayMs: 500 });
  ({ url } = await sim.listen());
});
afterAll(async () => {
  await sim.close();
});

describe('demo', () => {
  it('streams a simulated busy account, prints live events and serves the wallboard, then exits by itself', async () => {
    const run = startCli(
      ['demo', '--duration', '8s', '--port', '0', '--host', '127.0.0.1', '--title', 'Floor 2', '--theme', 'light', '--calls-per-minute', '600', '--history', '5m', '--settle-delay', '0s-1s', '--lookback', '10m'],
      { env: bareEnv() },
    );
    await run.waitFor(({ stderr }) => /wallboard at http:\/\/127\.0\.0\.1:\d+/.test(stderr), 20_000);
    const boardUrl = /wallboard at (http:\/\/127\.0\.0\.1:\d+\/?)/.exec(run.stderr())![1]!;
    const page = await fetch(boardUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    await page.arrayBuffer();
    const snapshot = (await (await fetch(new URL('api/snapshot', boardUrl))).json()) as { config: { title: string; theme: string } };
    expect(snapshot.config).toMatchObject({ title: 'Floor 2', theme: 'light' });
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/streaming simulated account acme1 at http:\/\/127\.0\.0\.1:\d+ \(600 calls\/minute since 5 minutes ago/);
    const events = parseNdjson(result.stdout);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(['callCompleted', 'callFailed', 'callUpdated']).toContain(e.type);
  });

  it('streams the account named by EXOTEL_* instead of simulating', async () => {
    const run = startCli(['demo', '--duration', '2s', '--no-wallboard', '--poll-interval', '1s'], { env: simEnv({ EXOTEL_BASE_URL: url }) });
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`streaming account acme1 at ${url}`);
    expect(result.stderr).not.toContain('wallboard at');
  });
});
