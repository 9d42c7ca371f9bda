import { describe, expect, it } from 'vitest';
import { Subject, lastValueFrom, of, toArray } from 'rxjs';
import { ExotelError } from '../../src/exotel/errors.js';
import { persistState } from '../../src/operators/persistState.js';
import type { Store, StoreState } from '../../src/stream/types.js';

const state = (checkpoint: number): StoreState => ({ version: 1, checkpoint, emitted: {} });

function recordingStore(delayMs = 0, failWith?: Error) {
  const saved: Array<number | null> = [];
  let saving = 0;
  let overlapped = false;
  const store: Store = {
    async load() {
      return undefined;
    },
    async save(s) {
      saving += 1;
      if (saving > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      saving -= 1;
      if (failWith) throw failWith;
      saved.push(s.checkpoint);
    },
  };
  return { store, saved, overlapped: () => overlapped };
}

describe('persistState', () => {
  it('passes values through and saves when the cycle completes, before completing', async () => {
    const { store, saved } = recordingStore(5);
    let checkpoint = 1;
    const source = new Subject<string>();
    const done = lastValueFrom(source.pipe(persistState({ store, state: () => state(checkpoint) }), toArray()));
    source.next('a');
    checkpoint = 2;
    source.complete();
    const values = await done;
    expect(values).toEqual(['a']);
    expect(saved).toEqual([2]);
  });

  it('never overlaps saves to one store, and the last state wins', async () => {
    const { store, saved, overlapped } = recordingStore(5);
    let checkpoint = 0;
    const cycles = [1, 2, 3].map(() => lastValueFrom(of(0).pipe(persistState({ store, state: () => state(++checkpoint) }))));
    await Promise.all(cycles);
    expect(overlapped()).toBe(false);
    expect(saved).toEqual([1, 2, 3]);
  });

  it('reports a failed save as ERR_STORE and completes anyway', async () => {
    const { store } = recordingStore(0, new Error('disk full'));
    const errors: ExotelError[] = [];
    const values = await lastValueFrom(of('x').pipe(persistState({ store, state: () => state(1), onError: (e) => errors.push(e) }), toArray()));
    expect(values).toEqual(['x']);
    expect(errors[0]?.code).toBe('ERR_STORE');
    expect(errors[0]?.message).toContain('disk full');
    expect(errors[0]?.fatal).toBe(false);
  });

  it('does not save a cycle that errored', async () => {
    const { store, saved } = recordingStore();
    const source = new Subject<number>();
    const done = lastValueFrom(source.pipe(persistState({ store, state: () => state(1) })));
    source.error(new Error('fatal'));
    await expect(done).rejects.toThrow('fatal');
    expect(saved).toEqual([]);
  });
});
