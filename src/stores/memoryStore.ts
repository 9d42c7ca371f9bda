import type { Store, StoreState } from '../stream/types.js';
import { ExotelError } from '../exotel/errors.js';
import { invalidStateReason } from './validateState.js';

/**
 * A store that keeps the state in this process only (the default): a restart starts fresh,
 * reading back over the lookback once. Saved and loaded states are copies, so neither side can
 * change the other's by mutating it.
 */
export function memoryStore(): Store {
  let saved: StoreState | undefined;
  return {
    async load() {
      return saved === undefined ? undefined : structuredClone(saved);
    },
    async save(state: StoreState) {
      const reason = invalidStateReason(state);
      if (reason !== undefined) throw new ExotelError('ERR_STORE', `Cannot save the call stream state to memory: ${reason}`);
      saved = structuredClone(state);
    },
    async close() {},
  };
}
