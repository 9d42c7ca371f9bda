import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { ExotelError } from '../exotel/errors.js';
import type { Store, StoreState } from '../stores/types.js';
import { saveSerially } from './internal/saveSerially.js';

export interface PersistStateOptions {
  /** Where the state goes. */
  store: Store;
  /** The state to save, read when the save starts (emitted Sids and the planner's checkpoint). */
  state: () => StoreState;
  /** A save that failed, as an `ERR_STORE` error; the stream goes on and the next cycle saves again. */
  onError?: (error: ExotelError) => void;
  /** Told after each save that succeeded. */
  onSaved?: () => void;
  /** Asked when a cycle completes: `false` skips this save (to save less often than every cycle). @default always true */
  shouldSave?: () => boolean;
}

/**
 * Passes a poll cycle's values through and, when the cycle completes, saves the state before
 * completing: the next cycle starts only once the store has what this one emitted. Saves to one
 * store never overlap. A failed save is reported, not thrown.
 *
 * @example
 * cycle$.pipe(persistState({ store, state: () => ({ version: 1, checkpoint: planner.checkpoint(), emitted: tracker.emittedState() }) }));
 */
export function persistState<T>(options: PersistStateOptions): MonoTypeOperatorFunction<T> {
  const { store, state, onError, onSaved, shouldSave } = options;
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
        complete() {
          if (shouldSave !== undefined && !shouldSave()) {
            subscriber.complete();
            return;
          }
          saveSerially(store, state).then(
            () => {
              onSaved?.();
              subscriber.complete();
            },
            (cause: unknown) => {
              onError?.(
                cause instanceof ExotelError && cause.code === 'ERR_STORE'
                  ? cause
                  : new ExotelError('ERR_STORE', `Could not save the stream's state: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
              );
              subscriber.complete();
            },
          );
        },
      }),
    );
}
