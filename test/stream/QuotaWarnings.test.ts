import { describe, expect, it } from 'vitest';
import { QUOTA_WARNING_AFTER_MS, QUOTA_WARNING_REARM_MS, QuotaWarnings } from '../../src/stream/QuotaWarnings.js';

const MINUTE = 60_000;

describe('QuotaWarnings: when ERR_QUOTA_PLAN is said', () => {
  it('says "over" once the plan stayed over the quota a minute, once a spell; a dip just under does not end it', () => {
    const w = new QuotaWarnings();
    expect(w.check(0, 250, 200, false).over).toBe(false);
    // Just under the quota (over 85 % of it): the spell over it goes on.
    expect(w.check(30_000, 190, 200, false).over).toBe(false);
    expect(w.check(QUOTA_WARNING_AFTER_MS, 250, 200, false).over).toBe(true);
    expect(w.check(QUOTA_WARNING_AFTER_MS + MINUTE, 250, 200, false).over).toBe(false);
  });

  it('starts again after a comfortable dip, and says it again only after 10 comfortable minutes', () => {
    const w = new QuotaWarnings();
    w.check(0, 250, 200, false);
    expect(w.check(MINUTE, 250, 200, false).over).toBe(true);
    // Comfortable for 5 minutes, then over again for a minute: not said again.
    w.check(2 * MINUTE, 100, 200, false);
    w.check(7 * MINUTE, 250, 200, false);
    expect(w.check(8 * MINUTE, 250, 200, false).over).toBe(false);
    // Comfortable for 10 minutes: re-armed.
    w.check(9 * MINUTE, 100, 200, false);
    w.check(9 * MINUTE + QUOTA_WARNING_REARM_MS, 100, 200, false);
    w.check(20 * MINUTE, 250, 200, false);
    expect(w.check(21 * MINUTE, 250, 200, false).over).toBe(true);
  });

  it('an estimate over the quota for less than a minute at a time says nothing', () => {
    const w = new QuotaWarnings();
    for (let t = 0; t < 60 * MINUTE; t += MINUTE) {
      expect(w.check(t, 250, 200, false).over).toBe(false);
      expect(w.check(t + 30_000, 100, 200, false).over).toBe(false);
    }
  });

  it('says "thinned" once while the lookback lag is read alone, again after 10 minutes with the lags whole', () => {
    const w = new QuotaWarnings();
    expect(w.check(0, 150, 200, true).thinned).toBe(true);
    expect(w.check(MINUTE, 150, 200, true).thinned).toBe(false);
    w.check(2 * MINUTE, 150, 200, false);
    expect(w.check(3 * MINUTE, 150, 200, true).thinned).toBe(false);
    w.check(4 * MINUTE, 150, 200, false);
    w.check(4 * MINUTE + QUOTA_WARNING_REARM_MS, 150, 200, false);
    expect(w.check(15 * MINUTE, 150, 200, true).thinned).toBe(true);
  });
});
