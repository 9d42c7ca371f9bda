// The wallboard page in a real headless Chromium: numbers match the events, and a cut SSE
// connection is resumed without losing or repeating an event.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createWallboardServer, type WallboardServer } from '../../src/wallboard/createWallboardServer.js';
import type { CallStatus } from '../../src/exotel/types.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { launchChromium, tcpProxy, type TcpProxy } from './browser.js';
import { ended, makeCall, subjectStream, updated } from './fixtures.js';
import { expectedBoard, expectedLatest, readBoard } from './board.js';
import { connectSse } from './sseClient.js';
import { createSimulator } from '../../src/simulator/index.js';
import { createCallStream } from '../../src/stream/createCallStream.js';

// Functions passed to page.evaluate run in the browser; this project compiles without the DOM lib.
declare const document: any;
declare const window: any;
declare const getComputedStyle: (element: unknown) => { backgroundColor: string; color: string };

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('wallboard page in Chromium (hand-driven stream)', () => {
  let server: WallboardServer | undefined;
  let proxy: TcpProxy | undefined;
  let page: Page | undefined;
  afterAll(async () => {
    await page?.close();
    await proxy?.close();
    await server?.close();
  });

  it('shows numbers that match the events, and resumes a cut feed without loss or repeats', async () => {
    const stream = subjectStream();
    const sent: CallStreamEvent[] = [];
    const emit = (e: CallStreamEvent) => {
      sent.push(e);
      stream.events$.next(e);
    };
    const statuses: CallStatus[] = ['completed', 'completed', 'busy', 'completed', 'no-answer', 'failed', 'completed', 'canceled'];
    const lines = ['+918047000001', '+918047000002', '+918047000003'];
    let n = 0;
    // How long before "now" each call ended: the one to be corrected ends last of all, so that the
    // latest-calls list must show it (a correction of a call not on the list would prove nothing).
    let age = (k: number) => (k % 7) * 1000;
    const next = () => {
      const status = statuses[n % statuses.length]!;
      n += 1;
      const call = makeCall({
        sid: `b${n}`,
        status,
        end: Date.now() - age(n),
        duration: status === 'completed' ? 30 + n * 7 : 0,
        price: status === 'completed' ? 0.5 + n / 100 : 0,
        phoneNumber: lines[n % 3]!,
        direction: n % 4 === 0 ? 'outbound-dial' : 'inbound',
      });
      emit(ended(call));
      return call;
    };
    server = await createWallboardServer({ stream, retryMs: 150, statsDebounceMs: 20, heartbeatMs: 1000, title: 'Support floor' });
    // Calls from before the page opened arrive in the snapshot.
    for (let i = 0; i < 5; i++) next();
    proxy = await tcpProxy(server.port);
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.setDefaultTimeout(5000);
    await page.goto(proxy.url);
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
    expect(await page.textContent('[data-testid=title]')).toBe('Support floor');

    age = () => 0;
    const first = next();
    age = (k) => 60_000 + (k % 7) * 1000;
    for (let i = 0; i < 10; i++) next();
    emit(updated(first, { price: 7.25, duration: 600 }));
    await page.waitForFunction(() => window.wallboard.lastSeq === 17);

    proxy.cut();
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'reconnecting');
    // Events that happen while the page is cut off.
    for (let i = 0; i < 9; i++) next();
    emit(updated(first, { status: 'failed', price: 0, duration: 0 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.evaluate(() => window.wallboard.lastSeq)).toBe(17);
    proxy.restore();
    await page.waitForFunction(() => window.wallboard.lastSeq === 27, undefined, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
    for (let i = 0; i < 3; i++) next();
    await page.waitForFunction(() => window.wallboard.lastSeq === 30);

    const state = await page.evaluate(() => {
      const w = window.wallboard;
      return { seqs: w.receivedSeqs as number[], duplicates: w.duplicates, gaps: w.gaps, snapshots: w.snapshots, reconnects: w.reconnects };
    });
    // Five events came in the snapshot; every later one exactly once, in order, across the cut.
    expect(state.seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 6));
    expect(state.duplicates).toBe(0);
    expect(state.gaps).toBe(0);
    expect(state.snapshots).toBe(1);
    expect(state.reconnects).toBeGreaterThan(0);

    const expected = expectedBoard(sent);
    await page.waitForFunction((total) => Number(document.querySelector('[data-testid=today-completed]')?.textContent?.replace(/\D/g, '')) === total, expected.completed);
    await new Promise((r) => setTimeout(r, 60));
    expect(await readBoard(page)).toEqual(expected);
    expect(Object.keys(expected.lines)).toHaveLength(3);
    expect(Object.keys(expected.directions)).toEqual(['inbound', 'outbound-dial']);
    // The latest calls: the twelve that ended last, newest first, whatever order they arrived in;
    // the corrected call once, at the place its end time gives it, with its new status.
    const rows = await latestRows(page);
    expect(rows.map((r) => r.sid)).toEqual(expectedLatest(sent));
    expect(rows[0]).toEqual({ sid: first.sid, status: 'failed', updated: true });
    expect(rows.filter((r) => r.sid === first.sid)).toHaveLength(1);
    // Every row of the list fits on the screen, whole, at the usual TV sizes.
    for (const size of [{ width: 1920, height: 1080 }, { width: 1280, height: 720 }, { width: 3840, height: 2160 }]) {
      await page.setViewportSize(size);
      expect({ size, rows: await rowsThatFit(page) }).toEqual({ size, rows: Array.from({ length: 12 }, () => true) });
    }
    expect(pageErrors).toEqual([]);
  });
});

/** The latest-calls rows as the page shows them. */
function latestRows(page: Page): Promise<Array<{ sid: string; status: string; updated: boolean }>> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-testid=latest] tr') as ArrayLike<any>).map((tr: any) => ({
      sid: tr.getAttribute('data-sid'),
      status: tr.querySelector('.pill')?.textContent,
      updated: tr.querySelector('.updated') !== null,
    })),
  );
}

