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
}

/** What the board must show for "today", from the events alone (the last version of each call wins). */
export function expectedBoard(events: CallStreamEvent[]): BoardNumbers {
  const calls = new Map<string, CallStreamEvent['call']>();
  for (const e of events) calls.set(e.call.sid, e.call);
  const all = [...calls.values()];
  const by = (s: string) => all.filter((c) => c.status === s).length;
  const completed = all.filter((c) => c.status === 'completed');
  const talked = completed.filter((c) => c.duration !== null);
  const avg = talked.length === 0 ? null : talked.reduce((n, c) => n + (c.details?.conversationDuration ?? c.duration!), 0) / talked.length;
  const talk = avg === null ? '–' : `${Math.floor(Math.round(avg) / 60)}:${String(Math.round(avg) % 60).padStart(2, '0')}`;
  return {
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
  };
}
