import type { SettleContext } from './types.js';

/**
 * The default settled predicate: a record is settled once the API has filled in `duration`,
 * `price` and `endTime` (they arrive minutes after the call ended). A value can still be
 * corrected later; that is a `callUpdated`, not a reason to hold longer.
 */
export function defaultIsSettled(context: SettleContext): boolean {
  const { call } = context;
  return call.duration !== null && call.price !== null && call.endTime !== null;
}