/** For each latest-calls row: inside its panel and the window, and no cell's text cut off. */
function rowsThatFit(page: Page): Promise<boolean[]> {
  return page.evaluate(() => {
    const panel = document.querySelector('[data-testid=latest-panel]').getBoundingClientRect();
    return Array.from(document.querySelectorAll('[data-testid=latest] tr') as ArrayLike<any>).map((tr: any) => {
      const r = tr.getBoundingClientRect();
      const cellsWhole = Array.from(tr.children as ArrayLike<any>).every((td: any) => td.scrollWidth <= td.clientWidth + 1);
      return r.height > 0 && r.top >= panel.top && r.bottom <= panel.bottom + 0.5 && r.bottom <= window.innerHeight && r.right <= panel.right + 0.5 && cellsWhole;
    });
  });
}

describe('wallboard page in Chromium (catching up, themes)', () => {
  it('says "catching up" while the stream reads missed history, and "live" once it is done', async () => {
    const stream = subjectStream();
    let catchingUp = true;
    const board = await createWallboardServer({ stream: { ...stream, status: () => ({ catchingUp }) as never }, statsIntervalMs: 50, heartbeatMs: 1000 });
    const page = await browser.newPage();
    page.setDefaultTimeout(5000);
    try {
      await page.goto(board.url);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'catching-up');
      expect(await page.textContent('[data-testid=status]')).toBe('Catching up');
      catchingUp = false;
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
    } finally {
      await page.close();
      await board.close();
    }
  });

  it('has a dark and a light theme, chosen by the server or by ?theme= on the URL', async () => {
    const stream = subjectStream();
    const board = await createWallboardServer({ stream, theme: 'light' });
    const page = await browser.newPage();
    page.setDefaultTimeout(5000);
    const look = () => page.evaluate(() => ({ theme: document.documentElement.getAttribute('data-theme'), bg: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color }));
    try {
      await page.goto(board.url);
      await page.waitForFunction(() => window.wallboard.snapshots === 1);
      expect(await look()).toEqual({ theme: 'light', bg: 'rgb(238, 241, 246)', text: 'rgb(15, 23, 42)' });
      await page.goto(`${board.url}?theme=dark`);
      await page.waitForFunction(() => window.wallboard.snapshots === 1);
      expect(await look()).toEqual({ theme: 'dark', bg: 'rgb(11, 18, 32)', text: 'rgb(230, 236, 247)' });
    } finally {
      await page.close();
      await board.close();
    }
  });
});

