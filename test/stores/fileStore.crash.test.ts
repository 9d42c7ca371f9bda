import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStore } from '../../src/stores/fileStore.js';

const writer = fileURLToPath(new URL('./fixtures/saveForever.ts', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecs-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts the writer, waits until it has saved `saves` times, then kills it with SIGKILL at once. */
function killAfter(path: string, saves: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/saved (\d+)/g)) last = Number(match[1]);
      if (last >= saves && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('fileStore: a process killed while saving', () => {
  it('leaves the last complete save (or a later one) readable, never an empty or torn store', async () => {
    const path = join(dir, 'state.json');
    const confirmed = await killAfter(path, 20);
    const store = fileStore(path);
    // The killed writer's lock names a pid that no longer runs: it is taken over.
    const state = await store.load();
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8')).pid).toBe(process.pid);
    await store.close?.();
    expect(state).toBeDefined();
    // The kill lands while later saves are in flight: the file holds a complete state at least as new as the last confirmed one.
    expect(state!.checkpoint).toBeGreaterThanOrEqual(confirmed);
    expect(Object.keys(state!.emitted)).toHaveLength(state!.checkpoint! * 200);
    // Whatever temporary file the kill left behind is gone after the load.
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
