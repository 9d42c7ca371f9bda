import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import FakeTimers from '@sinonjs/fake-timers';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { createWebhookForwarder, type DeliveryContext, type WebhookForwarder } from '../../examples/webhook-forwarder/createWebhookForwarder.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../examples/webhook-forwarder/createWebhookReceiver.js';
import { webhookBody, type WebhookBody } from '../../examples/webhook-forwarder/payload.js';
import { signatureHeader } from '../../examples/webhook-forwarder/signature.js';
import type { CallStreamEvent } from '../../src/stream/types.js';
import { ended, makeCall, updated } from '../wallboard/fixtures.js';
import { startTarget, type Target } from './webhookTarget.js';

const SECRET = 'a-shared-secret-of-some-length';
const START = Date.UTC(2026, 2, 10, 6, 30);

let dir: string;
let clock: FakeTimers.Clock;
let target: Target | undefined;
const forwarders: WebhookForwarder[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'forwarder-'));
  // A clock that is not installed: the forwarder's backoff and signatures use it, sockets stay real.
  clock = FakeTimers.createClock(START);
});
afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.stop();
  await target?.close();
  target = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function receiverWithLog() {
  const received: WebhookBody[] = [];
  const receiver = createWebhookReceiver({ secret: SECRET, now: () => clock.now, onEvent: (e) => void received.push(e) });
  return { receiver, received };
}

function forwarder(stream: Subject<CallStreamEvent> | undefined, url: string, extra: Record<string, unknown> = {}) {
  const f = createWebhookForwarder({
    ...(stream ? { stream: { events$: stream } } : {}),
    url,
    secret: SECRET,
    outboxPath: join(dir, 'outbox.jsonl'),
    clock: { now: () => clock.now, setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms), clearTimeout: (h: unknown) => clock.clearTimeout(h as never) },
    random: () => 0.5, // no jitter: delays are exact
    ...extra,
  });
  forwarders.push(f);
  return f;
}

