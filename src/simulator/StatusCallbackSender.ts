/**
 * Exotel's push, simulated: a `StatusCallback` for each call when it ends (and when it is
 * answered, with `events`), sent to a URL or handed to a function, lossy and sometimes late as
 * Exotel's own documentation admits, on the simulator's clock.
 *
 * Each call's fate (dropped, on time, late), its delay and whether it is sent twice are drawn from
 * the seed and its Sid alone, so they never depend on when anyone looked. The sender looks at the
 * clock every `lookEveryMs` of the global timers (fake timers drive them) or on `flush()`, plans
 * the calls that appeared since its last look, and sends what has come due, in due order.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { formatNaive } from '../exotel/time.js';
import type { CallTable } from './callTable.js';
import { DIRECTIONS, STATUSES } from './callTable.js';
import { DueQueue } from './DueQueue.js';
import type { ResolvedOptions } from './options.js';
import { hash32, mulberry32 } from './random.js';
import type { SimulatedWorld } from './SimulatedWorld.js';
import type { ResolvedStatusCallbacks } from './statusCallbackOptions.js';
import type { SimulatorCallbacks, StatusCallbackDelivery, StatusCallbackEvent, StatusCallbackRecord, StatusCallbackStats } from './types.js';

interface Planned {
  record: StatusCallbackRecord;
  table: CallTable;
  id: number;
  /** Sent a second time once delivered. */
  duplicate: boolean;
}

interface Due {
  planned: Planned;
  kind: 'first' | 'retry' | 'duplicate';
  attempt: number;
}

type Fields = Record<string, string | Array<Record<string, string | number>>>;

