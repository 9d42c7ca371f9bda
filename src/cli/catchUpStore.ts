import type { Store, StoreState } from '../stream/types.js';

/** What `catchUpStore` found when the stream loaded its state. */
export interface CatchUpInfo {
  /** Whether the wrapped store held a checkpoint (the stream resumes from it). */
  resumed: boolean;
}

/**
 * Wraps a store so that the stream's first window reaches back at least to `fromMs` (`--since`):
 * the checkpoint it loads is moved back to `fromMs` when there is none or a later one. What the
 * stream saves goes to the wrapped store unchanged.
 */
export function catchUpStore(inner: Store, fromMs: number | undefined, info: CatchUpInfo): Store {
  return {
    async load(): Promise<StoreState | undefined> {
      const state = await inner.load();
      info.resumed = state?.checkpoint !== null && state?.checkpoint !== undefined;
      if (fromMs === undefined) return state;
      const base: StoreState = state ?? { version: 1, checkpoint: null, emitted: {} };
      if (base.checkpoint === null || base.checkpoint > fromMs) return { ...base, checkpoint: fromMs };
      return base;
    },
    save: (state) => inner.save(state),
    // Saved as often as the store it wraps asks.
    ...(inner.saveIntervalMs === undefined ? {} : { saveIntervalMs: inner.saveIntervalMs }),
    close: async () => {
      await inner.close?.();
    },
  };
}
