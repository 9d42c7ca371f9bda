/** The backfill's progress line on a terminal, and its plain summary elsewhere. */

export interface ProgressSnapshot {
  windowsDone: number;
  windowsTotal: number;
  pages: number;
  records: number;
  /** Requests the client may still make in the current minute, when it knows. */
  quotaLeft?: number | undefined;
  /** 0..1 of the range covered. */
  fraction: number;
  /** 0..1 of what this run had left when it started (differs from `fraction` after a resume). @default fraction */
  paceFraction?: number;
  elapsedMs: number;
  /** Pages read by this run (the pace of a resumed run starts with it). @default pages */
  pagesThisRun?: number;
  /** The quota: the ETA is never shorter than the pages left take at this many a minute. */
  requestsPerMinute?: number;
}

/** `1m05s`, `2h03m`, `12s`. */
export function formatDurationShort(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Time left, from the pace so far; undefined until there is a pace to go by. With the quota given,
 * never less than the pages still to read (estimated from the pages per fraction so far) take at
 * `requestsPerMinute`, less what the current minute still allows: a first burst of fast pages
 * says nothing about the minute-long waits for quota that follow it.
 */
export function estimateRemainingMs(
  fraction: number,
  elapsedMs: number,
  quota?: { pages: number; requestsPerMinute: number; quotaLeft?: number | undefined },
): number | undefined {
  if (fraction <= 0 || elapsedMs <= 0) return undefined;
  if (fraction >= 1) return 0;
  const pace = (elapsedMs / fraction) * (1 - fraction);
  if (!quota || quota.requestsPerMinute <= 0 || quota.pages <= 0) return pace;
  const pagesLeft = (quota.pages / fraction) * (1 - fraction);
  const beyondThisMinute = Math.max(0, pagesLeft - (quota.quotaLeft ?? 0));
  return Math.max(pace, (beyondThisMinute / quota.requestsPerMinute) * 60_000);
}

/** One terminal line (no newline), at most `width` columns. */
export function renderProgress(p: ProgressSnapshot, width = 80): string {
  const eta = estimateRemainingMs(
    p.paceFraction ?? p.fraction,
    p.elapsedMs,
    p.requestsPerMinute === undefined ? undefined : { pages: p.pagesThisRun ?? p.pages, requestsPerMinute: p.requestsPerMinute, quotaLeft: p.quotaLeft },
  );
  const info =
    ` windows ${p.windowsDone}/${p.windowsTotal}  pages ${p.pages}  records ${p.records}` +
    (p.quotaLeft === undefined ? '' : `  quota ${p.quotaLeft} left`) +
    `  ETA ${eta === undefined ? '--' : formatDurationShort(eta)}`;
  const barWidth = Math.max(10, Math.min(30, width - info.length - 3));
  const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * barWidth);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${info}`;
  return line.length > width ? line.slice(0, width) : line;
}

/** The line printed at the end (and instead of the bar when stderr is not a terminal). */
export function renderSummary(p: Omit<ProgressSnapshot, 'fraction' | 'paceFraction' | 'quotaLeft'> & { resumed: boolean; out: string }): string {
  return (
    `backfill: ${p.records} records in ${p.pages} pages over ${p.windowsDone}/${p.windowsTotal} windows to ${p.out}` +
    ` in ${formatDurationShort(p.elapsedMs)}${p.resumed ? ' (resumed)' : ''}`
  );
}