/** A 32-bit hash of a Sid (FNV-1a), the per-call part of its seeded stream. */
function sidHash(sid: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < sid.length; i++) h = Math.imul(h ^ sid.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const pick = (r: number, range: { min: number; max: number }) => Math.round(range.min + r * (range.max - range.min));

export class StatusCallbackSender implements SimulatorCallbacks {
  readonly enabled: boolean;
  readonly #cb: ResolvedStatusCallbacks | false;
  readonly #opts: ResolvedOptions;
  readonly #world: SimulatedWorld;
  readonly #accounts: string[];
  /** Per table: the ids below this have been planned. */
  readonly #scanned = new Map<CallTable, number>();
  readonly #queue = new DueQueue<Due>();
  readonly #records = new Map<string, StatusCallbackRecord>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stats: StatusCallbackStats = { planned: 0, dropped: 0, late: 0, attempts: 0, delivered: 0, failed: 0, retries: 0, duplicates: 0, pending: 0 };
  #timer: ReturnType<typeof setInterval> | undefined;
  #agent: HttpAgent | HttpsAgent | undefined;
  #closed = false;

  constructor(opts: ResolvedOptions, callbacks: ResolvedStatusCallbacks | false, world: SimulatedWorld) {
    this.#opts = opts;
    this.#world = world;
    this.#cb = callbacks;
    this.enabled = this.#cb !== false;
    this.#accounts = [...new Set(opts.accounts.map((a) => a.accountSid))];
    if (this.#cb !== false && Number.isFinite(this.#cb.lookEveryMs)) {
      this.#timer = setInterval(() => {
        this.flush().catch(() => {});
      }, this.#cb.lookEveryMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  flush(): Promise<void> {
    const cb = this.#cb;
    if (cb === false || this.#closed) return Promise.resolve();
    const now = this.#opts.clock.now();
    this.#plan(cb, now);
    let started: Promise<void>[] | undefined;
    for (let due = this.#queue.popDue(now); due !== undefined; due = this.#queue.popDue(now)) {
      const delivery = this.#deliver(cb, due, now);
      if (delivery) (started ??= []).push(this.#track(delivery));
    }
    return started ? Promise.all(started).then(() => undefined) : Promise.resolve();
  }

  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  records(): StatusCallbackRecord[] {
    return [...this.#records.values()].map(copyRecord);
  }

  record(sid: string, event: StatusCallbackEvent = 'terminal'): StatusCallbackRecord | undefined {
    const r = this.#records.get(`${sid}|${event}`);
    return r === undefined ? undefined : copyRecord(r);
  }

  stats(): StatusCallbackStats {
    const s = this.#stats;
    return { ...s, pending: s.planned - s.dropped - s.delivered - s.failed };
  }

  /** Stops looking at the clock and closes the sockets (deliveries in flight fail). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  /** Draws the fate of every call that appeared since the last look. */
  #plan(cb: ResolvedStatusCallbacks, now: number): void {
    this.#world.advance(now);
    const longest = Math.max(cb.delayMs.max, cb.lateMs.max);
    const seed = this.#opts.seed;
    for (const accountSid of this.#accounts) {
      const table = this.#world.table(accountSid);
      if (!table) continue;
      const from = this.#scanned.get(table) ?? 0;
      for (let id = from; id < table.n; id++) {
        const end = table.end[id]!;
        // Due before anyone listened, whatever its draw: not sent, not planned.
        if (end + longest < cb.startAt) continue;
        const sid = table.sidOf(id);
        const answered = STATUSES[table.status[id]!] === 'completed' && table.talk[id]! > 0;
        this.#planOne(cb, table, id, sid, accountSid, 'terminal', end, hash32(seed, 0xcb5, sidHash(sid), 0));
        if (answered && cb.events.includes('answered')) this.#planOne(cb, table, id, sid, accountSid, 'answered', end - table.talk[id]! * 1000, hash32(seed, 0xcb5, sidHash(sid), 1));
      }
      this.#scanned.set(table, table.n);
    }
  }

  #planOne(cb: ResolvedStatusCallbacks, table: CallTable, id: number, sid: string, accountSid: string, event: StatusCallbackEvent, eventAt: number, streamSeed: number): void {
    const rnd = mulberry32(streamSeed);
    // Always three draws, so that one share changed does not move the others.
    const fate = rnd();
    const delayDraw = rnd();
    const duplicateDraw = rnd();
    const late = fate < cb.lateShare;
    const sent = fate < cb.share;
    const dueAt = eventAt + pick(delayDraw, late ? cb.lateMs : cb.delayMs);
    if (dueAt < cb.startAt) return;
    const record: StatusCallbackRecord = { sid, accountSid, event, state: sent ? 'pending' : 'dropped', late: sent && late, eventAt, dueAt, attempts: [] };
    this.#stats.planned += 1;
    if (!sent) this.#stats.dropped += 1;
    if (record.late) this.#stats.late += 1;
    this.#remember(`${sid}|${event}`, record, cb.keep);
    if (sent) this.#queue.push(dueAt, { planned: { record, table, id, duplicate: duplicateDraw < cb.duplicateShare }, kind: 'first', attempt: 1 });
  }

  #remember(key: string, record: StatusCallbackRecord, keep: number): void {
    if (keep === 0) return;
    this.#records.set(key, record);
    if (this.#records.size > keep) this.#records.delete(this.#records.keys().next().value!);
  }

  #track(promise: Promise<void>): Promise<void> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
    return promise;
  }

  /** Sends one callback; a promise only when the delivery is asynchronous (HTTP, an async `onCallback`). */
  #deliver(cb: ResolvedStatusCallbacks, due: Due, now: number): Promise<void> | undefined {
    const delivery = this.#render(cb, due.planned, due.kind, due.attempt, now);
    const s = this.#stats;
    s.attempts += 1;
    if (due.kind === 'retry') s.retries += 1;
    if (due.kind === 'duplicate') s.duplicates += 1;
    const failed = (e: unknown) => this.#settle(cb, due, now, false, undefined, e instanceof Error ? e.message : String(e));
    if (!cb.onCallback) {
      return this.#post(cb, delivery).then((status) => this.#settle(cb, due, now, status >= 200 && status < 300, status), failed);
    }
    let result: ReturnType<NonNullable<ResolvedStatusCallbacks['onCallback']>>;
    try {
      result = cb.onCallback(delivery);
    } catch (e) {
      failed(e);
      return undefined;
    }
    if (typeof (result as Promise<unknown> | undefined)?.then === 'function') {
      return Promise.resolve(result).then((r) => this.#settle(cb, due, now, r !== false), failed);
    }
    // A synchronous consumer (a benchmark feeding `hint()`) costs no promise.
    this.#settle(cb, due, now, result !== false);
    return undefined;
  }

  /** Records an attempt's outcome, and plans what follows it: a duplicate, a retry, or nothing. */
  #settle(cb: ResolvedStatusCallbacks, due: Due, now: number, ok: boolean, status?: number, error?: string): void {
    const { planned, kind, attempt } = due;
    const { record } = planned;
    const s = this.#stats;
    const entry: StatusCallbackRecord['attempts'][number] = { at: now, ok, duplicate: kind === 'duplicate' };
    if (status !== undefined) entry.status = status;
    if (error !== undefined) entry.error = error;
    record.attempts.push(entry);
    if (kind === 'duplicate') return;
    const next = this.#opts.clock.now() + cb.retryDelayMs;
    if (ok) {
      record.state = 'delivered';
      s.delivered += 1;
      if (planned.duplicate) this.#queue.push(next, { planned, kind: 'duplicate', attempt: 1 });
    } else if (attempt <= cb.retries && !this.#closed) {
      this.#queue.push(next, { planned, kind: 'retry', attempt: attempt + 1 });
    } else {
      record.state = 'failed';
      s.failed += 1;
    }
  }

  #render(cb: ResolvedStatusCallbacks, planned: Planned, kind: Due['kind'], attempt: number, now: number): StatusCallbackDelivery {
    const { table, id, record } = planned;
    const zone = this.#opts.timeZone;
    const status = STATUSES[table.status[id]!]!;
    const completed = status === 'completed';
    const start = table.start[id]!;
    const terminal = record.event === 'terminal';
    const end = table.end[id]!;
    const updated = formatNaive(record.eventAt, zone);
    const fields: Fields = {
      CallSid: record.sid,
      DateUpdated: updated,
      Status: terminal ? status : 'in-progress',
      RecordingUrl: terminal && completed ? table.recordingUrl(id, record.sid) : '',
    };
    if (cb.extended) {
      const created = formatNaive(start, zone);
      fields.EventType = record.event;
      fields.DateCreated = created;
      fields.To = table.to(id);
      fields.From = table.from(id);
      fields.PhoneNumberSid = table.phoneNumber(id);
      fields.StartTime = created;
      fields.EndTime = terminal ? (record.eventAt === end ? updated : formatNaive(end, zone)) : '';
      fields.ConversationDuration = String(terminal && completed ? table.talk[id]! : 0);
      fields.Direction = DIRECTIONS[table.dir[id]!]!;
      fields.CustomField = '';
      if (cb.format === 'json' && terminal) {
        fields.Legs = completed
          ? [
              { OnCallDuration: table.dur[id]!, Status: 'completed' },
              { OnCallDuration: table.talk[id]!, Status: 'completed' },
            ]
          : [{ OnCallDuration: table.dur[id]!, Status: status }];
      }
    }
    Object.freeze(fields);
    return Object.freeze(new Delivery(record, fields, cb.format === 'json', attempt, kind === 'duplicate', now));
  }

  #post(cb: ResolvedStatusCallbacks, delivery: StatusCallbackDelivery): Promise<number> {
    const url = cb.url!;
    const https = url.protocol === 'https:';
    this.#agent ??= https ? new HttpsAgent({ keepAlive: true, maxSockets: 16 }) : new HttpAgent({ keepAlive: true, maxSockets: 16 });
    return new Promise<number>((resolve, reject) => {
      const headers = { 'Content-Type': delivery.contentType, 'Content-Length': String(Buffer.byteLength(delivery.body)), 'User-Agent': 'exotel-call-stream-simulator' };
      const req = (https ? httpsRequest : httpRequest)(url, { method: 'POST', agent: this.#agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${cb.timeoutMs} ms`)), cb.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(delivery.body);
    });
  }
}

