import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseNdjson, simEnv, startCli } from './helpers.js';

const FAILED = new Set(['failed', 'busy', 'no-answer', 'canceled']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
let sim: Simulator;
let url: string;
let dir: string;

beforeAll(async () => {
  // A busy account whose calls settle within a second: events arrive at once.
  sim = createSimulator({ traffic: { callsPerMinute: 120, startAt: Date.now() - 30 * 60_000 }, settleDelayMs: 500, seed: 3 });
  ({ url } = await sim.listen());
  dir = await mkdtemp(join(tmpdir(), 'exotel-cli-tail-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tail', () => {
  it('writes NDJSON on a pipe, applies the filters, and lines with --format text', async () => {
    const started = Date.now();
    const base = ['tail', '--base-url', url, '--poll-interval', '1s', '--lookback', '15m', '--since', '5m'];
    // Each runs until it has shown enough, then gets Ctrl-C: no fixed wait to outlast.
    const until = async (args: string[], lines: number) => {
      const run = startCli(args, { env: simEnv() });
      await run.waitFor(({ stdout }) => stdout.split('\n').length > lines, 20_000);
      run.child.kill('SIGINT');
      return run.done;
    };
    const [all, filtered, text] = await Promise.all([
      until(base, 50),
      until([...base, '--direction', 'inbound', '--status', 'completed,busy', '--no-raw'], 5),
      until([...base, '--format', 'text', '--direction', 'inbound'], 5),
    ]);
    expect(all.code).toBe(0);
    const events = parseNdjson(all.stdout);
    expect(events.length).toBeGreaterThan(50);
    const seen = new Set<string>();
    for (const e of events) {
      expect(['callCompleted', 'callFailed', 'callUpdated']).toContain(e.type);
      expect(e.call.dateCreated).toMatch(ISO);
      expect(e.call.raw.Sid).toBe(e.call.sid);
      if (e.type === 'callCompleted') expect(e.call.status).toBe('completed');
      if (e.type === 'callFailed') expect(FAILED.has(e.call.status)).toBe(true);
      if (e.type === 'callUpdated') {
        expect(Array.isArray(e.changes)).toBe(true);
        expect(e.previous.sid).toBe(e.call.sid);
      } else {
        // Once per Sid, and only calls that ended within --since.
        expect(seen.has(e.call.sid)).toBe(false);
        seen.add(e.call.sid);
        const ended = Date.parse(e.call.endTime ?? e.call.dateUpdated ?? e.call.dateCreated);
        expect(ended).toBeGreaterThanOrEqual(started - 5 * 60_000 - 1000);
      }
    }

    expect(filtered.code).toBe(0);
    const some = parseNdjson(filtered.stdout);
    expect(some.length).toBeGreaterThan(0);
    for (const e of some) {
      expect(e.call.direction).toBe('inbound');
      expect(['completed', 'busy']).toContain(e.call.status);
      expect(e.call).not.toHaveProperty('raw');
    }

    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.startsWith('{')).toBe(false);
      expect(line).toMatch(/^\d{2}:\d{2}:\d{2} {2}(completed|failed|busy|no-answer|canceled|updated) +inbound /);
    }
  });

  it('stops cleanly on SIGINT with the store saved, and resumes from it without repeating a call', async () => {
    const store = join(dir, 'checkpoint.json');
    const args = ['tail', '--base-url', url, '--poll-interval', '1s', '--lookback', '15m', '--store', store];
    const first = startCli([...args, '--since', '10m'], { env: simEnv() });
    await first.waitFor(({ stdout }) => stdout.split('\n').length > 20, 20_000);
    first.child.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code).toBe(0);
    expect(r1.stderr).toContain('SIGINT, stopping');
    const firstEvents = parseNdjson(r1.stdout);
    const emittedBefore = new Set(firstEvents.filter((e) => e.type !== 'callUpdated').map((e) => e.call.sid as string));

    const state = JSON.parse(await readFile(store, 'utf8'));
    expect(state.version).toBe(1);
    expect(typeof state.checkpoint).toBe('number');
    for (const sid of emittedBefore) expect(state.emitted).toHaveProperty(sid);

    const second = startCli(args, { env: simEnv() });
    await second.waitFor(({ stdout }) => stdout.split('\n').length > 5, 20_000);
    second.child.kill('SIGINT');
    const r2 = await second.done;
    expect(r2.code).toBe(0);
    const secondEvents = parseNdjson(r2.stdout);
    expect(secondEvents.length).toBeGreaterThan(0);
    expect(secondEvents.filter((e) => e.type !== 'callUpdated' && emittedBefore.has(e.call.sid))).toEqual([]);
  });

  it('exits 3 when the API starts refusing the credentials mid-stream', async () => {
    const run = startCli(['tail', '--base-url', url, '--poll-interval', '1s', '--since', '2m'], { env: simEnv() });
    await run.waitFor(({ stdout }) => stdout.includes('\n'));
    sim.inject({ kind: 'status', status: 401, persist: true });
    try {
      const r = await run.done;
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/exotel-calls tail: .*401.*Check the account SID, API key and token/s);
      expect(r.stderr).not.toContain('sim-token');
    } finally {
      sim.clearFaults();
    }
  });

  it('SIGTERM stops it too, once it is streaming', async () => {
    const before = sim.history.length;
    const run = startCli(['tail', '--base-url', url, '--poll-interval', '1s'], { env: simEnv() });
    // Wait until it is streaming: the probe and the first poll have reached the simulator.
    for (let i = 0; i < 300 && sim.history.length < before + 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sim.history.length, 'the probe and a first poll before SIGTERM').toBeGreaterThanOrEqual(before + 2);
    expect(sim.history.slice(before).every((r) => r.status === 200)).toBe(true);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain('SIGTERM, stopping');
  });
});
