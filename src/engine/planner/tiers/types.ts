import type { CallQuery } from '../../../exotel/buildCallQuery.js';
import type { Cadence, PlanShape } from '../costModel.js';

/** What every tier plans from: the poll's one clock reading, the cadence, the shape of the plan. */
export interface TierContext {
  /** The stream's filters and page size, applied to every read. */
  readonly base: CallQuery;
  /** The API's time of this poll, and its whole second. */
  readonly now: number;
  readonly at: number;
  /**
   * The oldest start second a window may reach: what the API still lists (180 days), and what the
   * stream still answers for (the planner's domain: it remembers the calls it emitted from there).
   */
  readonly oldest: number;
  readonly cadence: Cadence;
  readonly shape: PlanShape;
}

/** One window a tier wants read: its query and the start seconds it spans. */
export interface WindowRead {
  readonly query: CallQuery;
  readonly from: number;
  readonly to: number;
}