describe('wallboard page in Chromium (silent connection)', () => {
  it('reopens a feed that went silent and resumes it from the last event id', async () => {
    const stream = subjectStream();
    const board = await createWallboardServer({ stream, heartbeatMs: 200, retryMs: 150, statsDebounceMs: 10 });
    const proxy = await tcpProxy(board.port);
    const page = await browser.newPage();
    page.setDefaultTimeout(5000);
    try {
      await page.goto(proxy.url);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
      for (let i = 0; i < 3; i++) stream.events$.next(ended(makeCall({ sid: `s${i}`, end: Date.now() })));
      await page.waitForFunction(() => window.wallboard.lastSeq === 3);
      // The link stays open but carries nothing: no error reaches the page, only silence.
      proxy.freeze();
      for (let i = 3; i < 6; i++) stream.events$.next(ended(makeCall({ sid: `s${i}`, end: Date.now() })));
      await page.waitForFunction(() => window.wallboard.lastSeq === 6, undefined, { timeout: 8000 });
      const state = await page.evaluate(() => ({ seqs: window.wallboard.receivedSeqs, opens: window.wallboard.opens, duplicates: window.wallboard.duplicates, snapshots: window.wallboard.snapshots }));
      expect(state.seqs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(state.duplicates).toBe(0);
      // Resumed by id, not by a fresh snapshot.
      expect(state.snapshots).toBe(1);
      expect(state.opens).toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
      await proxy.close();
      await board.close();
    }
  });
});

describe('wallboard page in Chromium (simulator + call stream)', () => {
  it('shows what the stream emitted, across a cut connection, and never a credential', async () => {
    const sim = createSimulator({ settleDelayMs: { min: 100, max: 400 }, seed: 11 });
    const { url: apiUrl } = await sim.listen();
    const stream = createCallStream({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: apiUrl, pollIntervalMs: 1000, settleMs: 2000 });
    const seen: CallStreamEvent[] = [];
    const recorder = stream.events$.subscribe((e) => seen.push(e));
    const board = await createWallboardServer({ stream, retryMs: 150, statsDebounceMs: 20, heartbeatMs: 1000 });
    const proxy = await tcpProxy(board.port);
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const tap = connectSse(new URL('events', board.url).toString());
    try {
      await page.goto(proxy.url);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
      const statuses: CallStatus[] = ['completed', 'busy', 'completed', 'no-answer', 'completed', 'failed'];
      const add = (i: number, extra: Record<string, unknown> = {}) =>
        sim.addCall({ startAt: Date.now() - 20_000, talkMs: statuses[i % 6] === 'completed' ? 5_000 + i * 1000 : 0, status: statuses[i % 6]!, from: `+9198765${String(i).padStart(5, '0')}`, ...extra });
      const firstBatch = statuses.map((_, i) =>
        // One call is corrected a few seconds from now: a callUpdated while the page is cut off.
        add(i, i === 0 ? { corrections: [{ afterMs: 12_500, fields: { Price: 9.5 } }] } : {}),
      );
      await page.waitForFunction(() => window.wallboard.lastSeq === 6);
      // The page lists exactly the six calls, by the time they ended.
      expect((await latestRows(page)).map((r) => r.sid)).toEqual(expectedLatest(seen));
      expect(new Set(expectedLatest(seen))).toEqual(new Set(firstBatch.map((c) => c.sid)));

      proxy.cut();
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'reconnecting');
      for (let i = 6; i < 12; i++) add(i);
      // The stream delivered them (and the correction) while the page could not hear.
      await vi.waitUntil(() => seen.length === 13, { timeout: 8000, interval: 50 });
      expect(await page.evaluate(() => window.wallboard.lastSeq)).toBe(6);
      proxy.restore();
      await page.waitForFunction(() => window.wallboard.lastSeq === 13);

      const state = await page.evaluate(() => ({ seqs: window.wallboard.receivedSeqs, duplicates: window.wallboard.duplicates, gaps: window.wallboard.gaps, snapshots: window.wallboard.snapshots }));
      expect(state).toEqual({ seqs: Array.from({ length: 13 }, (_, i) => i + 1), duplicates: 0, gaps: 0, snapshots: 1 });
      expect(seen.filter((e) => e.type === 'callUpdated')).toHaveLength(1);

      const expected = expectedBoard(seen);
      expect(expected.completed + expected.failed).toBe(12);
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=today-completed]')?.textContent?.replace(/\D/g, '')) === n, expected.completed);
      await page.waitForFunction((milli) => Math.round(Number(document.querySelector('[data-testid=today-spend]')?.textContent?.replace(/[^\d.]/g, '')) * 1000) === milli, expected.spendMilli);
      expect(await readBoard(page)).toEqual(expected);

      // Nothing the board serves carries the API key or token, in any form.
      const basic = Buffer.from('sim-key:sim-token').toString('base64');
      const served = [
        tap.raw.join(''),
        await (await fetch(board.url)).text(),
        await (await fetch(new URL('wallboard.js', board.url))).text(),
        await (await fetch(new URL('api/snapshot', board.url))).text(),
        await page.content(),
      ].join('\n');
      expect(tap.json('call')).toHaveLength(13);
      for (const secret of ['sim-key', 'sim-token', basic]) expect(served).not.toContain(secret);
      expect(served).not.toContain('+919876500003'); // customer numbers are masked
    } finally {
      tap.close();
      recorder.unsubscribe();
      await page.close();
      await proxy.close();
      await board.close();
      await stream.stop();
      await sim.close();
    }
  });
});
