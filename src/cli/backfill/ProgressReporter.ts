import type { CliContext } from '../context.js';
import { renderProgress } from './progress.js';
import type { BackfillState } from './state.js';
import type { BackfillWindow } from './windows.js';

/**
 * The progress bar on a terminal (redrawn at most ten times a second). Its ETA knows the quota:
 * never less than the pages still to read at the account's requests a minute.
 */
export class ProgressReporter {
  #lastDraw = 0;
  #drawn = false;
  #startFraction: number | undefined;
  readonly #totalSpan: number;
  constructor(
    private readonly context: CliContext,
    private readonly windows: BackfillWindow[],
    private readonly enabled: boolean,
    private readonly quotaLeft: () => Promise<number | undefined>,
    private readonly requestsPerMinute: number,
  ) {
    this.#totalSpan = windows.reduce((sum, w) => sum + (w.endMs - w.startMs + 1000), 0);
  }

  async update(state: BackfillState, index: number, window: BackfillWindow, lastCreatedMs: number | undefined, startedAt: number, pagesThisRun: number): Promise<void> {
    if (!this.enabled) return;
    const now = this.context.now();
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const doneSpan = this.windows.slice(0, index).reduce((sum, w) => sum + (w.endMs - w.startMs + 1000), 0);
    const within = lastCreatedMs === undefined ? 0 : Math.min(1, Math.max(0, (lastCreatedMs - window.startMs) / (window.endMs - window.startMs + 1000)));
    const fraction = this.#totalSpan === 0 ? 1 : (doneSpan + within * (window.endMs - window.startMs + 1000)) / this.#totalSpan;
    // A resumed run starts part-way: its pace is measured from where it started.
    this.#startFraction ??= fraction;
    const paceFraction = this.#startFraction >= 1 ? 1 : (fraction - this.#startFraction) / (1 - this.#startFraction);
    const line = renderProgress(
      {
        windowsDone: index,
        windowsTotal: this.windows.length,
        pages: state.pages,
        records: state.records,
        quotaLeft: await this.quotaLeft().catch(() => undefined),
        fraction,
        paceFraction,
        elapsedMs: now - startedAt,
        pagesThisRun,
        requestsPerMinute: this.requestsPerMinute,
      },
      Math.max(40, (this.context.stderr.columns || 80) - 1),
    );
    this.context.stderr.write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  clear(): void {
    if (this.#drawn) this.context.stderr.write('\r\x1b[K');
    this.#drawn = false;
  }

  finish(): void {
    this.clear();
  }
}
