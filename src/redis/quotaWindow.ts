/**
 * One process's side of an account's shared window (see quotaScripts.ts): a local queue of jobs
 * waiting for a slot, in priority order (0 first, FIFO within a priority), at most
 * `maxConcurrent` of them running; one script call at a time asks Redis for as many slots as the
 * queue's head can use, and hands back the stamps of finished jobs. When the window is full it
 * waits until its oldest stamp expires (Redis says when), and asks again.
 *
 * Without Redis no slot is handed out: jobs wait (they are not failed) and the outage is
 * reported once; they go on when Redis answers again.
 */
import { randomBytes } from 'node:crypto';
import { ExotelError } from '../exotel/errors.js';
import type { RedisLink } from './redisLink.js';
import { QUOTA_ACQUIRE, QUOTA_RESTORE } from './quotaScripts.js';

export interface QuotaWindowOptions {
  link: RedisLink;
  keys: { quota: string; quotaGen: string };
  limit: number;
  windowMs: number;
  marginMs: number;
  holdMs: number;
  maxConcurrent: number;
  /** How long a window Redis lost counts as full while the processes put their stamps back. @default 5_000 */
  restoreGraceMs?: number;
  /** An outage of Redis (once per outage), or a job that cannot ever run. */
  onError?: (error: ExotelError) => void;
}

/** A slot (or `weight` of them) handed to a job: `done()` when the job has finished. */
export interface QuotaSlot {
  done(): void;
}

interface Waiter {
  weight: number;
  owner: object | undefined;
  resolve(slot: QuotaSlot): void;
  reject(error: Error): void;
}

/** The error a waiting job gets when its limiter stops (named so that the client treats it as an abort). */
export class QuotaStoppedError extends Error {
  override name = 'BottleneckError';
}

const FINISH_DELAY_MS = 5;
const MAX_WAIT_MS = 1_000;

export class QuotaWindow {
  readonly #o: QuotaWindowOptions;
  readonly #client = randomBytes(6).toString('hex');
  #seq = 0;
  /** Waiting jobs, one FIFO per priority 0..9. */
  readonly #queues: Waiter[][] = Array.from({ length: 10 }, () => []);
  #running = 0;
  #toFinish: string[] = [];
  #toGiveBack: string[] = [];
  /** This process's stamps that may still be in the window: id → stamp (Redis ms). */
  readonly #own = new Map<string, number>();
  #knownGen = '';
  #lastNow = 0;
  #syncing = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerIsWait = false;
  #backoffMs = 0;
  #down = false;
  #closed = false;
  /** A sync is due even with nothing to ask for: the client reconnected (Redis may have lost the window). */
  #check = false;
  readonly #unlisten: () => void;

