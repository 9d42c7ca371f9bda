/**
 * The engine's vocabulary: the events the tracker produces, the context of the settle predicate and
 * what the tracker remembers per emitted Sid. `stream/types.ts` re-exports the public ones.
 */
import type { Call } from '../exotel/types.js';

/**
 * A hint that a call ended: its Sid, and when known its end (epoch ms, the API's clock), its start
 * and its status (Exotel's `StatusCallback` carries them). The stream re-reads the Sid once the
 * call should have settled; the pull tiers still cover every call whose hint never comes.
 */
export interface CallHint {
  sid: string;
  endedAt?: number;
  dateCreated?: number;
  status?: string;
}

/** Context handed to a custom settle predicate (frozen). */
export interface SettleContext {
  /** The call as last read. */
  call: Call;
  /** Milliseconds the record has been held since it was first seen. */
  heldMs: number;
}

/** Emitted once per Sid, when a call has settled (or was held `settleMs`). */
export type CallCompletedEvent = { type: 'callCompleted'; call: Call };
export type CallFailedEvent = { type: 'callFailed'; call: Call };

/** A change to a call after it was emitted. `changes` names the camelCase fields that changed. */
export interface CallUpdate {
  /** The call as just read. */
  call: Call;
  /**
   * The call as last emitted, rebuilt from what is remembered per Sid (its `TRACKED_FIELDS` and
   * `dateUpdated`), so it is the same after a restart. Other fields, `raw` included, are the
   * current read's: only the tracked values are kept per emitted call, not its record.
   */
  previous: Call;
  /** The camelCase fields that changed (`'dateUpdated'` too when it moved with them). */
  changes: Array<keyof Call | string>;
}
export type CallUpdatedEvent = { type: 'callUpdated' } & CallUpdate;

/** The union on `events$`. */
export type CallStreamEvent = CallCompletedEvent | CallFailedEvent | CallUpdatedEvent;

/**
 * What the tracker remembers per Sid emitted inside the lookback horizon: its start (epoch ms)
 * and the fingerprint of its tracked values. JSON-serializable: a store keeps it as it is.
 */
export type EmittedState = Record<string, { dateCreated: number; fingerprint: string }>;
