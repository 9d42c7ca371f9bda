/** The stores' vocabulary: the `Store` interface and the state it keeps. */
import type { CoverageJSON } from '../engine/coverage/CoverageLedger.js';
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
  /**
   * The coverage ledger (docs/engine.md): `[from, to, at]` — the start seconds `from`..`to` (epoch
   * ms, whole seconds) were last listed completely as of API time `at`. A restart owes exactly what
   * it does not cover. Absent in states saved before it existed: then the checkpoint alone says
   * where to reach back from.
   */
  coverage?: CoverageJSON;
  /** Sids seen but not yet emitted (waiting to settle), with their start (epoch ms): re-read by Sid after a restart. */
  held?: Record<string, number>;
}
