import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../../src/stores/fileStore.js';
import { isExotelError } from '../../src/exotel/errors.js';
import type { StoreState } from '../../src/stream/types.js';

const state = (checkpoint = 1_736_935_200_000): StoreState => ({
  version: 1,
  checkpoint,
  emitted: { a: { dateCreated: 1_736_935_000_000, fingerprint: '[1,"completed"]' } },
});

let dir: string;
let path: string;

/** Loads with a store of its own, closed afterwards (a store holds the file's lock until closed). */
async function loadOnce(file = path): Promise<StoreState | undefined> {
  const store = fileStore(file);
  try {
    return await store.load();
  } finally {
    await store.close?.();
  }
}

async function saveOnce(value: StoreState, file = path): Promise<void> {
  const store = fileStore(file);
  try {
    await store.save(value);
  } finally {
    await store.close?.();
  }
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecs-store-'));
  path = join(dir, 'calls.checkpoint.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileStore', () => {
  it('loads nothing from a file that does not exist yet, then what was saved', async () => {
    const store = fileStore(path);
    expect(await store.load()).toBeUndefined();
    await store.save(state());
    expect(await store.load()).toEqual(state());
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(state());
    await store.close?.();
    // Another instance (a restart) reads the same state.
    expect(await loadOnce()).toEqual(state());
  });

  it('leaves no temporary file after saving', async () => {
    const store = fileStore(path);
    await store.save(state());
    await store.save(state(2));
    // While open, the store holds its lock beside the file; closing gives it back.
    expect((await readdir(dir)).sort()).toEqual(['calls.checkpoint.json', 'calls.checkpoint.json.lock']);
    await store.close?.();
    expect(await readdir(dir)).toEqual(['calls.checkpoint.json']);
  });

  it('keeps the last of overlapping saves, in call order', async () => {
    const store = fileStore(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(state(i))));
    expect((await store.load())?.checkpoint).toBe(19);
    await store.close?.();
    expect(await readdir(dir)).toEqual(['calls.checkpoint.json']);
  });

  it('serializes the state when save is called: later mutation changes nothing', async () => {
    const store = fileStore(path);
    const s = state();
    const saving = store.save(s);
    s.checkpoint = 0;
    await saving;
    expect((await store.load())?.checkpoint).toBe(state().checkpoint);
    await store.close?.();
  });

  it('ignores and removes a half-written temporary file left by a crash mid-write', async () => {
    await saveOnce(state());
    const leftover = join(dir, 'calls.checkpoint.json.4242.deadbeef.tmp');
    await writeFile(leftover, '{"version":1,"checkpoint":17369');
    const store = fileStore(path);
    expect(await store.load()).toEqual(state());
    expect((await readdir(dir)).sort()).toEqual(['calls.checkpoint.json', 'calls.checkpoint.json.lock']);
    await store.save(state(3));
    await store.close?.();
    expect((await loadOnce())?.checkpoint).toBe(3);
  });

  it('starts empty beside a leftover temporary file when nothing was ever saved', async () => {
    await writeFile(join(dir, 'calls.checkpoint.json.1.0123abcd.tmp'), '{"vers');
    // Files this store did not make are left alone.
    await writeFile(join(dir, 'calls.checkpoint.json.backup.tmp'), 'mine');
    expect(await loadOnce()).toBeUndefined();
    expect(await readdir(dir)).toEqual(['calls.checkpoint.json.backup.tmp']);
  });

  it('reports a truncated target as ERR_STORE naming the file, never as an empty store', async () => {
    await saveOnce(state());
    const good = await readFile(path, 'utf8');
    await writeFile(path, good.slice(0, Math.floor(good.length / 2)));
    const error = await loadOnce().catch((e: unknown) => e);
    expect(isExotelError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_STORE', message: expect.stringContaining(path) });
    expect((error as Error).message).toMatch(/not valid JSON/);
  });

  it('reports an empty target or a wrong shape as ERR_STORE', async () => {
    await writeFile(path, '');
    await expect(loadOnce()).rejects.toMatchObject({ code: 'ERR_STORE' });
    await writeFile(path, JSON.stringify({ version: 1, checkpoint: null, emitted: { a: { dateCreated: 'x' } } }));
    await expect(loadOnce()).rejects.toMatchObject({ code: 'ERR_STORE', message: expect.stringContaining('emitted["a"]') });
    await writeFile(path, JSON.stringify({ version: 7, checkpoint: null, emitted: {} }));
    await expect(loadOnce()).rejects.toMatchObject({ code: 'ERR_STORE', message: expect.stringContaining('version 7') });
  });

  it('reports a target removed after a good save as ERR_STORE, not as an empty store', async () => {
    const store = fileStore(path);
    await store.save(state());
    await rm(path);
    await expect(store.load()).rejects.toMatchObject({ code: 'ERR_STORE', message: expect.stringMatching(/removed/) });
    await store.close?.();
  });

  it('fails a save it cannot complete with ERR_STORE, keeping the previous state and no temporary file', async () => {
    const store = fileStore(path);
    await store.save(state());
    // A directory where the temporary file would be renamed to: the rename fails.
    const blocked = join(dir, 'blocked.json');
    await mkdir(blocked);
    const blockedStore = fileStore(blocked);
    await expect(blockedStore.save(state())).rejects.toMatchObject({ code: 'ERR_STORE', message: expect.stringContaining('EISDIR') });
    await blockedStore.close?.();
    expect((await readdir(dir)).sort()).toEqual(['blocked.json', 'calls.checkpoint.json', 'calls.checkpoint.json.lock']);
    // A directory that does not exist: not even its lock can be made.
    await expect(saveOnce(state(), join(dir, 'missing', 's.json'))).rejects.toMatchObject({
      code: 'ERR_STORE',
      message: expect.stringMatching(/Cannot create the lock file .*s\.json\.lock: ENOENT \(no such file or directory\)/),
    });
    // The failure of one save does not block the next.
    await store.save(state(9));
    expect((await store.load())?.checkpoint).toBe(9);
    await store.close?.();
  });

  it('refuses an invalid state before touching the file', async () => {
    const store = fileStore(path);
    await store.save(state());
    await expect(store.save({ version: 1, checkpoint: null } as never)).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(await store.load()).toEqual(state());
    await store.close?.();
  });

  it('validates its path, naming the option', () => {
    expect(() => fileStore('')).toThrow(/`path`/);
    expect(() => fileStore(42 as never)).toThrow(/`path`.*`42` \(number\)/);
  });
});
