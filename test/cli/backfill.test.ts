import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { planWindows } from '../../src/cli/backfill/windows.js';
import { parseNdjson, runCli, simEnv, startCli } from './helpers.js';

const DAY = 86_400_000;
const tz = 'Asia/Kolkata';
let sim: Simulator;
let url: string;
let dir: string;
let now: number;

beforeAll(async () => {
  now = Date.now();
  // A quiet account with 40 days of history: a backfill of weeks crosses month boundaries.
  sim = createSimulator({ traffic: { callsPerMinute: 0.1, startAt: now - 40 * DAY }, settleDelayMs: 1000, seed: 7 });
  ({ url } = await sim.listen());
  dir = await mkdtemp(join(tmpdir(), 'exotel-cli-backfill-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sids the API lists now with DateCreated in [from, to] (whole seconds, inclusive). */
function truth(fromMs: number, toMs: number): Set<string> {
  const from = Math.floor(fromMs / 1000) * 1000;
  const to = Math.floor(toMs / 1000) * 1000;
  const at = Date.now();
  return new Set(
    sim
      .calls()
      .filter((c) => {
        const created = Math.floor(c.startAt / 1000) * 1000;
        return created >= from && created <= to && c.recordAt(at) !== undefined;
      })
      .map((c) => c.sid),
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('backfill', () => {
  it('exports a range across month boundaries as NDJSON, one window per calendar month', async () => {
    const fromMs = now - 35 * DAY;
    const toMs = now - 2 * DAY;
    const windows = planWindows(fromMs, toMs, tz);
    expect(windows.length).toBeGreaterThanOrEqual(2);
    const before = sim.history.length;

    const r = await runCli(['backfill', '--base-url', url, '--from', iso(fromMs), '--to', iso(toMs)], { env: simEnv() });
    expect(r.stderr).toMatch(new RegExp(`^backfill: \\d+ records in \\d+ pages over ${windows.length}/${windows.length} windows to stdout in \\S+\\n$`));
    expect(r.code).toBe(0);

    const calls = parseNdjson(r.stdout);
    const sids = calls.map((c) => c.sid as string);
    expect(new Set(sids).size).toBe(sids.length);
    expect(new Set(sids)).toEqual(truth(fromMs, toMs));
    // Oldest first, normalized, ISO timestamps, the record as received alongside.
    const created = calls.map((c) => Date.parse(c.dateCreated));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(calls[0]!.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(calls[0]!.raw.Sid).toBe(calls[0]!.sid);

    // Each listing asked for one window, within one calendar month.
    // (The first request of all is the one-record probe that checks the credentials and the host.)
    const requests = sim.history.slice(before);
    expect(requests[0]?.query).toMatchObject({ PageSize: '1' });
    const firstPages = requests.slice(1).filter((h) => h.query.DateCreated !== undefined && h.query.After === undefined);
    expect(firstPages.map((h) => h.query.DateCreated)).toEqual(windows.map((w) => `gte:${w.gte};lte:${w.lte}`));
  });

  /** Starts a backfill allowed three requests a minute, and interrupts it when the fourth waits for the quota. */
  async function interruptedBackfill(args: string[], statePath: string) {
    const first = startCli([...args, '--max-requests-per-minute', '3'], { env: simEnv() });
    for (let i = 0; i < 200; i++) {
      const state = await readFile(statePath, 'utf8').then(JSON.parse, () => undefined);
      if (state?.pages >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGINT');
    return first.done;
  }

  it('resumes after SIGINT and a torn last line without losing or repeating a call', async () => {
    const out = join(dir, 'calls.ndjson');
    const fromMs = now - 3 * DAY;
    const toMs = now - DAY;
    const args = ['backfill', '--base-url', url, '--from', iso(fromMs), '--to', iso(toMs), '--out', out, '--page-size', '20'];
    const statePath = `${out}.state.json`;
    const r1 = await interruptedBackfill(args, statePath);
    expect(r1.code).toBe(130);
    expect(r1.stderr).toContain('run the same command again to resume');
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(saved).toMatchObject({ version: 1, windowsDone: 0, complete: false, records: 60, pages: 3, cursor: expect.stringContaining('After=') });
    const logged = (await readFile(`${statePath}.sids`, 'utf8')).slice(0, saved.sidsBytes).split('\n').filter(Boolean);
    expect(logged).toHaveLength(60);
    expect(new Set(parseNdjson(await readFile(out, 'utf8')).map((c) => c.sid))).toEqual(new Set(logged));
    expect((await stat(out)).size).toBe(saved.bytes);

    // A kill in the middle of a write leaves half a line: the resume cuts it off.
    await appendFile(out, '{"sid":"torn');
    const mark = sim.history.length;
    const r2 = await runCli([...args, '--progress'], { env: simEnv() });
    // It went on from the saved cursor rather than listing the window again (after the probe).
    expect(sim.history[mark]?.query).toMatchObject({ PageSize: '1' });
    expect(sim.history[mark + 1]?.query.After).toBeDefined();
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain('(resumed)');
    // The bar was forced on: windows, pages, records, quota and ETA. (Two days fall in two calendar
    // months of the account's zone on some days: the count of windows is the planner's.)
    const windows = planWindows(fromMs, toMs, tz).length;
    expect(r2.stderr).toMatch(new RegExp(`\\r\\[[#-]+\\] windows \\d+/${windows} {2}pages \\d+ {2}records \\d+ {2}quota \\d+ left {2}ETA `));

    const calls = parseNdjson(await readFile(out, 'utf8'));
    const sids = calls.map((c) => c.sid as string);
    expect(new Set(sids).size).toBe(sids.length);
    expect(new Set(sids)).toEqual(truth(fromMs, toMs));
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toMatchObject({ complete: true, records: sids.length });
    await expect(stat(`${statePath}.sids`)).rejects.toThrow();

    // Done: a third run says so and writes nothing.
    const size = (await stat(out)).size;
    const r3 = await runCli(args, { env: simEnv() });
    expect(r3.code).toBe(0);
    expect(r3.stderr).toContain('already complete');
    expect((await stat(out)).size).toBe(size);
  });

  it('lists the window again and skips the Sids written when there is no cursor to go on from', async () => {
    const out = join(dir, 'again.ndjson');
    const fromMs = now - 5 * DAY;
    const toMs = now - 4 * DAY;
    const args = ['backfill', '--base-url', url, '--from', iso(fromMs), '--to', iso(toMs), '--out', out, '--page-size', '20'];
    const statePath = `${out}.state.json`;
    expect((await interruptedBackfill(args, statePath)).code).toBe(130);
    // As after a crash between the window's last page and its completion being saved.
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    await writeFile(statePath, JSON.stringify({ ...saved, cursor: null }));

    const mark = sim.history.length;
    const r = await runCli(args, { env: simEnv() });
    expect(r.code).toBe(0);
    expect(sim.history[mark]?.query.After).toBeUndefined();
    const sids = parseNdjson(await readFile(out, 'utf8')).map((c) => c.sid as string);
    expect(new Set(sids).size).toBe(sids.length);
    expect(new Set(sids)).toEqual(truth(fromMs, toMs));
  });

  it('refuses to overwrite an unrelated file, and a resume with other filters', async () => {
    const out = join(dir, 'other.ndjson');
    await appendFile(out, 'something\n');
    const args = ['backfill', '--base-url', url, '--from', iso(now - DAY), '--to', iso(now - DAY / 2), '--out', out];
    const [exists, raw] = await Promise.all([
      runCli(args, { env: simEnv() }),
      runCli([...args.slice(0, -1), join(dir, 'raw.ndjson'), '--raw', '--status', 'completed'], { env: simEnv() }),
    ]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('--overwrite');
    expect(raw.code).toBe(0);
    // --raw writes the records exactly as the API sent them.
    const records = parseNdjson(await readFile(join(dir, 'raw.ndjson'), 'utf8'));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record.Status).toBe('completed');
      expect(record.DateCreated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    const other = await runCli([...args.slice(0, -1), join(dir, 'raw.ndjson'), '--status', 'failed'], { env: simEnv() });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('other parameters');
  });
});