/** Lets real socket I/O happen while the fake clock stands still. */
const io = (ms = 15) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await io(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('webhook forwarder', () => {
  it('delivers every event once, in order, across an outage and a restart of the forwarder', async () => {
    const { receiver, received } = receiverWithLog();
    target = await startTarget(receiver);
    const stream = new Subject<CallStreamEvent>();
    const calls = Array.from({ length: 12 }, (_, i) => makeCall({ sid: `CA${i}`, end: START - i * 1000, status: i % 4 === 3 ? 'busy' : 'completed' }));

    target.mode = 'down-503';
    const first = forwarder(stream, target.url);
    const retries: DeliveryContext[] = [];
    first.on('retry', (c) => retries.push(c));
    for (const c of calls.slice(0, 6)) stream.next(ended(c));
    // Every event is in the outbox as soon as it is accepted.
    expect(first.pending).toBe(6);
    await until(() => retries.length === 1, 'the first failed attempt');
    expect(retries[0]).toMatchObject({ key: 'CA0:callCompleted', attempt: 1, status: 503, delayMs: 1000 });
    await clock.tickAsync(1000);
    await until(() => retries.length === 2, 'the second attempt');
    expect(retries[1]!.delayMs).toBe(2000);
    target.mode = 'down-drop';
    await clock.tickAsync(2000);
    await until(() => retries.length === 3, 'the third attempt');
    expect(retries[2]).toMatchObject({ attempt: 3, delayMs: 4000 });
    expect(retries[2]!.status).toBeUndefined();
    expect(retries[2]!.error).toBeInstanceOf(Error);

    // The forwarder restarts while the target is still down.
    await first.stop();
    stream.next(ended(calls[6]!)); // nobody listens: the stream would re-emit it after its own restart
    const second = forwarder(stream, target.url);
    expect(second.pending).toBe(6);
    for (const c of calls.slice(6)) stream.next(ended(c));
    // The same event again (a stream that lost its store) is recognised by its key.
    expect(second.enqueue(ended(calls[0]!))).toBe(false);
    stream.next(updated(calls[1]!, { price: 4.5 }));
    expect(second.pending).toBe(13);
    await until(() => target!.attempts.length >= 4, 'the restarted forwarder to try');

    clock.setSystemTime(START + 3 * 60_000);
    target.mode = 'up';
    await clock.tickAsync(60_000);
    await second.drain();

    const expectedKeys = [...calls.map((c) => `${c.sid}:${c.status === 'completed' ? 'callCompleted' : 'callFailed'}`)];
    const ids = received.map((e) => e.id);
    expect(ids.slice(0, 12)).toEqual(expectedKeys);
    expect(ids[12]).toMatch(/^CA1:callUpdated:[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.counts).toMatchObject({ accepted: 13, duplicates: 0, rejected: 0 });

    // Every attempt of one event carried the same key and the same body bytes.
    const byKey = new Map<string, Set<string>>();
    for (const a of target.attempts) byKey.set(a.key, (byKey.get(a.key) ?? new Set()).add(a.body));
    expect([...byKey.values()].every((bodies) => bodies.size === 1)).toBe(true);
    expect(target.attempts.filter((a) => a.key === 'CA0:callCompleted').length).toBeGreaterThanOrEqual(5);
    const update = received[12]!;
    expect(update).toMatchObject({ type: 'callUpdated', changes: ['price'], call: { sid: 'CA1', price: 4.5 }, previous: { sid: 'CA1', price: 1.5 } });
    // The raw wire record stays home; the normalized call is what the target gets.
    expect(received.every((e) => !('raw' in e.call))).toBe(true);
    expect(second.pending).toBe(0);
  });

  it('does not process an event twice when the forwarder lost the record of its delivery', async () => {
    const { receiver, received } = receiverWithLog();
    target = await startTarget(receiver);
    const first = forwarder(undefined, target.url);
    const events = Array.from({ length: 4 }, (_, i) => ended(makeCall({ sid: `CB${i}`, end: START })));
    for (const e of events) first.enqueue(e);
    await first.drain();
    await first.stop();
    // A crash after the POST succeeded but before `done` reached the disk.
    const path = join(dir, 'outbox.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    writeFileSync(path, `${lines.filter((l) => !(l.includes('"done"') && l.includes('CB2'))).join('\n')}\n`);

    const second = forwarder(undefined, target.url);
    expect(second.pending).toBe(1);
    await second.drain();
    expect(received.map((e) => e.id)).toEqual(events.map((e) => `${e.call.sid}:callCompleted`));
    expect(receiver.counts).toMatchObject({ accepted: 4, duplicates: 1 });
  });

  it('honours Retry-After, gives up on a refusal, and keeps going with the next event', async () => {
    const { receiver, received } = receiverWithLog();
    target = await startTarget(receiver);
    const f = forwarder(undefined, target.url);
    const retries: DeliveryContext[] = [];
    const dead: DeliveryContext[] = [];
    f.on('retry', (c) => retries.push(c)).on('deadLetter', (c) => dead.push(c));
    target.script.push({ status: 429, headers: { 'Retry-After': '7' } }, { status: 400 });
    f.enqueue(ended(makeCall({ sid: 'CC1', end: START })));
    f.enqueue(ended(makeCall({ sid: 'CC2', end: START })));
    await until(() => retries.length === 1, 'a 429');
    expect(retries[0]).toMatchObject({ status: 429, delayMs: 7000 });
    await clock.tickAsync(7000);
    await f.drain();
    expect(dead).toEqual([expect.objectContaining({ key: 'CC1:callCompleted', status: 400, attempt: 2 })]);
    expect(received.map((e) => e.id)).toEqual(['CC2:callCompleted']);
    expect(readFileSync(join(dir, 'outbox.jsonl'), 'utf8')).toContain('"op":"dead","key":"CC1:callCompleted"');
  });

  it('gives up after maxAttempts and caps the backoff', async () => {
    const { receiver } = receiverWithLog();
    target = await startTarget(receiver);
    target.mode = 'down-503';
    const f = forwarder(undefined, target.url, { maxAttempts: 5, retry: { minDelayMs: 100, maxDelayMs: 300, factor: 3, jitter: 0 } });
    const delays: number[] = [];
    const dead: DeliveryContext[] = [];
    f.on('retry', (c) => delays.push(c.delayMs!)).on('deadLetter', (c) => dead.push(c));
    f.enqueue(ended(makeCall({ sid: 'CD1', end: START })));
    for (let i = 0; i < 5; i++) {
      await until(() => delays.length === i + 1 || dead.length === 1, `attempt ${i + 1}`);
      await clock.tickAsync(300);
    }
    expect(delays).toEqual([100, 300, 300, 300]);
    expect(dead).toHaveLength(1);
    expect(f.pending).toBe(0);
  });

  it('times out a target that never answers, and retries', async () => {
    const { receiver, received } = receiverWithLog();
    target = await startTarget(receiver);
    target.mode = 'hang';
    const f = forwarder(undefined, target.url, { requestTimeoutMs: 150 });
    const retries: DeliveryContext[] = [];
    f.on('retry', (c) => retries.push(c));
    f.enqueue(ended(makeCall({ sid: 'CT1', end: START })));
    await until(() => retries.length === 1, 'the timeout');
    expect(retries[0]!.error?.name).toMatch(/Timeout/);
    target.mode = 'up';
    await clock.tickAsync(1000);
    await f.drain();
    expect(received.map((e) => e.id)).toEqual(['CT1:callCompleted']);
  });

  it('stops promptly with a request in flight, leaving the event in the outbox', async () => {
    const { receiver } = receiverWithLog();
    target = await startTarget(receiver);
    target.mode = 'hang';
    const f = forwarder(undefined, target.url);
    f.enqueue(ended(makeCall({ sid: 'CS1', end: START })));
    await until(() => target!.attempts.length === 1, 'the request to be in flight');
    await f.stop();
    expect(clock.countTimers()).toBe(0);
    const again = forwarder(undefined, target.url);
    expect(again.pending).toBe(1);
  });

  it('validates its options with errors that name them, never echoing the secret', () => {
    const base = { url: 'http://127.0.0.1:9/x', secret: SECRET, outboxPath: join(dir, 'o.jsonl') };
    expect(() => createWebhookForwarder({ ...base, url: 'http://example.com/hook' })).toThrow(/`url`.*https/);
    expect(() => createWebhookForwarder({ ...base, url: 'not a url' })).toThrow(/`url`/);
    expect(() => createWebhookForwarder({ ...base, url: 'https://user:pw@example.com/' })).toThrow(/`url`.*without credentials/);
    expect(() => createWebhookForwarder({ ...base, url: 'https://user:pw@example.com/' })).not.toThrow(/pw/);
    expect(() => createWebhookForwarder({ ...base, secret: 'short-secret' })).toThrow(/`secret`.*16 bytes/);
    expect(() => createWebhookForwarder({ ...base, secret: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() => createWebhookForwarder({ ...base, outboxPath: '' })).toThrow(/`outboxPath`/);
    expect(() => createWebhookForwarder({ ...base, retry: { minDelayMs: -1 } })).toThrow('Expected `retry.minDelayMs` to be an integer from 0 to 86400000, got `-1` (number)');
    expect(() => createWebhookForwarder({ ...base, retry: { minDelayMs: 500, maxDelayMs: 100 } })).toThrow(/`retry.maxDelayMs`/);
    expect(() => createWebhookForwarder({ ...base, maxAttempts: 0 })).toThrow(/`maxAttempts`/);
    expect(() => createWebhookForwarder({ ...base, stream: {} as never })).toThrow(/`stream`/);
  });
});

describe('webhook receiver', () => {
  async function post(url: string, body: string, headers: Record<string, string>) {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  let server: { url: string; close(): Promise<void> } | undefined;
  let receiver: WebhookReceiver;
  let received: WebhookBody[];
  beforeEach(async () => {
    ({ receiver, received } = receiverWithLog());
    server = await receiver.listen();
  });
  afterEach(async () => {
    await server?.close();
  });

  const signed = (at = clock.now) => {
    const { key, body } = webhookBody(ended(makeCall({ sid: 'CR1', end: START })));
    return { key, body, header: signatureHeader(SECRET, Math.floor(at / 1000), body) };
  };

  it('accepts a valid event once and answers a replay as a duplicate without processing it', async () => {
    const { key, body, header } = signed();
    const headers = { 'x-exotel-stream-signature': header, 'idempotency-key': key };
    expect(await post(server!.url, body, headers)).toEqual({ status: 200, json: { status: 'accepted', id: key } });
    expect(await post(server!.url, body, headers)).toEqual({ status: 200, json: { status: 'duplicate', id: key } });
    expect(received).toHaveLength(1);
  });

  it('rejects a tampered body, a wrong secret, a stale or future timestamp, and a swapped key', async () => {
    const { key, body, header } = signed();
    const tampered = body.replace('"price":1.5', '"price":0.1');
    expect(tampered).not.toBe(body);
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ['tampered', { 'x-exotel-stream-signature': header, 'idempotency-key': key }, tampered, 'mismatch'],
      ['wrong secret', { 'x-exotel-stream-signature': signatureHeader('another-secret-of-length', Math.floor(clock.now / 1000), body), 'idempotency-key': key }, body, 'mismatch'],
      ['stale', { 'x-exotel-stream-signature': signed(clock.now - 301_000).header, 'idempotency-key': key }, body, 'stale'],
      ['future', { 'x-exotel-stream-signature': signed(clock.now + 301_000).header, 'idempotency-key': key }, body, 'future'],
      ['missing', { 'idempotency-key': key }, body, 'missing'],
      ['malformed', { 'x-exotel-stream-signature': 't=abc,v1=00', 'idempotency-key': key }, body, 'malformed'],
    ];
    for (const [name, headers, payload, reason] of cases) {
      const res = await post(server!.url, payload, headers);
      expect({ name, ...res }).toEqual({ name, status: 401, json: { error: 'signature', reason } });
    }
    // Within the tolerance an old signature still passes.
    const fresh = signed(clock.now - 299_000);
    const swapped = await post(server!.url, fresh.body, { 'x-exotel-stream-signature': fresh.header, 'idempotency-key': 'other-key' });
    expect(swapped.status).toBe(400);
    expect((await post(server!.url, fresh.body, { 'x-exotel-stream-signature': fresh.header, 'idempotency-key': fresh.key })).status).toBe(200);
    expect(received).toHaveLength(1);
    expect(receiver.counts).toMatchObject({ accepted: 1, rejected: 7 });
  });

  it('answers 500 when the handler fails, so that the event is retried', async () => {
    let fail = true;
    const r = createWebhookReceiver({ secret: SECRET, now: () => clock.now, onEvent: () => {
      if (fail) throw new Error('database down');
    } });
    const s = await r.listen();
    try {
      const { key, body, header } = signed();
      const headers = { 'x-exotel-stream-signature': header, 'idempotency-key': key };
      expect((await post(s.url, body, headers)).status).toBe(500);
      fail = false;
      expect((await post(s.url, body, headers)).json).toEqual({ status: 'accepted', id: key });
    } finally {
      await s.close();
    }
  });
});
