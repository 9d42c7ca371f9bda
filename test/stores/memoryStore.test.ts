import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/stores/memoryStore.js';
import type { StoreState } from '../../src/stream/types.js';

const state = (): StoreState => ({ version: 1, checkpoint: 1_736_935_200_000, emitted: { a: { dateCreated: 1_736_935_000_000, fingerprint: '[1]' } } });

describe('memoryStore', () => {
  it('is empty until saved, then loads what was saved last', async () => {
    const store = memoryStore();
    expect(await store.load()).toBeUndefined();
    await store.save(state());
    await store.save({ ...state(), checkpoint: 5 });
    expect(await store.load()).toEqual({ ...state(), checkpoint: 5 });
    await store.close?.();
  });

  it('keeps copies: mutating a saved or loaded state changes nothing stored', async () => {
    const store = memoryStore();
    const saved = state();
    await store.save(saved);
    saved.emitted.b = { dateCreated: 1, fingerprint: 'x' };
    const loaded = (await store.load())!;
    loaded.checkpoint = 0;
    expect(await store.load()).toEqual(state());
  });

  it('refuses an invalid state with ERR_STORE, keeping the last good one', async () => {
    const store = memoryStore();
    await store.save(state());
    await expect(store.save({ version: 2 } as never)).rejects.toMatchObject({ code: 'ERR_STORE', message: expect.stringMatching(/version 2/) });
    await expect(store.save({ ...state(), checkpoint: Number.NaN })).rejects.toMatchObject({ code: 'ERR_STORE' });
    expect(await store.load()).toEqual(state());
  });

  it('gives each store its own state', async () => {
    const a = memoryStore();
    await a.save(state());
    expect(await memoryStore().load()).toBeUndefined();
  });
});