/** One delivery as `onCallback` gets it; its `body` is built when first read, so a consumer of `fields` never pays for it. */
class Delivery implements StatusCallbackDelivery {
  readonly sid: string;
  readonly accountSid: string;
  readonly event: StatusCallbackEvent;
  readonly contentType: string;
  readonly late: boolean;
  readonly eventAt: number;
  readonly dueAt: number;
  readonly #json: boolean;
  readonly #body: { text?: string } = {};

  constructor(
    record: StatusCallbackRecord,
    readonly fields: Readonly<Fields>,
    json: boolean,
    readonly attempt: number,
    readonly duplicate: boolean,
    readonly sentAt: number,
  ) {
    this.sid = record.sid;
    this.accountSid = record.accountSid;
    this.event = record.event;
    this.late = record.late;
    this.eventAt = record.eventAt;
    this.dueAt = record.dueAt;
    this.#json = json;
    this.contentType = json ? 'application/json' : 'application/x-www-form-urlencoded';
  }

  get body(): string {
    const cache = this.#body;
    cache.text ??= this.#json
      ? JSON.stringify(this.fields)
      : new URLSearchParams(Object.entries(this.fields).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
    return cache.text;
  }

  /** What `JSON.stringify` and the console show: every field, `body` included. */
  toJSON(): StatusCallbackDelivery {
    const { sid, accountSid, event, fields, body, contentType, attempt, duplicate, late, eventAt, dueAt, sentAt } = this;
    return { sid, accountSid, event, fields, body, contentType, attempt, duplicate, late, eventAt, dueAt, sentAt };
  }
}

function copyRecord(r: StatusCallbackRecord): StatusCallbackRecord {
  return { ...r, attempts: r.attempts.map((a) => ({ ...a })) };
}
