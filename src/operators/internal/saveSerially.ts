import type { Store, StoreState } from '../../stores/types.js';

const chains = new WeakMap<Store, Promise<void>>();

/**
 * Saves to `store` after every save already queued on it has settled, so that an older state
 * never lands after a newer one (a cycle's save and the final save of `stop()` may overlap).
 * `state` is read when the save starts, so a queued save writes the freshest state.
 */
export function saveSerially(store: Store, state: () => StoreState): Promise<void> {
  const previous = chains.get(store) ?? Promise.resolve();
  const next = previous.then(() => store.save(state()));
  chains.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}
