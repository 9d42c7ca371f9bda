// Reads the wallboard's numbers from the DOM, and computes them independently from the events.
import type { Page } from 'playwright-core';
import type { CallStreamEvent } from '../../src/stream/types.js';

export interface BoardNumbers {
  completed: number;
  failed: number;
  busy: number;
  noAnswer: number;
  failedStatus: number;
  canceled: number;
  /** Spend in thousandths. */
  spendMilli: number;
  /** Average talk time as `m:ss`, or `–`. */
  talk: string;
  /** Answer rate as the page writes it (`67%`), or `–`. */
  answerRate: string;
  /** Calls by line (ExoPhone): total and completed. */
  lines: Record<string, { total: number; completed: number }>;
  /** Calls by direction: total and completed. */
  directions: Record<string, { total: number; completed: number }>;
  /** Calls by hour of the day (only hours with calls). */
  hours: Record<string, number>;
}

/** The hour of the day of an instant in a zone. */
const hourIn = (ms: number, timeZone: string) => Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(ms)));

/** What the board must show for "today", from the events alone (the last version of each call wins). */
export function expectedBoard(events: CallStreamEvent[], timeZone = 'Asia/Kolkata'): BoardNumbers {
  const calls = new Map<string, CallStreamEvent['call']>();
  for (const e of events) calls.set(e.call.sid, e.call);
  const all = [...calls.values()];
  const by = (s: string) => all.filter((c) => c.status === s).length;
  const completed = all.filter((c) => c.status === 'completed');
  const talked = completed.filter((c) => c.duration !== null);
  const avg = talked.length === 0 ? null : talked.reduce((n, c) => n + (c.details?.conversationDuration ?? c.duration!), 0) / talked.length;
  const talk = avg === null ? '–' : `${Math.floor(Math.round(avg) / 60)}:${String(Math.round(avg) % 60).padStart(2, '0')}`;
  const group = (key: (c: (typeof all)[number]) => string) => {
    const out: Record<string, { total: number; completed: number }> = {};
    for (const c of all) {
      const g = (out[key(c)] ??= { total: 0, completed: 0 });
      g.total += 1;
      if (c.status === 'completed') g.completed += 1;
    }
    return out;
  };
  const hours: Record<string, number> = {};
  for (const c of all) {
    const h = String(hourIn((c.endTime ?? c.startTime ?? c.dateCreated).getTime(), timeZone));
    hours[h] = (hours[h] ?? 0) + 1;
  }
  return {
    answerRate: all.length === 0 ? '–' : new Intl.NumberFormat('en-IN', { style: 'percent', maximumFractionDigits: 0 }).format(completed.length / all.length),
    lines: group((c) => c.phoneNumber ?? 'unknown'),
    directions: group((c) => c.direction ?? 'unknown'),
    hours,
    completed: completed.length,
    failed: all.length - completed.length,
    busy: by('busy'),
    noAnswer: by('no-answer'),
    failedStatus: by('failed'),
    canceled: by('canceled'),
    spendMilli: all.reduce((n, c) => n + Math.round((c.price ?? 0) * 1000), 0),
    talk,
  };
}

export async function readBoard(page: Page): Promise<BoardNumbers> {
  const text = async (id: string) => (await page.textContent(`[data-testid=${id}]`)) ?? '';
  const int = async (id: string) => Number((await text(id)).replace(/\D/g, ''));
  const spendText = (await text('today-spend')).replace(/[^\d.]/g, '');
  return {
    completed: await int('today-completed'),
    failed: await int('today-failed'),
    busy: await int('today-busy'),
    noAnswer: await int('today-no-answer'),
    failedStatus: await int('today-failed-status'),
    canceled: await int('today-canceled'),
    spendMilli: Math.round(Number(spendText) * 1000),
    talk: await text('today-talk'),
    answerRate: await text('today-answer-rate'),
    ...(await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }> } }).document;
      const rows = (selector: string, attr: string) => {
        const out: Record<string, { total: number; completed: number }> = {};
        for (const tr of d.querySelectorAll(selector)) out[tr.getAttribute(attr)!] = { total: Number(tr.getAttribute('data-total')), completed: Number(tr.getAttribute('data-completed')) };
        return out;
      };
      const hours: Record<string, number> = {};
      for (const bar of d.querySelectorAll('[data-testid=hours] rect[data-hour]')) {
        const n = Number(bar.getAttribute('data-total'));
        if (n > 0) hours[bar.getAttribute('data-hour')!] = n;
      }
      return { lines: rows('[data-testid=lines] tr[data-line]', 'data-line'), directions: rows('[data-testid=directions] tr[data-direction]', 'data-direction'), hours };
    })),
  };
}

/** The Sids the latest-calls list must show: the calls that ended last (their last version), newest first. */
export function expectedLatest(events: CallStreamEvent[], count = 12): string[] {
  const calls = new Map<string, CallStreamEvent['call']>();
  for (const e of events) calls.set(e.call.sid, e.call);
  const at = (c: CallStreamEvent['call']) => (c.endTime ?? c.startTime ?? c.dateCreated).getTime();
  return [...calls.values()]
    .sort((a, b) => at(b) - at(a) || (a.sid < b.sid ? -1 : 1))
    .slice(0, count)
    .map((c) => c.sid);
}
