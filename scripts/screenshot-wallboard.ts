// Regenerates docs/wallboard.png (dark) and docs/wallboard-light.png: a wallboard fed with a
// plausible day of calls on four lines, shot in headless Chromium at 1920x1080.
// Run with `npx tsx scripts/screenshot-wallboard.ts`.
// Needs /usr/bin/chromium (`bash scripts/services/chromium.sh`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Subject } from 'rxjs';
import { chromium } from 'playwright-core';
import { createWallboardServer } from '../src/wallboard/createWallboardServer.js';
import type { Call, CallStatus, RawCall } from '../src/exotel/types.js';
import type { CallStreamEvent } from '../src/stream/types.js';
import type { ExotelError } from '../src/exotel/errors.js';

// Functions passed to page.evaluate run in the browser; this project compiles without the DOM lib.
declare const document: any;
declare const window: any;

const CHROMIUM = '/usr/bin/chromium';
const shots = [
  { theme: 'dark', out: fileURLToPath(new URL('../docs/wallboard.png', import.meta.url)) },
  { theme: 'light', out: fileURLToPath(new URL('../docs/wallboard-light.png', import.meta.url)) },
];
const LINES = ['+918047000001', '+918047000002', '+918047000003', '+912248000010'];
// 16:42:10 IST on a weekday: a fixed instant so that the picture is the same every run.
const NOW = Date.UTC(2026, 2, 10, 11, 12, 10);

// A small deterministic generator (mulberry32), so the numbers are stable.
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeCalls(): Call[] {
  const random = rng(42);
  const calls: Call[] = [];
  const dayStart = Date.UTC(2026, 2, 9, 18, 30); // 00:00 IST
  for (let t = dayStart + 9 * 3600_000; t < NOW - 20_000; ) {
    const hour = (t - dayStart) / 3600_000;
    // Busier late morning and afternoon.
    const perMinute = 3 + 5 * Math.exp(-((hour - 11.5) ** 2) / 3) + 4 * Math.exp(-((hour - 15.5) ** 2) / 2);
    t += Math.round((-Math.log(1 - random()) / perMinute) * 60_000);
    const r = random();
    const status: CallStatus = r < 0.78 ? 'completed' : r < 0.87 ? 'no-answer' : r < 0.94 ? 'busy' : r < 0.98 ? 'failed' : 'canceled';
    const talk = status === 'completed' ? Math.round(40 + random() * 360) : 0;
    const sid = `${(t / 1000).toString(16)}${Math.floor(random() * 1e6).toString(16)}`;
    const customer = `+9198${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    const inbound = random() < 0.7;
    const line = inbound ? LINES[Math.floor(random() * random() * 3)]! : LINES[3]!;
    const raw: RawCall = { Sid: sid, DateCreated: '', Status: status };
    calls.push({
      sid,
      parentCallSid: null,
      accountSid: null,
      to: inbound ? line : customer,
      from: inbound ? customer : line,
      phoneNumber: line,
      phoneNumberSid: null,
      status,
      direction: inbound ? 'inbound' : 'outbound-api',
      dateCreated: new Date(t - talk * 1000 - 15_000),
      dateUpdated: new Date(t),
      startTime: new Date(t - talk * 1000 - 15_000),
      endTime: new Date(t),
      duration: talk + 15,
      price: status === 'completed' ? Math.ceil((talk + 15) / 60) * 0.6 : 0,
      answeredBy: null,
      forwardedFrom: null,
      callerName: null,
      uri: null,
      recordingUrl: null,
      raw,
    });
  }
  return calls;
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/services/chromium.sh\``);
  const events$ = new Subject<CallStreamEvent>();
  const errors$ = new Subject<ExotelError>();
  const started = Date.now();
  const board = await createWallboardServer({ stream: { events$, errors$ }, now: () => NOW + (Date.now() - started), title: 'Acme support · Bengaluru' });
  for (const call of makeCalls()) events$.next({ type: call.status === 'completed' ? 'callCompleted' : 'callFailed', call });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const { theme, out } of shots) {
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      await page.clock.setFixedTime(new Date(NOW));
      await page.goto(`${board.url}?theme=${theme}`);
      await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.getAttribute('data-state') === 'live');
      await page.waitForTimeout(1200);
      await page.screenshot({ path: out });
      await page.close();
      console.log(`wrote ${out}`);
    }
  } finally {
    await browser.close();
    await board.close();
  }
}

await main();
