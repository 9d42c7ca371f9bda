import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { bareEnv, repoRoot, runCli, simEnv } from './helpers.js';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

let sim: Simulator;
let url: string;
let dir: string;
beforeAll(async () => {
  sim = createSimulator({ traffic: { callsPerMinute: 30, startAt: Date.now() - 600_000 }, settleDelayMs: 1000 });
  ({ url } = await sim.listen());
  dir = await mkdtemp(join(tmpdir(), 'exotel-cli-basics-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('help and version', () => {
  it('prints the version from package.json, and help per command', async () => {
    const names = ['tail', 'backfill', 'simulate', 'demo'];
    const [v1, v2, v3, main, none, ...perCommand] = await Promise.all([
      runCli(['--version']),
      runCli(['-v']),
      runCli(['tail', '--version']),
      runCli(['--help']),
      runCli([]),
      ...names.map((name) => runCli([name, '--help'])),
    ]);
    for (const r of [v1!, v2!, v3!]) {
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
    expect(main!.code).toBe(0);
    for (const name of names) expect(main!.stdout).toContain(name);
    expect(main!.stdout).toContain('Exit codes');
    names.forEach((name, i) => {
      expect(perCommand[i]!.code).toBe(0);
      expect(perCommand[i]!.stdout).toContain(`Usage: exotel-calls ${name}`);
    });
    expect(none!.code).toBe(2);
    expect(none!.stderr).toContain('Usage: exotel-calls <command>');
  });
});

describe('bad usage exits 2 with a message naming the problem', () => {
  it('unknown commands, unknown flags, a token flag, bad values, a missing --from', async () => {
    const before = sim.history.length;
    const [cmd, flag, typo, token, duration, direction, lib, old, noFrom] = await Promise.all([
      runCli(['tial']),
      runCli(['tail', '--colour'], { env: simEnv() }),
      runCli(['tail', '--pol-interval', '5s'], { env: simEnv() }),
      runCli(['tail', '--api-token', 'hunter2-secret'], { env: simEnv() }),
      runCli(['tail', '--poll-interval', '15', '--base-url', url], { env: simEnv() }),
      runCli(['tail', '--direction', 'sideways', '--base-url', url], { env: simEnv() }),
      runCli(['tail', '--poll-interval', '2m', '--lookback', '1m', '--base-url', url, '--duration', '1s'], { env: simEnv() }),
      runCli(['backfill', '--from', '200d', '--to', '190d', '--base-url', url], { env: simEnv() }),
      runCli(['backfill'], { env: simEnv() }),
    ]);
    for (const r of [cmd, flag, typo, token, duration, direction, lib, old, noFrom]) expect(r!.code).toBe(2);

    expect(cmd!.stderr).toContain('unknown command "tial"');
    // One mention of the command, and no suggestion where nothing is close.
    expect(flag!.stderr.split('\n')[0]).toBe('exotel-calls tail: unknown option `--colour`.');
    expect(typo!.stderr.split('\n')[0]).toBe('exotel-calls tail: unknown option `--pol-interval`. Did you mean `--poll-interval`?');
    expect(flag!.stderr).toContain('exotel-calls tail --help');

    expect(token!.stderr).toContain('`ps`');
    expect(token!.stderr).toContain('--api-token-file');
    expect(token!.stderr + token!.stdout).not.toContain('hunter2-secret');

    expect(duration!.stderr).toContain('Expected `--poll-interval` to be a duration');
    expect(duration!.stderr).toContain('`"15"` (string)');
    expect(direction!.stderr).toMatch(/`--direction`.*"sideways"/);
    // The library's own check, pointed back at the flag.
    expect(lib!.stderr).toContain('`--lookback`');

    expect(old!.stderr).toContain('up to 6 months old');
    expect(noFrom!.stderr).toContain('`--from` is required');
    // Refused before anything was sent (the `lib` case is refused before its first request too).
    expect(sim.history.length).toBe(before);
  });
});

describe('credentials', () => {
  it('missing credentials exit 3 and say where to set them', async () => {
    const r = await runCli(['tail', '--base-url', url], { env: bareEnv({ EXOTEL_ACCOUNT_SID: 'acme1' }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('EXOTEL_API_KEY');
    expect(r.stderr).toContain('--api-token-file');
  });

  it('credentials the API refuses exit 3, without the token in any output', async () => {
    const r = await runCli(['tail', '--base-url', url, '--duration', '2s'], { env: simEnv({ EXOTEL_API_TOKEN: 'wrong-token-xyz' }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/401|Unauthorized|credentials/i);
    expect(r.stderr + r.stdout).not.toContain('wrong-token-xyz');
  });

  it('reads the token from a file or from stdin', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'sim-token\n', { mode: 0o600 });
    const env = bareEnv({ EXOTEL_ACCOUNT_SID: 'acme1', EXOTEL_API_KEY: 'sim-key' });
    const fromFile = await runCli(['backfill', '--from', '5m', '--base-url', url, '--api-token-file', file], { env });
    expect(fromFile.code).toBe(0);
    const fromStdin = await runCli(['backfill', '--from', '5m', '--base-url', url, '--api-token-stdin'], { env, input: 'sim-token\n' });
    expect(fromStdin.code).toBe(0);
    const missing = await runCli(['backfill', '--from', '5m', '--base-url', url, '--api-token-file', join(dir, 'nope')], { env });
    expect(missing.code).toBe(3);
  });
});

describe('unreachable API', () => {
  it('exits 4 with a message that says what to check', async () => {
    const port = await closedPort();
    const r = await runCli(['tail', '--base-url', `http://127.0.0.1:${port}`, '--duration', '1s'], { env: simEnv() });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ECONNREFUSED|without a response/);
    expect(r.stderr).toContain('--base-url');
  });

  it('backfill too: its first request is the same quick probe, not a retried page of the export', async () => {
    const port = await closedPort();
    const r = await runCli(['backfill', '--base-url', `http://127.0.0.1:${port}`, '--from', '1h', '--quiet'], { env: simEnv() });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ECONNREFUSED|without a response/);
    expect(r.stdout).toBe('');
  });
});
