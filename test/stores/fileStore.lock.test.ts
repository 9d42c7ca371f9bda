/**
 * The lock of a fileStore: two stores on one file are refused with the holder named; a lock left
 * by a process that is gone is taken over; `close()` gives it back; a store that lost its lock
 * stops writing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStore } from '../../src/stores/fileStore.js';
import type { StoreState } from '../../src/stream/types.js';

const holder = fileURLToPath(new URL('./fixtures/holdStore.ts', import.meta.url));
const state = (checkpoint: number): StoreState => ({ version: 1, checkpoint, emitted: {} });

let dir: string;
let path: string;
let children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecs-lock-'));
  path = join(dir, 'calls.json');
});
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
  await rm(dir, { recursive: true, force: true });
});

/** Starts a process that holds the store's lock; resolves with it once it has. */
function holdInChild(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** A pid that ran a moment ago and runs no more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const lockOf = async (file = path) => JSON.parse(await readFile(`${file}.lock`, 'utf8')) as { pid: number; host: string; since: string; token: string };

describe('fileStore lock', () => {
  it('refuses a second store on the same file in this process, naming it', async () => {
    const first = fileStore(path);
    await first.load();
    const lock = await lockOf();
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), since: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    const second = fileStore(path);
    const error = await second.load().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_STORE' });
    expect((error as Error).message).toBe(
      `The store ${path} is in use by process ${process.pid} on host ${JSON.stringify(hostname())} (since ${lock.since}, this very process: another fileStore on the same file): ` +
        'two streams must not share one store file; stop it first, or give this stream another file',
    );
    // Saving is refused too, and leaves the first store's file alone.
    await first.save(state(1));
    await expect(second.save(state(2))).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(JSON.parse(await readFile(path, 'utf8')).checkpoint).toBe(1);
    // Once the first is closed, the lock is free.
    await first.close?.();
    expect((await second.load())?.checkpoint).toBe(1);
    await second.close?.();
    expect(await readdir(dir)).toEqual(['calls.json']);
  });

  it('refuses a store held by another live process, naming its pid and host; takes it once that process closed it', async () => {
    const child = await holdInChild(path);
    const store = fileStore(path);
    const error = (await store.load().catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`^The store .*calls\\.json is in use by process ${child.pid} on host "${hostname()}" \\(since .*\\): two streams must not share one store file`));
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
    await expect(store.load()).resolves.toBeUndefined();
    expect((await lockOf()).pid).toBe(process.pid);
    await store.close?.();
  });

  it('takes over the lock of a process killed with SIGKILL (its pid no longer runs)', async () => {
    const child = await holdInChild(path);
    child.kill('SIGKILL');
    await exited(child);
    expect((await lockOf()).pid).toBe(child.pid);
    const store = fileStore(path);
    await expect(store.load()).resolves.toBeUndefined();
    expect((await lockOf()).pid).toBe(process.pid);
    await store.close?.();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose pid runs again as another process, or from before a reboot, or left half-written', async () => {
    // The parent of this test runs, but it is not the process that took this lock: its start time differs.
    const cases = [
      { pid: process.ppid, host: hostname(), since: '2020-01-01T00:00:00.000Z', token: 'x', processStart: '1' },
      { pid: process.ppid, host: hostname(), since: '2020-01-01T00:00:00.000Z', token: 'y', bootId: 'another-boot' },
      { pid: deadPid(), host: hostname(), since: '2020-01-01T00:00:00.000Z', token: 'z' },
    ];
    for (const lock of cases) {
      await writeFile(`${path}.lock`, JSON.stringify(lock));
      const store = fileStore(path);
      await expect(store.load()).resolves.toBeUndefined();
      expect((await lockOf()).pid).toBe(process.pid);
      await store.close?.();
    }
    // A crash between creating the lock and writing it leaves it empty: nobody can prove it, it is taken over.
    await writeFile(`${path}.lock`, '');
    const store = fileStore(path);
    await expect(store.load()).resolves.toBeUndefined();
    await store.close?.();
    // A lock in this process's own pid that no store here holds: a previous run with the same pid (a container restarted).
    await writeFile(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z', token: 'old' }));
    const again = fileStore(path);
    await expect(again.load()).resolves.toBeUndefined();
    await again.close?.();
    expect(await readdir(dir)).toEqual([]);
  });

  it('never takes over a lock of another host, and says how to remove it', async () => {
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 4242, host: 'worker-7', since: '2026-01-15T06:00:00.000Z', token: 't' }));
    const error = (await fileStore(path).load().catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `The store ${path} is in use by process 4242 on host "worker-7" (since 2026-01-15T06:00:00.000Z): two streams must not share one store file; if that process is gone, delete ${path}.lock`,
    );
  });

  it('a store whose lock was taken by another stops writing the file, and says so', async () => {
    const first = fileStore(path);
    await first.save(state(1));
    // Someone removes the lock by hand and another store takes the file.
    await unlink(`${path}.lock`);
    const second = fileStore(path);
    await second.save(state(2));
    const error = (await first.save(state(3)).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'ERR_STORE' });
    expect(error.message).toMatch(new RegExp(`^This process no longer holds the lock file .*calls\\.json\\.lock \\(it now names process ${process.pid} on host .*\\): the store is not written, so as not to overwrite another process's state`));
    expect(JSON.parse(await readFile(path, 'utf8')).checkpoint).toBe(2);
    // Closing the first leaves the second's lock in place.
    await first.close?.();
    expect((await lockOf()).token).toBeDefined();
    await expect(fileStore(path).load()).rejects.toMatchObject({ code: 'ERR_STORE' });
    await second.close?.();
    expect(await readdir(dir)).toEqual(['calls.json']);
  });
});
