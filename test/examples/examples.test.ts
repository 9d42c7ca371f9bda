// The runnable examples, started as a user would start them (minus the process wrapper).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWallboardDemo, type WallboardDemo } from '../../examples/wallboard/index.js';
import { startWebhookDemo, type WebhookDemo } from '../../examples/webhook-forwarder/index.js';
import type { EventBody } from '../../src/index.js';
import type { WallboardSnapshot } from '../../src/wallboard/types.js';

let wallboard: WallboardDemo | undefined;
let webhooks: WebhookDemo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await wallboard?.close();
  await webhooks?.close();
  wallboard = webhooks = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('examples', () => {
  it('wallboard: serves a board filled from the simulated account', async () => {
    wallboard = await startWallboardDemo({ callsPerMinute: 10, pollIntervalMs: 1000 });
    expect(wallboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    let snap: WallboardSnapshot | undefined;
    await vi.waitUntil(
      async () => {
        snap = (await (await fetch(new URL('api/snapshot', wallboard!.url))).json()) as WallboardSnapshot;
        // Pages come oldest first: wait until the last hour has arrived too.
        return snap.stats.perMinute.reduce((n, b) => n + b.completed + b.failed, 0) > 300;
      },
      { timeout: 5000, interval: 100 },
    );
    // About two hours of calls (the lookback) at ten a minute; the chart holds the last hour of them.
    expect(snap!.stats.perMinute.reduce((n, b) => n + b.completed + b.failed, 0)).toBeGreaterThan(300);
    expect(snap!.feed.state).toBe('live');
    expect(await (await fetch(wallboard.url)).text()).toContain('Latest calls');
  });

  it('webhook forwarder: every event the stream emits reaches the receiver once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-demo-'));
    const outboxPath = join(dir, 'outbox.jsonl');
    const received: EventBody[] = [];
    webhooks = await startWebhookDemo({ outboxPath, callsPerMinute: 20, pollIntervalMs: 1000, onReceived: (e) => received.push(e) });
    await vi.waitUntil(() => received.length >= 20 && webhooks!.forwarder.pending === 0, { timeout: 5000, interval: 50 });
    await webhooks.close();
    webhooks = undefined;
    const lines = readFileSync(outboxPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { op: string; key: string });
    const added = lines.filter((l) => l.op === 'add').map((l) => l.key);
    const done = new Set(lines.filter((l) => l.op === 'done').map((l) => l.key));
    const ids = received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Everything accepted into the outbox was delivered or is still waiting there: nothing vanished.
    expect(ids.every((id) => done.has(id))).toBe(true);
    expect(added.slice(0, ids.length)).toEqual(ids);
  });
});
