// `exotel-calls simulate --callbacks-url`: the simulator as a child process posting Exotel's
// StatusCallbacks to the package's receiver; the flags' errors.
import { afterEach, describe, expect, it } from 'vitest';
import { createStatusCallbackHandler } from '../../src/hints/createStatusCallbackHandler.js';
import { statusCallbacksFrom } from '../../src/cli/callbackFlags.js';
import { listen, recordingTarget, type Loopback } from '../hints/helpers.js';
import { runCli, startCli } from './helpers.js';

const SECRET = 'cli-callback-secret-0123456789';
let receiver: Loopback | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('simulate --callbacks-url', () => {
  it('posts a callback for each call that ends, logging each attempt without the secret', async () => {
    const target = recordingTarget();
    const handler = createStatusCallbackHandler(target, { timeZone: 'Asia/Kolkata', secret: SECRET });
    receiver = await listen(handler);
    const run = startCli([
      'simulate', '--port', '0', '--calls-per-minute', '600', '--history', '10m', '--settle-delay', '1s', '--seed', '3',
      '--callbacks-url', `${receiver.url}/exotel/status-callback/${SECRET}`, '--callbacks-delay', '0ms-300ms', '--callbacks-format', 'json', '--duration', '20s',
    ]);
    await run.waitFor(({ stdout }) => stdout.includes('Ctrl-C to stop'));
    expect(run.stdout()).toMatch(/callbacks {4}status callbacks to http:\/\/127\.0\.0\.1:\d+\/… \(json\)/);
    await run.waitFor(({ stderr }) => (stderr.match(/ callback terminal [0-9a-f]{32} -> 200/g) ?? []).length >= 3, 15_000);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(0);
    expect(target.hints.length).toBeGreaterThanOrEqual(3);
    for (const hint of target.hints) expect(hint).toMatchObject({ sid: expect.stringMatching(/^[0-9a-f]{32}$/), endedAt: expect.any(Number), dateCreated: expect.any(Number) });
    expect(done.stdout + done.stderr).not.toContain(SECRET);
  });

  it('names a callbacks flag given without a URL, or a bad value', async () => {
    const r = await runCli(['simulate', '--callbacks-share', '0.9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/`--callbacks-url`.*`--callbacks-share`/);
    expect(() => statusCallbacksFrom({ 'callbacks-url': 'http://127.0.0.1:1/cb', 'callbacks-share': '1.5' })).toThrow(/`--callbacks-share`/);
    expect(() => statusCallbacksFrom({ 'callbacks-url': 'http://127.0.0.1:1/cb', 'callbacks-share': '0.5', 'callbacks-late-share': '0.6' })).toThrow(/`--callbacks-late-share` to be at most `--callbacks-share` \(0.5\)/);
    expect(() => statusCallbacksFrom({ 'callbacks-url': 'mailto:x' })).toThrow(/`--callbacks-url` to be an http: or https: URL/);
    expect(() => statusCallbacksFrom({ 'callbacks-url': 'http://127.0.0.1:1/cb', 'callbacks-events': ['none', 'answered'] })).toThrow(/`--callbacks-events`/);
    expect(statusCallbacksFrom({ 'callbacks-url': 'http://127.0.0.1:1/cb', 'callbacks-events': ['none'], 'callbacks-late': '1m-2m', 'callbacks-retries': '0' })!.options).toMatchObject({
      events: [],
      lateMs: { min: 60_000, max: 120_000 },
      retries: 0,
    });
  });
});
