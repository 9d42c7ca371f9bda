/**
 * The tracked fields of a `Call`: the one list. The engine's fingerprint, its change detection and
 * the fast reader of raw records (`readTrackedValues`) are derived from it.
 */
import type { Call } from './types.js';

/**
 * The fields whose change after emission is a `callUpdated`, in the order the fingerprint encodes
 * them. `dateUpdated` is not among them: it moves on changes nobody can see in the record, so it
 * alone changing is not an update (it is named in `changes` when it moved together with a tracked
 * field). `details` compares only when the stream asks for details; without them it is absent on
 * both sides.
 */
export const TRACKED_FIELDS = Object.freeze(['status', 'startTime', 'endTime', 'duration', 'price', 'recordingUrl', 'answeredBy', 'details'] as const) satisfies ReadonlyArray<keyof Call>;

/** One of `TRACKED_FIELDS`. */
export type TrackedField = (typeof TRACKED_FIELDS)[number];

/** A value as the readers of raw records give it: an instant as epoch ms (not finite → null). */
export type InstantAsMs<T> = T extends Date ? number : T;

/**
 * The tracked values of a raw record as `normalizeCall` would give them, read without building the
 * `Call` (see `readTrackedValues`): every tracked field but `details` (the fast reader leaves details
 * to `normalizeCall`), instants as epoch ms, plus `dateUpdated`, which the fingerprint keeps too.
 */
export type TrackedRead = { [K in Exclude<TrackedField, 'details'> | 'dateUpdated']: InstantAsMs<Call[K]> };
