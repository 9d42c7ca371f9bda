// What a newcomer trips on first: a typo in a flag, the phone-number flags of tail, a silent tail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { suggestFlag } from '../../src/cli/parse.js';
import { filtersFrom, streamOptions } from '../../src/cli/streamFlags.js';
import { runCli, simEnv } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = createSimulator({ traffic: false, rateLimit: false });
  await sim.listen();
});
afterAll(async () => {
  await sim?.close();
});

describe('flags a newcomer types', () => {
  it('suggests the flag that was meant, and nothing when none is close', () => {
    expect(suggestFlag('--pol-interval', streamOptions)).toBe('--poll-interval');
    expect(suggestFlag('--lookbak', streamOptions)).toBe('--lookback');
    expect(suggestFlag('--no-detials', streamOptions)).toBe('--no-details');
    expect(suggestFlag('--to-numbr', streamOptions)).toBe('--to-number');
    expect(suggestFlag('--colour', streamOptions)).toBeUndefined();
    expect(suggestFlag('--x', streamOptions)).toBeUndefined();
  });

  it('takes --to-number/--from-number in tail; the old --to/--from still work, with a deprecation note', () => {
    const notes: string[] = [];
    expect(filtersFrom({ 'to-number': ['+919876543210'], 'from-number': ['+918047000001'] }, (m) => notes.push(m))).toEqual({ to: ['+919876543210'], from: ['+918047000001'] });
    expect(notes).toEqual([]);
    expect(filtersFrom({ to: ['+919876543210'] }, (m) => notes.push(m))).toEqual({ to: ['+919876543210'] });
    expect(notes).toEqual(['`--to` is deprecated: use `--to-number` (in `backfill`, --to is a date).']);
    expect(() => filtersFrom({ to: ['+919876543210'], 'to-number': ['+919876543211'] })).toThrow(/`--to` to be absent when `--to-number` is given/);
    expect(() => filtersFrom({ 'to-number': ['2026-05-01'] })).toThrow(/`--to-number` to be phone numbers in E.164/);
  });

  it('tail says what it is doing before the first event arrives', async () => {
    const r = await runCli(['tail', '--base-url', sim.url, '--duration', '1500ms', '--poll-interval', '1s', '--since', '10m', '--format', 'ndjson'], { env: simEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      `tail: watching account acme1 at ${sim.url}; first the calls that ended in the last 10m. A call is shown once it has ended and settled (Duration, Price; at most 5m later). Ctrl-C stops.`,
    );
    const quiet = await runCli(['tail', '--base-url', sim.url, '--duration', '500ms', '--quiet'], { env: simEnv() });
    expect(quiet.stderr).toBe('');
  });
});
