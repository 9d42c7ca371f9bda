import type { Store, StoreState } from './types.js';
import { ExotelError } from '../exotel/errors.js';
import { copyState, invalidStateReason } from './validateState.js';

/**
 * A store that keeps the state in this process only (the default): a restart of the process
 * starts fresh, reading back over the lookback once; a new stream on the same store (after
 * `stop()`, or after a fatal error) goes on where the last one stopped. Saved and loaded states
 * are copies, so neither side can change the other's by mutating it.
 *
 * Its `saveIntervalMs` is `Infinity`: what it holds dies with the process, so a save before the
 * stream stops would protect nothing, and a stream saves it only when it stops or fails (unless
 * the stream's own `saveIntervalMs` says otherwise). At a busy account that spares copying
 * hundreds of thousands of entries every cycle.
 */
export function memoryStore(): Store {
  let saved: StoreState | undefined;
  return {
    saveIntervalMs: Number.POSITIVE_INFINITY,
    async load() {
      return saved === undefined ? undefined : copyState(saved);
    },
    async save(state: StoreState) {
      const reason = invalidStateReason(state);
      if (reason !== undefined) throw new ExotelError('ERR_STORE', `Cannot save the call stream state to memory: ${reason}`);
      saved = copyState(state);
    },
    async close() {},
  };
}
