import { BUDGET_SHARE } from '../engine/planner/constants.js';

/** A warning is said again only after the plan has fit the quota comfortably this long. */
export const QUOTA_WARNING_REARM_MS = 10 * 60_000;
/**
 * The over-the-quota warning is said only once the plan has needed more than the quota for this
 * long: the quota's own window. The first plans rest on priors (the calls' lengths, the rate of an
 * empty window) that a minute of reads corrects; a plan over the quota for seconds lags nothing.
 */
export const QUOTA_WARNING_AFTER_MS = 60_000;

/**
 * When the stream says `ERR_QUOTA_PLAN`: once a spell, for the plan over the quota (`over`) and for
 * the default lags thinned to the lookback lag alone (`thinned`). A spell over the quota begins when
 * the estimate has stayed above it for a minute, and ends only when it has fit comfortably (within
 * the plan's own budget share) for 10 minutes: an estimate near the quota goes back and forth
 * across it. Pure: every call takes `now` (the API's clock).
 */
export class QuotaWarnings {
  #overSince: number | undefined;
  #fitSince: number | undefined;
  #overSaid = false;
  #thinnedSaid = false;
  #wholeSince: number | undefined;

  /** The warnings due now, given what the plan needs and whether it reads the lookback lag alone. */
  check(now: number, needed: number, limit: number, lookbackLagOnly: boolean): { over: boolean; thinned: boolean } {
    let thinned = false;
    if (lookbackLagOnly) {
      this.#wholeSince = undefined;
      thinned = !this.#thinnedSaid;
      this.#thinnedSaid = true;
    } else if (this.#thinnedSaid) {
      this.#wholeSince ??= now;
      if (now - this.#wholeSince >= QUOTA_WARNING_REARM_MS) this.#thinnedSaid = false;
    }

    if (needed <= limit) {
      // A dip just under the quota neither ends the spell over it nor starts a comfortable one.
      if (needed <= limit * BUDGET_SHARE) {
        this.#overSince = undefined;
        this.#fitSince ??= now;
      } else {
        this.#fitSince = undefined;
      }
      if (this.#fitSince !== undefined && now - this.#fitSince >= QUOTA_WARNING_REARM_MS) this.#overSaid = false;
      return { over: false, thinned };
    }
    this.#fitSince = undefined;
    this.#overSince ??= now;
    const over = now - this.#overSince >= QUOTA_WARNING_AFTER_MS && !this.#overSaid;
    if (over) this.#overSaid = true;
    return { over, thinned };
  }
}
