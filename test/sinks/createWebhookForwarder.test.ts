import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import FakeTimers from '@sinonjs/fake-timers';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { Webhook } from 'standardwebhooks';
import { createWebhookForwarder, type WebhookForwarder } from '../../src/sinks/createWebhookForwarder.js';
import type { DeliveryContext } from '../../src/sinks/types.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../examples/webhook-forwarder/createWebhookReceiver.js';
import { eventBody, type EventBody } from '../../src/sinks/eventBody.js';
import { signWebhook } from '../../src/sinks/signWebhook.js';
import { verifyWebhookSignature } from '../../src/sinks/verifyWebhookSignature.js';
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
  const received: EventBody[] = [];
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
    expect(await second.enqueue(ended(calls[0]!))).toBe(false);
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
  let received: EventBody[];
  beforeEach(async () => {
    ({ receiver, received } = receiverWithLog());
    server = await receiver.listen();
  });
  afterEach(async () => {
    await server?.close();
  });

  const signed = (at = clock.now, secret: string = SECRET) => {
    const { key, body } = eventBody(ended(makeCall({ sid: 'CR1', end: START })));
    return { key, body, headers: { ...signWebhook({ secret, id: key, timestamp: Math.floor(at / 1000), body }) } as Record<string, string> };
  };

  it('accepts a valid event once and answers a replay as a duplicate without processing it', async () => {
    const { key, body, headers } = signed();
    expect(await post(server!.url, body, headers)).toEqual({ status: 200, json: { status: 'accepted', id: key } });
    expect(await post(server!.url, body, headers)).toEqual({ status: 200, json: { status: 'duplicate', id: key } });
    expect(received).toHaveLength(1);
  });

  it('rejects a tampered body, a wrong secret, a stale or future timestamp, and an id that is not the body\'s', async () => {
    const { key, body, headers } = signed();
    const tampered = body.replace('"price":1.5', '"price":0.1');
    expect(tampered).not.toBe(body);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    const cases: Array<[string, Record<string, string>, string, string]> = [
      ['tampered', headers, tampered, 'mismatch'],
      ['wrong secret', signed(clock.now, 'another-secret-of-length').headers, body, 'mismatch'],
      ['another id', { ...headers, 'webhook-id': 'CR2:callCompleted' }, body, 'mismatch'],
      ['stale', signed(clock.now - 301_000).headers, body, 'stale'],
      ['future', signed(clock.now + 301_000).headers, body, 'future'],
      ['no signature', without('webhook-signature'), body, 'missing'],
      ['no timestamp', without('webhook-timestamp'), body, 'missing'],
      ['malformed', { ...headers, 'webhook-signature': 'v1' }, body, 'malformed'],
    ];
    for (const [name, h, payload, reason] of cases) {
      const res = await post(server!.url, payload, h);
      expect({ name, ...res }).toEqual({ name, status: 401, json: { error: 'signature', reason } });
    }
    // Within the tolerance an old signature still passes.
    const fresh = signed(clock.now - 299_000);
    // Signed correctly, but over an id that is not the body's.
    const other = signWebhook({ secret: SECRET, id: 'other-key', timestamp: Math.floor(clock.now / 1000), body: fresh.body });
    expect((await post(server!.url, fresh.body, { ...other })).status).toBe(400);
    expect((await post(server!.url, fresh.body, fresh.headers)).status).toBe(200);
    expect(received.map((e) => e.id)).toEqual([key]);
    expect(receiver.counts).toMatchObject({ accepted: 1, rejected: cases.length + 1 });
  });

  it('answers 500 when the handler fails, so that the event is retried', async () => {
    let fail = true;
    const r = createWebhookReceiver({ secret: SECRET, now: () => clock.now, onEvent: () => {
      if (fail) throw new Error('database down');
    } });
    const s = await r.listen();
    try {
      const { key, body, headers } = signed();
      expect((await post(s.url, body, headers)).status).toBe(500);
      fail = false;
      expect((await post(s.url, body, headers)).json).toEqual({ status: 'accepted', id: key });
    } finally {
      await s.close();
    }
  });
});

describe('Standard Webhooks signatures, checked by the reference implementation', () => {
  const stamp = (ms: number) => Math.floor(ms / 1000);

  it('every request the forwarder sends verifies with the `standardwebhooks` package', async () => {
    const secret = `whsec_${Buffer.from('a-key-of-twenty-four-byte').toString('base64')}`;
    const attempts: Array<{ headers: Record<string, string>; body: string }> = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        attempts.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        // The first attempt fails: the retry is signed afresh, with its own timestamp.
        res.writeHead(attempts.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      // Real time here: the reference verifier reads the system clock for its tolerance.
      const f = createWebhookForwarder({ url, secret, outboxPath: join(dir, 'sw.jsonl'), retry: { minDelayMs: 50, jitter: 0 } });
      forwarders.push(f);
      await f.enqueue(ended(makeCall({ sid: 'SW1', end: START })));
      await f.drain();
      expect(attempts).toHaveLength(2);
      const wh = new Webhook(secret);
      for (const a of attempts) {
        expect(a.headers['webhook-id']).toBe('SW1:callCompleted');
        expect(a.headers['idempotency-key']).toBe('SW1:callCompleted');
        expect(a.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(wh.verify(a.body, a.headers)).toMatchObject({ id: 'SW1:callCompleted', type: 'callCompleted', call: { sid: 'SW1' } });
        // Another secret does not verify.
        expect(() => new Webhook(`whsec_${Buffer.from('another-key-of-24-bytes!').toString('base64')}`).verify(a.body, a.headers)).toThrow();
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a raw (non-whsec) secret is the key itself, as `format: raw` reads it; ours verifies what the reference signs', () => {
    const body = '{"id":"x"}';
    const now = Date.now();
    const headers = signWebhook({ secret: SECRET, id: 'msg_1', timestamp: stamp(now), body });
    expect(new Webhook(SECRET, { format: 'raw' }).verify(body, { ...headers })).toEqual({ id: 'x' });
    // The other way round: the reference signs, verifyWebhookSignature accepts, and refuses a change.
    const secret = `whsec_${Buffer.from('0123456789abcdef01234567').toString('base64')}`;
    const signature = new Webhook(secret).sign('msg_2', new Date(now), body);
    const theirs = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(stamp(now)), 'webhook-signature': `v2,ignored ${signature}` };
    expect(verifyWebhookSignature({ headers: theirs, body, secret, now })).toEqual({ ok: true, id: 'msg_2', timestamp: stamp(now) });
    expect(verifyWebhookSignature({ headers: theirs, body: `${body} `, secret, now })).toEqual({ ok: false, reason: 'mismatch' });
    // A rotated secret: either of the two verifies.
    expect(verifyWebhookSignature({ headers: theirs, body, secret: [SECRET, secret], now }).ok).toBe(true);
  });

  it('refuses short or malformed secrets with an error that names the option and never shows the secret', () => {
    expect(() => signWebhook({ secret: 'short-secret', id: 'a', timestamp: 1, body: '' })).toThrow(/`secret`.*16 bytes.*a string of 12 characters/);
    expect(() => signWebhook({ secret: 'whsec_!!!not-base64', id: 'a', timestamp: 1, body: '' })).toThrow(/`secret`/);
    expect(() => verifyWebhookSignature({ headers: {}, body: '', secret: [SECRET, 'short-secret'] })).toThrow(/`secret\[1\]`/);
    expect(() => signWebhook({ secret: 'short-secret', id: 'a', timestamp: 1, body: '' })).not.toThrow(/short-secret/);
  });
});
