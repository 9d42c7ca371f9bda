import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { createSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';
import { SIM_ACCOUNT, expectedType } from './harness.js';

// Real time and real sockets: the calls are in the past, so the first cycles find them at once.
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const handles = () =>
  process
    .getActiveResourcesInfo()
    .filter((type) => type !== 'TTYWrap' && type !== 'PipeWrap' && type !== 'ProcessWrap')
    .sort();

describe('over real loopback sockets', () => {
  it('emits settled calls, authenticates in the header only, and leaves no handle behind after stop()', async () => {
    const baseline = handles();
    sim = createSimulator({ seed: 5, settleDelayMs: 10_000 });
    const { url } = await sim.listen();
    const now = Date.now();
    const truth = [
      sim.addCall({ startAt: now - 12 * 60_000, talkMs: 45_000 }),
      sim.addCall({ startAt: now - 8 * 60_000, status: 'no-answer' }),
      sim.addCall({ startAt: now - 5 * 60_000, talkMs: 10_000 }),
    ];
    const stream = createCallStream({ ...SIM_ACCOUNT, baseUrl: url, pollIntervalMs: 1_000, lookbackMs: 15 * 60_000, settleMs: 60_000, details: true });
    const events = await firstValueFrom(stream.events$.pipe(take(3), toArray()));
    await stream.stop();
    await sim.close();

    expect(events.map((e) => [e.call.sid, e.type]).sort()).toEqual(truth.map((t) => [t.sid, expectedType(t)]).sort());
    for (const e of events) {
      expect(e.call.duration).not.toBeNull();
      expect(e.call.raw.Sid).toBe(e.call.sid);
    }
    expect(sim.history.every((r) => r.status === 200)).toBe(true);
    expect(sim.history.every((r) => r.query.details === 'true')).toBe(true);
    expect(JSON.stringify(sim.history)).not.toContain('sim-token');
    sim = undefined;
    // Closed handles leave the list on the next turns of the event loop.
    for (let i = 0; i < 20 && handles().some((type) => type.startsWith('TCP')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    // Sockets, server and timers are all gone.
    const left = handles();
    expect(left.filter((type) => type.startsWith('TCP'))).toEqual([]);
    expect(left.filter((type) => type === 'Timeout').length).toBeLessThanOrEqual(baseline.filter((type) => type === 'Timeout').length);
  });

  it('reports a wrong token as fatal without retrying it', async () => {
    sim = createSimulator({ seed: 6 });
    const { url } = await sim.listen();
    const stream = createCallStream({ ...SIM_ACCOUNT, apiToken: 'wrong-secret', baseUrl: url, pollIntervalMs: 1_000 });
    const failure = await new Promise<unknown>((resolve) => stream.events$.subscribe({ error: resolve }));
    expect(failure).toMatchObject({ code: 'ERR_EXOTEL_UNAUTHORIZED', status: 401, fatal: true });
    expect(String((failure as Error).message)).not.toContain('wrong-secret');
    await stream.stop();
    expect(sim.history.length).toBeLessThanOrEqual(4);
    expect(sim.history.every((r) => r.status === 401)).toBe(true);
  });
});
