/**
 * `SimulatorDispatcher` keeps the client's timeouts as a socket would: a `delay` fault longer than
 * `headersTimeoutMs` fails the attempt with a timeout instead of answering late.
 */
import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '@sinonjs/fake-timers';
import { afterEach, describe, expect, it } from 'vitest';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import { SimulatorDispatcher, createSimulator } from '../../src/simulator/index.js';

let clock: Clock | undefined;
afterEach(() => {
  clock?.uninstall();
  clock = undefined;
});

describe('SimulatorDispatcher', () => {
  it('fails an answer that comes later than headersTimeout with UND_ERR_HEADERS_TIMEOUT', { timeout: 5_000 }, async () => {
    clock = FakeTimers.install({ now: Date.UTC(2025, 0, 15, 6, 0, 0), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const sim = createSimulator({ rateLimit: false });
    const c = new ExotelClient({
      accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:1',
      dispatcher: new SimulatorDispatcher(sim), headersTimeoutMs: 1_000, retries: 1, retryMinTimeoutMs: 10, retryMaxTimeoutMs: 10,
    });
    sim.inject({ kind: 'delay', delayMs: 5_000, times: 2 });
    const outcome = c.listPage({}).then(() => 'answered', (e: unknown) => (e as ExotelError).code);
    await clock.tickAsync(3_000);
    expect(await outcome).toBe('ERR_EXOTEL_TIMEOUT');
    // Once the delay is gone, the same dispatcher answers.
    const page = c.listPage({});
    await clock.tickAsync(100);
    expect((await page).calls).toEqual([]);
    await c.close();
    await clock.tickAsync(10_000);
  });
});
