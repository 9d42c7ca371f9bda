/** The stores' vocabulary: the `Store` interface and the state it keeps. */
import type { EmittedState } from '../engine/types.js';

/** Where the stream remembers what it emitted, and when it last polled. */
export interface Store {
  /** The last saved state, or undefined when there is none yet. */
  load(): Promise<StoreState | undefined>;
  /** Replaces the saved state (atomically, where the store can). */
  save(state: StoreState): Promise<void>;
  /** Releases what the store holds (files, connections). */
  close?(): Promise<void>;
  /**
   * How often this store wants saving, when the stream's own `saveIntervalMs` is not given
   * (milliseconds, or `Infinity`: only when the stream stops or fails). `memoryStore()` says
   * `Infinity`: its state dies with the process, so saving it every cycle would protect nothing.
   * @default 0 (after every poll cycle)
   */
  readonly saveIntervalMs?: number;
}

/** What a store keeps. JSON-serializable. */
export interface StoreState {
  version: 1;
  /** The API-clock instant up to which every listing was read completely (epoch ms), or null. */
  checkpoint: number | null;
  /** Per Sid emitted inside the lookback horizon: its start (epoch ms) and fingerprint of the fields that matter. */
  emitted: EmittedState;
}
