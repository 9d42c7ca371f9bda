/** Per-account sliding 60-second windows: one for the limit (accepted requests), one for the stats (all). */
const WINDOW_MS = 60_000;

class TimeQueue {
  private times: number[] = [];
  private head = 0;

  /** Drops entries outside the window ending at `now`; returns how many are left. */
  trim(now: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= now - WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  push(t: number): void {
    this.times.push(t);
  }

  oldest(): number | undefined {
    return this.times[this.head];
  }
}

export class RateWindow {
  private readonly accepted = new Map<string, TimeQueue>();
  private readonly seen = new Map<string, TimeQueue>();
  total = 0;
  rejected = 0;
  maxInAnyWindow = 0;

  /** Counts every request of an account (accepted or not) for the stats. */
  count(accountSid: string, now: number): void {
    let q = this.seen.get(accountSid);
    if (!q) this.seen.set(accountSid, (q = new TimeQueue()));
    q.trim(now);
    q.push(now);
    this.maxInAnyWindow = Math.max(this.maxInAnyWindow, q.trim(now));
  }

  /** Admits the request or returns the ms until the window has room again. */
  admit(accountSid: string, now: number, limit: number): { ok: true } | { ok: false; waitMs: number } {
    let q = this.accepted.get(accountSid);
    if (!q) this.accepted.set(accountSid, (q = new TimeQueue()));
    if (q.trim(now) >= limit) {
      this.rejected++;
      return { ok: false, waitMs: Math.max(0, (q.oldest() ?? now) + WINDOW_MS - now) };
    }
    q.push(now);
    return { ok: true };
  }
}
