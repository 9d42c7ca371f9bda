/**
 * The token, and its base64 `key:token` form (what goes into the Authorization header), in no
 * error, log line, NDJSON line, wallboard page or event, stack trace, store file or
 * `util.inspect` of a public object, under every fault the other fault tests make.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Clock } from '@sinonjs/fake-timers';
import { ExotelClient, createCallStream, createWallboardServer, fileStore, memoryStore } from '../../src/index.js';
import type { CallStream, ExotelError } from '../../src/index.js';
import { SimulatorDispatcher, createSimulator } from '../../src/simulator/index.js';
import type { FaultSpec, Simulator } from '../../src/simulator/index.js';
import { advance, installClock, observedStore, stopUnder } from '../stream/harness.js';
import { repoRoot } from '../cli/helpers.js';

const KEY = 'key-4d2a91';
const TOKEN = 'tok-9f3c2e7a1b5d8c60';
const ROTATED = 'tok-77aa01be3c9d4e52';
const SECRETS: Record<string, string> = {
  token: TOKEN,
  'base64 key:token': Buffer.from(`${KEY}:${TOKEN}`).toString('base64'),
  'rotated token': ROTATED,
  'base64 key:rotated': Buffer.from(`${KEY}:${ROTATED}`).toString('base64'),
};
const accounts = [{ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN }];
const MINUTE = 60_000;

/** Every string reachable from a value: messages, stacks, own and inherited-looking fields, causes. */
function everything(value: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (v === null || v === undefined || seen.has(v) || depth > 12) return;
    if (typeof v === 'string') return void parts.push(v);
    if (typeof v !== 'object' && typeof v !== 'function') return void parts.push(String(v));
    seen.add(v);
    if (v instanceof Error) parts.push(v.message, v.stack ?? '', String(v));
    for (const key of Reflect.ownKeys(v)) {
      let inner: unknown;
      try {
        inner = (v as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      visit(inner, depth + 1);
    }
    if (v instanceof Error) visit(v.cause, depth + 1);
  };
  visit(value, 0);
  parts.push(inspect(value, { depth: 10, showHidden: true, getters: true }));
  return parts.join('\n');
}

/** The secrets a text holds, by name. */
const leaked = (text: string) => Object.entries(SECRETS).filter(([, secret]) => text.includes(secret)).map(([name]) => name);

let clock: Clock | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  clock?.uninstall();
  clock = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ecs-secrets-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every fault the simulator can make, one after the other, a few requests each. */
const FAULTS: FaultSpec[] = [
  { kind: 'status', status: 500, times: 3 },
  { kind: 'status', status: 400, times: 1 },
  { kind: 'status', status: 404, times: 1 },
  { kind: 'rate-limit', retryAfterHeader: '86400', times: 1 },
  { kind: 'rate-limit', retryAfterHeader: 'soon', times: 2 },
  { kind: 'rate-limit', retryAfterHeader: 'Wed, 01 Jan 2020 00:00:00 GMT', times: 2 },
  { kind: 'rate-limit', retryAfterSeconds: 1, times: 8 },
  { kind: 'reset', times: 3 },
  { kind: 'delay', delayMs: 40_000, times: 2 },
  { kind: 'truncated', times: 3 },
  { kind: 'malformed', times: 3 },
  { kind: 'duplicate-row', times: 3 },
  { kind: 'duplicate-sid', times: 3 },
  { kind: 'oversized-page', times: 3 },
  { kind: 'bad-record', field: 'DateCreated', times: 2 },
  { kind: 'bad-record', field: 'Status', break: 'missing', times: 2 },
  { kind: 'bad-record', field: 'Price', break: 'mistyped', times: 2 },
  { kind: 'bad-record', field: 'Sid', times: 2 },
  // A Location with credentials in it: the client must not echo them.
  { kind: 'redirect', location: `https://${KEY}:${TOKEN}@elsewhere.example/v1/Accounts/acme1/Calls.json?token=${TOKEN}`, times: 2 },
  { kind: 'content-type', times: 3 },
  { kind: 'content-type', contentType: 'text/plain', body: 'same', times: 3 },
  { kind: 'encoding', encoding: 'br', times: 3 },
];

describe('no secret leaks', () => {
  it('under every fault of the answers and of the store: errors, stacks, store files, util.inspect of every public object', async () => {
    const dir = await tempDir();
    const path = join(dir, 'calls.json');
    clock = installClock(Date.UTC(2026, 0, 15, 6, 0, 0));
    const sim = createSimulator({ seed: 71, accounts, traffic: { callsPerMinute: 6, startAt: Date.now() - 30 * MINUTE }, settleDelayMs: { min: 10_000, max: 60_000 }, contentEncoding: 'negotiate' });
    const dispatcher = new SimulatorDispatcher(sim);
    const { store, settled } = observedStore(fileStore(path));
    const stream = createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: 'http://127.0.0.1:9', dispatcher, pollIntervalMs: 15_000, lookbackMs: 3_600_000, settleMs: 120_000, store });
    const errors: ExotelError[] = [];
    const values: unknown[] = [];
    stream.errors$.subscribe((e) => errors.push(e));
    stream.events$.subscribe({ next: (e) => values.push(e), error: (e: unknown) => errors.push(e as ExotelError) });
    for (const fault of FAULTS) {
      sim.inject(fault);
      await advance(clock, 2 * MINUTE, 15_000, settled);
    }
    // A second stream on the same file (the lock), and a save that fails.
    const second = createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: 'http://127.0.0.1:9', dispatcher, store: fileStore(path) });
    second.errors$.subscribe((e) => errors.push(e));
    second.start();
    await advance(clock, MINUTE, 15_000, settled);
    await stopUnder(clock, second);
    // The token rotated on the server: a fatal 401 for the old one, a 403 for another account.
    const inspectedLive = [stream, dispatcher, store, sim, sim.history].map(everything).join('\n');
    await stopUnder(clock, stream);
    const stateFiles = await Promise.all((await readdir(dir)).map((n) => readFile(join(dir, n), 'utf8')));

    const codes = new Set(errors.map((e) => e.code));
    for (const code of ['ERR_EXOTEL_MALFORMED_RECORD', 'ERR_EXOTEL_HTTP', 'ERR_STORE', 'ERR_EXOTEL_BAD_REQUEST'] as const) expect(codes, `no ${code} came`).toContain(code);
    expect(values.length).toBeGreaterThan(50);
    const text = [...errors.map(everything), ...values.map(everything), inspectedLive, everything(stream), ...stateFiles].join('\n');
    expect(leaked(text)).toEqual([]);
  });

  it('when the token is wrong, misspelt, or put in a URL: fatal errors and option errors name no secret', async () => {
    clock = installClock(Date.UTC(2026, 0, 15, 6, 0, 0));
    const sim = createSimulator({ seed: 72, accounts });
    sim.addCall({ startAt: Date.now() - 5 * MINUTE });
    const problems: unknown[] = [];
    const wrong = createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: ROTATED, baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim), store: memoryStore() });
    wrong.errors$.subscribe((e) => problems.push(e));
    wrong.events$.subscribe({ error: (e: unknown) => problems.push(e) });
    await clock.tickAsync(30_000);
    await stopUnder(clock, wrong);
    expect(problems).toContainEqual(expect.objectContaining({ code: 'ERR_EXOTEL_UNAUTHORIZED', fatal: true }));
    problems.push(wrong);

    const attempts: Array<() => unknown> = [
      () => createCallStream({ accountSid: 'acme1', apiKey: KEY, apitoken: TOKEN } as never),
      () => createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: `${TOKEN}\n` }),
      () => createCallStream({ accountSid: 'acme1', apiKey: `${KEY}:${TOKEN}`, apiToken: TOKEN }),
      () => createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: `http://${KEY}:${TOKEN}@127.0.0.1:9` }),
      () => createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, subdomain: `${TOKEN}@api.exotel.com` }),
      () => new ExotelClient({ accountSid: TOKEN.replace(/-/g, '_') + '\u0000', apiKey: KEY, apiToken: TOKEN }),
      () => new ExotelClient({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: `http://127.0.0.1:9/?token=${TOKEN}` }),
      () => createSimulator({ accounts: [{ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN }], apiToken: TOKEN } as never),
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        const made = attempt();
        if (made && typeof (made as { close?: unknown }).close === 'function') await (made as ExotelClient).close();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(attempt)).toBeInstanceOf(Error);
      problems.push(thrown);
    }
    const client = new ExotelClient({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: 'http://127.0.0.1:9', dispatcher: new SimulatorDispatcher(sim) });
    problems.push(client);
    await client.close();
    expect(problems.map((p, i) => `${i}: ${leaked(everything(p)).join(',')}`).filter((l) => !l.endsWith(': '))).toEqual([]);
  });

  it('in the CLI (NDJSON, warnings, fatal messages) and on the wallboard (page, snapshot, events), over real sockets', async () => {
    const sim: Simulator = createSimulator({ seed: 73, accounts, traffic: { callsPerMinute: 240, startAt: Date.now() - 5 * MINUTE }, settleDelayMs: 300, contentEncoding: 'negotiate' });
    const { url } = await sim.listen();
    cleanups.push(() => sim.close());
    for (const fault of [{ kind: 'status', status: 503 }, { kind: 'truncated' }, { kind: 'malformed' }, { kind: 'bad-record', field: 'Status', break: 'missing' }, { kind: 'redirect', location: `https://${KEY}:${TOKEN}@x.example/` }] as FaultSpec[]) {
      // Records that cannot be read on half the answers: the CLI is sure to print warnings
      // (ERR_EXOTEL_MALFORMED_RECORD) in its few seconds, whatever else retries absorb.
      sim.inject({ ...fault, rate: fault.kind === 'bad-record' ? 0.5 : 0.1 });
    }
    const dir = await tempDir();
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`);

    // The wallboard on a stream of the same account, with transient errors in its feed.
    const stream: CallStream = createCallStream({ accountSid: 'acme1', apiKey: KEY, apiToken: TOKEN, baseUrl: url, pollIntervalMs: 1_000, lookbackMs: 10 * MINUTE, settleMs: 5_000, retries: 0 });
    const board = await createWallboardServer({ stream, statsDebounceMs: 5 });
    cleanups.push(async () => {
      await board.close();
      await stream.stop();
    });
    const sse = fetch(new URL('events', board.url), { signal: AbortSignal.timeout(3_000) }).then((r) => r.text()).catch((e: unknown) => (e instanceof Error && e.name === 'TimeoutError' ? '' : String(e)));

    const run = (args: string[], env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
    const env = { EXOTEL_ACCOUNT_SID: 'acme1', EXOTEL_API_KEY: KEY };
    const [faulty, rotated, inUrl] = await Promise.all([
      run(['tail', '--base-url', url, '--api-token-file', tokenFile, '--poll-interval', '1s', '--lookback', '5m', '--since', '5m', '--duration', '6s'], env),
      run(['tail', '--base-url', url, '--poll-interval', '1s', '--duration', '4s'], { ...env, EXOTEL_API_TOKEN: ROTATED }),
      run(['tail', '--base-url', `http://${KEY}:${TOKEN}@127.0.0.1:9`, '--duration', '2s'], { ...env, EXOTEL_API_TOKEN: TOKEN }),
    ]);
    expect(faulty.code, faulty.out).toBe(0);
    expect(faulty.out, faulty.out).toContain('"type":"call');
    expect(faulty.out).toContain('warning');
    expect(rotated.code).toBe(3);
    expect(inUrl.code).toBe(2);

    const page = await (await fetch(board.url)).text();
    const snapshot = await (await fetch(new URL('api/snapshot', board.url))).text();
    const events = await sse;
    expect(snapshot).toContain('"latest"');
    const text = [faulty.out, rotated.out, inUrl.out, page, snapshot, events, everything(board), everything(stream), JSON.stringify(sim.history)].join('\n');
    expect(leaked(text)).toEqual([]);
  });
});