  constructor(options: QuotaWindowOptions) {
    this.#o = options;
    this.#unlisten = options.link.onReconnect(() => {
      // Only a window this process has stamps in needs putting back.
      if (this.#own.size === 0 || this.#closed) return;
      this.#check = true;
      this.#kick(0);
    });
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    return this.#queues.reduce((n, q) => n + q.length, 0);
  }

  /** Waits for `weight` slots (none for weight 0), in priority order. */
  take(priority: number, weight: number, owner?: object): Promise<QuotaSlot> {
    if (this.#closed) return Promise.reject(new QuotaStoppedError('The shared quota limiter is stopped'));
    if (weight === 0) return Promise.resolve({ done() {} });
    if (weight > this.#o.limit || weight > this.#o.maxConcurrent) {
      return Promise.reject(new ExotelError('ERR_INVALID_OPTION', `A job of weight ${weight} can never run: the limit is ${this.#o.limit} a window and ${this.#o.maxConcurrent} at once`));
    }
    return new Promise<QuotaSlot>((resolve, reject) => {
      this.#queues[priority]!.push({ weight, owner, resolve, reject });
      this.#kick(0);
    });
  }

  /** Fails the waiting jobs of `owner` (a limiter that stops), without taking their slots. */
  drop(owner: object, message: string): void {
    for (const queue of this.#queues) {
      for (let i = queue.length - 1; i >= 0; i--) {
        if (queue[i]!.owner === owner) queue.splice(i, 1)[0]!.reject(new QuotaStoppedError(message));
      }
    }
  }

  /** Fails every waiting job, then hands back the finished stamps (best effort). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    for (const queue of this.#queues) for (const waiter of queue.splice(0)) waiter.reject(new QuotaStoppedError('The shared quota limiter is stopped'));
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#syncing) await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.#toFinish.length > 0 || this.#toGiveBack.length > 0) await this.#sync().catch(() => undefined);
  }

  #kick(delayMs: number): void {
    if (this.#syncing) return;
    if (this.#timer !== undefined) {
      // A finished job's stamp goes now even during a wait; a new waiter waits for the window.
      if (this.#timerIsWait && delayMs > 0 && this.#backoffMs === 0) {
        clearTimeout(this.#timer);
      } else {
        return;
      }
    }
    this.#timerIsWait = false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#sync();
    }, delayMs);
    // Pending stamps alone must not keep a process alive; a waiting job does.
    if (this.waiting === 0) this.#timer.unref?.();
  }

  #wait(ms: number): void {
    this.#timerIsWait = true;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerIsWait = false;
      void this.#sync();
    }, ms);
    if (this.waiting === 0) this.#timer.unref?.();
  }

  /** Slots the head of the queue can use now: in priority order, stopping at the first job that does not fit. */
  #wanted(): number {
    let room = this.#o.maxConcurrent - this.#running;
    let want = 0;
    for (const queue of this.#queues) {
      for (const waiter of queue) {
        if (waiter.weight > room) return want;
        room -= waiter.weight;
        want += waiter.weight;
      }
    }
    return want;
  }

  async #sync(): Promise<void> {
    if (this.#syncing) return;
    this.#syncing = true;
    try {
      for (;;) {
        const want = this.#closed ? 0 : this.#wanted();
        if (want === 0 && this.#toFinish.length === 0 && this.#toGiveBack.length === 0 && !this.#check) return;
        this.#check = false;
        const finish = this.#toFinish.splice(0);
        const giveBack = this.#toGiveBack.splice(0);
        const ids = Array.from({ length: want }, () => `${this.#client}:${++this.#seq}`);
        const { limit, windowMs, marginMs, holdMs } = this.#o;
        let reply: unknown[];
        try {
          reply = (await this.#o.link.run(QUOTA_ACQUIRE, [this.#o.keys.quota, this.#o.keys.quotaGen], [
            limit, windowMs + marginMs, holdMs, this.#knownGen, randomBytes(8).toString('hex'),
            want, finish.length, giveBack.length, ...ids, ...finish, ...giveBack, this.#o.restoreGraceMs ?? 5_000,
          ])) as unknown[];
        } catch (error) {
          this.#toFinish.unshift(...finish);
          this.#toGiveBack.unshift(...giveBack);
          if (ids.length === 0 && finish.length === 0 && giveBack.length === 0) this.#check = true;
          this.#failed(error);
          return;
        }
        this.#recovered();
        const gen = String(reply[1]);
        const now = Number(reply[2]);
        this.#lastNow = now;
        if (reply[0] === 'restore') {
          // Redis lost the window this process knew: put its own stamps back before taking more.
          this.#toFinish.unshift(...finish);
          this.#toGiveBack.unshift(...giveBack);
          if (!(await this.#restore(gen, now))) return;
          continue;
        }
        this.#knownGen = gen;
        for (const id of finish) this.#own.set(id, now);
        for (const id of giveBack) this.#own.delete(id);
        this.#forget(now);
        const granted = Number(reply[3]);
        this.#handOut(ids.slice(0, granted), now + holdMs);
        if (granted < want) {
          if (!this.#closed) this.#wait(Math.min(Math.max(1, Number(reply[4])), MAX_WAIT_MS));
          return;
        }
      }
    } finally {
      this.#syncing = false;
    }
  }

  async #restore(gen: string, now: number): Promise<boolean> {
    const reuse = this.#o.windowMs + this.#o.marginMs;
    this.#forget(now);
    const pairs: Array<string | number> = [];
    for (const [id, stamp] of this.#own) pairs.push(id, stamp);
    try {
      const ok = await this.#o.link.run(QUOTA_RESTORE, [this.#o.keys.quota, this.#o.keys.quotaGen], [gen, this.#o.limit, reuse + this.#o.holdMs + 1_000, ...pairs]);
      if (Number(ok) === 1) this.#knownGen = gen;
      return true;
    } catch (error) {
      this.#failed(error);
      return false;
    }
  }

  /** Drops own stamps that have left the window. */
  #forget(now: number): void {
    const reuse = this.#o.windowMs + this.#o.marginMs;
    for (const [id, stamp] of this.#own) if (stamp <= now - reuse) this.#own.delete(id);
  }

  #handOut(ids: string[], stamp: number): void {
    for (const id of ids) this.#own.set(id, stamp);
    let next = 0;
    for (const queue of this.#queues) {
      while (queue.length > 0 && next + queue[0]!.weight <= ids.length) {
        const waiter = queue.shift()!;
        const mine = ids.slice(next, next + waiter.weight);
        next += waiter.weight;
        this.#running += waiter.weight;
        let finished = false;
        waiter.resolve({
          done: () => {
            if (finished) return;
            finished = true;
            this.#running -= waiter.weight;
            this.#toFinish.push(...mine);
            this.#kick(FINISH_DELAY_MS);
          },
        });
      }
      if (queue.length > 0) break;
    }
    // Slots for jobs that went away while Redis was asked (a stopped limiter): given back at once.
    if (next < ids.length) {
      this.#toGiveBack.push(...ids.slice(next));
      this.#kick(0);
    }
  }

  #failed(error: unknown): void {
    this.#backoffMs = this.#backoffMs === 0 ? 100 : Math.min(this.#backoffMs * 2, 2_000);
    if (!this.#down) {
      this.#down = true;
      this.#o.onError?.(
        new ExotelError('ERR_REDIS', `The shared quota could not be reached; requests wait until Redis answers: ${(error as Error).message}`, { cause: error }),
      );
    }
    if (!this.#closed) {
      this.#timerIsWait = false;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#sync();
      }, this.#backoffMs);
      if (this.waiting === 0) this.#timer.unref?.();
    }
  }

  #recovered(): void {
    this.#backoffMs = 0;
    this.#down = false;
  }

  /** The latest Redis time seen (ms), for tests and stats. */
  get redisNow(): number {
    return this.#lastNow;
  }
}
