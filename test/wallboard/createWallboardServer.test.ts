import { afterEach, describe, expect, it } from 'vitest';
import { createWallboardServer, type WallboardServer } from '../../src/wallboard/createWallboardServer.js';
import { ExotelError, ExotelHttpError, InvalidOptionError } from '../../src/exotel/errors.js';
import type { BoardEvent, WallboardSnapshot } from '../../src/wallboard/types.js';
import { connectSse, type SseClient } from './sseClient.js';
import { ended, makeCall, subjectStream, updated } from './fixtures.js';

const NOON_IST = Date.UTC(2026, 2, 10, 6, 30, 0);
let server: WallboardServer | undefined;
const clients: SseClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

function sse(url: string, headers?: Record<string, string>) {
  const c = connectSse(url, headers);
  clients.push(c);
  return c;
}

async function start(extra: Partial<Parameters<typeof createWallboardServer>[0]> = {}) {
  const stream = subjectStream();
  let now = NOON_IST;
  server = await createWallboardServer({ stream, now: () => now, statsDebounceMs: 5, heartbeatMs: 60_000, statsIntervalMs: 60_000, ...extra });
  return { stream, server, advance: (ms: number) => (now += ms), eventsUrl: new URL('events', server.url).toString() };
}

describe('createWallboardServer', () => {
  it('listens on loopback and serves the page, its CSS and script with a strict CSP', async () => {
    const { server } = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<script src="/wallboard.js"');
    // No CDN, fonts or images from elsewhere: nothing but the page's own server.
    expect(html).not.toMatch(/https?:\/\//);
    const js = await fetch(new URL('wallboard.js', server.url));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await js.text();
    expect(script).toContain('EventSource');
    // The only URL in the script is the SVG namespace, which is a name, not a fetch.
    expect(script.match(/https?:\/\/[^'"\s]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    const css = await fetch(new URL('wallboard.css', server.url));
    expect(css.status).toBe(200);
    expect(await css.text()).not.toMatch(/url\(|@import|https?:/);
    expect((await fetch(new URL('nope', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('gives a fresh page a snapshot, then numbered call events and debounced stats', async () => {
    const { stream, eventsUrl } = await start();
    stream.events$.next(ended(makeCall({ end: NOON_IST - 60_000, price: 2 })));
    const page = sse(eventsUrl);
    expect(await page.status).toBe(200);
    await page.waitFor((e) => e.some((x) => x.event === 'snapshot'));
    const [snap] = page.json<WallboardSnapshot>('snapshot');
    expect(snap!.seq).toBe(1);
    expect(snap!.stats.today.completed).toBe(1);
    expect(snap!.config).toEqual({ title: 'Calls', currency: 'INR', heartbeatMs: 60_000, locale: 'en-IN', retryMs: 2000, theme: 'dark', latestCount: 12 });
    const snapId = page.events.find((e) => e.event === 'snapshot')!.id!;
    expect(snapId).toMatch(/^[a-f0-9]+-1$/);
    const instance = snapId.split('-')[0];
    expect(page.raw.join('')).toMatch(/^retry: 2000\n\n/);
    // Let the stats push scheduled by the first event pass before counting.
    await new Promise((r) => setTimeout(r, 20));
    const before = page.json('stats').length;

    stream.events$.next(ended(makeCall({ end: NOON_IST - 30_000, status: 'busy' })));
    stream.events$.next(ended(makeCall({ end: NOON_IST - 20_000 })));
    await page.waitFor((e) => e.filter((x) => x.event === 'call').length === 2 && e.filter((x) => x.event === 'stats').length > before);
    const calls = page.events.filter((e) => e.event === 'call');
    expect(calls.map((c) => c.id)).toEqual([`${instance}-2`, `${instance}-3`]);
    expect(calls.map((c) => (JSON.parse(c.data) as BoardEvent).type)).toEqual(['callFailed', 'callCompleted']);
    // One stats push for the burst, carrying the numbers after both events.
    await new Promise((r) => setTimeout(r, 30));
    const stats = page.json<{ seq: number; stats: WallboardSnapshot['stats'] }>('stats').slice(before);
    expect(stats).toHaveLength(1);
    expect(stats[0]!.seq).toBe(3);
    expect(stats[0]!.stats.today).toMatchObject({ completed: 2, failed: 1, byStatus: { busy: 1 } });
  });

  it('replays exactly the missed events to a page that sends Last-Event-ID (header or query)', async () => {
    const { stream, eventsUrl } = await start();
    const first = sse(eventsUrl);
    await first.waitFor((e) => e.some((x) => x.event === 'snapshot'));
    const instance = first.events[0]!.id!.split('-')[0];
    const calls = Array.from({ length: 6 }, (_, i) => makeCall({ sid: `c${i}`, end: NOON_IST - (10 - i) * 1000 }));
    for (const c of calls.slice(0, 2)) stream.events$.next(ended(c));
    await first.waitFor((e) => e.filter((x) => x.event === 'call').length === 2);
    first.close();
    const lastId = first.events.filter((e) => e.event === 'call').at(-1)!.id!;
    expect(lastId).toBe(`${instance}-2`);
    for (const c of calls.slice(2)) stream.events$.next(ended(c));
    stream.events$.next(updated(calls[0]!, { price: 9 }));

    const again = sse(eventsUrl, { 'Last-Event-ID': lastId });
    await again.waitFor((e) => e.some((x) => x.event === 'stats'));
    expect(again.events.some((e) => e.event === 'snapshot')).toBe(false);
    const replayed = again.json<BoardEvent>('call');
    expect(replayed.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(replayed.map((e) => e.call.sid)).toEqual(['c2', 'c3', 'c4', 'c5', 'c0']);
    expect(replayed[4]).toMatchObject({ type: 'callUpdated', changes: ['price'] });
    expect(again.json('stats')[0].seq).toBe(7);

    const byQuery = sse(`${eventsUrl}?lastEventId=${instance}-5`);
    await byQuery.waitFor((e) => e.some((x) => x.event === 'stats'));
    expect(byQuery.json<BoardEvent>('call').map((e) => e.seq)).toEqual([6, 7]);

    const upToDate = sse(eventsUrl, { 'Last-Event-ID': `${instance}-7` });
    await upToDate.waitFor((e) => e.some((x) => x.event === 'stats'));
    expect(upToDate.json('call')).toEqual([]);
  });

  it('sends a snapshot instead when the id is from another instance, unknown, or older than the buffer', async () => {
    const { stream, eventsUrl } = await start({ replayBufferSize: 3 });
    for (let i = 0; i < 10; i++) stream.events$.next(ended(makeCall({ end: NOON_IST - 1000 })));
    const first = sse(eventsUrl);
    await first.waitFor((e) => e.some((x) => x.event === 'snapshot'));
    const instance = first.events[0]!.id!.split('-')[0];
    for (const id of ['0000000000-9', 'garbage', `${instance}-2`, `${instance}-99`]) {
      const c = sse(eventsUrl, { 'Last-Event-ID': id });
      await c.waitFor((e) => e.some((x) => x.event === 'snapshot'));
      expect(c.json('call')).toEqual([]);
      expect(c.json<WallboardSnapshot>('snapshot')[0]!.stats.today.completed).toBe(10);
    }
    // Within the buffer it still replays.
    const c = sse(eventsUrl, { 'Last-Event-ID': `${instance}-7` });
    await c.waitFor((e) => e.some((x) => x.event === 'stats'));
    expect(c.json<BoardEvent>('call').map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it('sends heartbeats and periodic stats', async () => {
    const { eventsUrl } = await start({ heartbeatMs: 20, statsIntervalMs: 30 });
    const page = sse(eventsUrl);
    await page.waitFor((e) => e.filter((x) => x.event === 'heartbeat').length >= 2 && e.some((x) => x.event === 'stats'), 2000);
    expect(page.events.filter((e) => e.event === 'heartbeat').every((e) => e.id === undefined)).toBe(true);
  });

  it('reports the feed as retrying, live again, down and stopped, without error messages or URLs', async () => {
    const { stream, server, advance } = await start({ retryingForMs: 10_000 });
    expect(server.feed().state).toBe('live');
    stream.errors$.next(new ExotelHttpError('ERR_EXOTEL_SERVER', 'GET https://sim-key:sim-token@x/ upstream exploded', { status: 503, url: 'https://sim-key:sim-token@api/x' }));
    expect(server.feed()).toMatchObject({ state: 'retrying', lastError: { code: 'ERR_EXOTEL_SERVER', status: 503 } });
    advance(10_000);
    expect(server.feed().state).toBe('live');
    stream.errors$.next(new ExotelError('ERR_EXOTEL_NETWORK', 'boom'));
    expect(server.feed().state).toBe('retrying');
    stream.events$.next(ended(makeCall({ end: NOON_IST })));
    expect(server.feed().state).toBe('live');
    stream.errors$.next(new ExotelHttpError('ERR_EXOTEL_UNAUTHORIZED', 'no', { status: 401, fatal: true }));
    expect(server.feed().state).toBe('down');
    const body = await (await fetch(new URL('api/snapshot', server.url))).text();
    expect(body).not.toContain('sim-token');
    expect(body).not.toContain('sim-key');
    expect(body).not.toContain('exploded');
    stream.events$.complete();
    expect(server.feed().state).toBe('down');
  });

  it('shows a stopped feed when the stream completes', async () => {
    const { stream, server } = await start();
    stream.events$.complete();
    expect(server.feed().state).toBe('stopped');
  });

  it('never serves call fields the board does not need', async () => {
    const { stream, server, eventsUrl } = await start({ maskNumbers: true });
    const page = sse(eventsUrl);
    await page.waitFor((e) => e.some((x) => x.event === 'snapshot'));
    stream.events$.next(ended(makeCall({ end: NOON_IST, from: '+919999912345' })));
    await page.waitFor((e) => e.some((x) => x.event === 'stats'));
    const snapshot = await (await fetch(new URL('api/snapshot', server.url))).text();
    for (const text of [page.raw.join(''), snapshot]) {
      expect(text).not.toContain('secret-token');
      expect(text).not.toContain('recordings.example');
      expect(text).not.toContain('acme1');
      expect(text).not.toContain('+919999912345');
      expect(text).toContain('+9199•••••345');
    }
  });

  it('ends page connections and unsubscribes from the stream on close', async () => {
    const { stream, server, eventsUrl } = await start();
    const page = sse(eventsUrl);
    await page.waitFor((e) => e.some((x) => x.event === 'snapshot'));
    expect(server.clients).toBe(1);
    expect(stream.events$.observed).toBe(true);
    await server.close();
    expect(stream.events$.observed).toBe(false);
    expect(stream.errors$.observed).toBe(false);
    expect(server.clients).toBe(0);
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('validates its options, naming the option and the value', async () => {
    const stream = subjectStream();
    await expect(createWallboardServer({ stream: {} as never })).rejects.toThrow(/`stream`/);
    await expect(createWallboardServer({ stream, port: 70_000 })).rejects.toThrow('Expected `port` to be an integer from 0 to 65535, got `70000` (number)');
    await expect(createWallboardServer({ stream, timeZone: 'Nowhere/City' })).rejects.toThrow(InvalidOptionError);
    await expect(createWallboardServer({ stream, currency: 'rupees' })).rejects.toThrow(/`currency`.*"rupees"/);
    await expect(createWallboardServer({ stream, heartbeatMs: 1.5 })).rejects.toThrow(/`heartbeatMs`/);
    await expect(createWallboardServer({ stream, now: 5 as never })).rejects.toThrow(/`now`/);
    await expect(createWallboardServer({ stream, theme: 'neon' as never })).rejects.toThrow(/`theme`.*"neon"/);
    await expect(createWallboardServer({ stream: { ...stream, status: 5 as never } })).rejects.toThrow(/`stream.status` to be a function/);
    expect(stream.events$.observed).toBe(false);
  });
});
