/**
 * One leadership term on one account: the stream that polls it, while this process holds the
 * account's lease, and the path its events take to the user.
 *
 * Events are not emitted as the stream finds them. They wait for the stream's next save, which
 * writes them to the account's outbox in the same script that writes the state recording them,
 * fenced by the lease (it lands only while the lease key still holds this term's value). Once it
 * has landed they are emitted, if the lease can still be trusted on the monotonic clock, and the
 * outbox is acknowledged. So an event is emitted only by a process that held the lease when its
 * record was saved, and no saved event is lost: one the dead or paused leader had not confirmed
 * is emitted by the next leader first, marked `redelivered` (at least once, confined to the
 * moments between a save landing and its acknowledgement).
 */
import type Bottleneck from 'bottleneck';
import type { Subscription } from 'rxjs';
import { ExotelError } from '../exotel/errors.js';
import { CallStream } from '../stream/CallStream.js';
import type { CallHint, CallStreamEvent, CallStreamOptions, CallStreamStats, CallStreamStatus, Store, StoreState } from '../stream/types.js';
import { invalidStateReason } from '../stores/validateState.js';
import { decodeEvents, encodeEvents, eventId } from './eventCodec.js';
import type { LeaseKeeper } from './LeaseKeeper.js';
import { OUTBOX_ACK, OUTBOX_READ, batchOrder } from './outboxScripts.js';
import type { RedisLink } from './redisLink.js';
import { loadStateText, saveStateText } from './stateScripts.js';
import type { RedisCallStreamEvent } from './types.js';

export interface AccountRunnerOptions {
  accountSid: string;
  link: RedisLink;
  keeper: LeaseKeeper;
  /** The stream's options, credentials included; `store` and `limiter` are the runner's. */
  stream: Omit<CallStreamOptions, 'store' | 'limiter' | 'saveIntervalMs'>;
  limiter: Bottleneck;
  /** Wraps the store the stream is given (the command line's `--since`). */
  wrapStore?: (store: Store) => Store;
  emit(event: RedisCallStreamEvent): void;
  /** A non-fatal error of the stream or of Redis. */
  report(error: ExotelError): void;
  /** The lease turned out lost (a fenced write was refused): the owner ends the term. */
  leaseLost(reason: string): void;
  /** The lease key vanished: the owner renews now (taking it again if nobody saved since); true when held again. */
  retake(): Promise<boolean>;
  /** The stream failed for good (401, 402, 403, an unusable state). */
  failed(error: ExotelError): void;
}

class LeaseLostError extends ExotelError {
  constructor(message: string) {
    super('ERR_LEASE_LOST', message);
  }
}

/** Whether `error`, or what caused it, is the lease being lost (the owner reports that once). */
function causedByLeaseLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof LeaseLostError) return true;
  }
  return false;
}

export class AccountRunner {
  readonly accountSid: string;
  readonly #o: AccountRunnerOptions;
  readonly #keys;
  #stream: CallStream | undefined;
  #subscriptions: Subscription[] = [];
  /** Found by the stream, not yet in a save that landed. */
  #pending: RedisCallStreamEvent[] = [];
  /** Saved (in the outbox), waiting to be emitted: the lease could not be trusted when the save landed. */
  #committed: Array<{ batch: string; events: RedisCallStreamEvent[] }> = [];
  #seq = 0;
  /** Batches whose save got no answer: they may be in the outbox; the next save deletes them. */
  readonly #uncertain = new Set<string>();
  #acks: Promise<unknown> = Promise.resolve();
  #ending = false;
  #abandoned = false;

  constructor(options: AccountRunnerOptions) {
    this.#o = options;
    this.accountSid = options.accountSid;
    this.#keys = options.keeper.keys(options.accountSid);
  }

  #fence(): string {
    const lease = this.#o.keeper.held(this.accountSid);
    if (lease === undefined) throw new LeaseLostError(`The lease on ${this.accountSid} is no longer held`);
    return lease.value;
  }

  /** Emits what the last leader saved and had not confirmed, then starts the stream. */
  async start(): Promise<void> {
    await this.#redeliver();
    if (this.#ending) return;
    const store = this.#o.wrapStore ? this.#o.wrapStore(this.#store()) : this.#store();
    const stream = new CallStream({ ...this.#o.stream, store, limiter: this.#o.limiter });
    this.#stream = stream;
    this.#subscriptions.push(
      stream.events$.subscribe({
        next: (event) => this.#pending.push(this.#tag(event, false)),
        error: (error: unknown) => {
          if (this.#ending || causedByLeaseLoss(error)) return;
          this.#o.failed(error instanceof ExotelError ? error : new ExotelError('ERR_STORE', String(error), { fatal: true, cause: error }));
        },
      }),
      stream.errors$.subscribe((error) => {
        if (error.fatal || this.#abandoned) return; // a fatal one errors events$ too
        if (causedByLeaseLoss(error)) return; // reported once, by the owner
        this.#o.report(error);
      }),
    );
    stream.start();
  }

  /** The term's stream's counters, or undefined before it started (the outbox is redelivered first). */
  stats(): CallStreamStats | undefined {
    return this.#stream?.stats();
  }

  /** What the term's stream is doing, or undefined before it started. */
  status(): CallStreamStatus | undefined {
    return this.#stream?.status();
  }

  /** Hands a hint to the term's stream; false before it started, once the term ends, or when the stream refuses it. */
  hint(hint: CallHint): boolean {
    if (this.#stream === undefined || this.#ending) return false;
    return this.#stream.hint(hint);
  }

  #tag(event: CallStreamEvent, redelivered: boolean): RedisCallStreamEvent {
    return Object.assign(event, { accountSid: this.accountSid, id: eventId(this.accountSid, event), redelivered });
  }

  async #redeliver(): Promise<void> {
    const fence = this.#fence();
    const reply = (await this.#o.link.run(OUTBOX_READ, [this.#keys.lease, this.#keys.outbox], [fence])) as [string, string[]?];
    if (reply[0] === 'fenced') throw new LeaseLostError(`The lease on ${this.accountSid} was taken before the stream started`);
    const flat = reply[1] ?? [];
    const batches = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) batches.set(String(flat[i]), String(flat[i + 1]));
    for (const batch of [...batches.keys()].sort(batchOrder)) {
      let events: RedisCallStreamEvent[];
      try {
        events = decodeEvents(batches.get(batch)!).map((e) => ({ ...e, redelivered: true }));
      } catch (cause) {
        this.#o.report(new ExotelError('ERR_STORE', `A batch of the outbox of ${this.accountSid} in Redis cannot be read; its events are not emitted again: ${(cause as Error).message}`, { cause }));
        void this.#ack(batch);
        continue;
      }
      this.#committed.push({ batch, events });
    }
    this.releaseCommitted();
  }

  /**
   * Emits the saved events, oldest batch first, while the lease can be trusted (else they wait for
   * a renewal that proves it again, or are left to the next leader), and acknowledges each batch.
   */
  releaseCommitted(): void {
    while (this.#committed.length > 0 && !this.#abandoned && this.#o.keeper.valid(this.accountSid)) {
      const { batch, events } = this.#committed.shift()!;
      for (const event of events) this.#o.emit(event);
      void this.#ack(batch);
    }
  }

  #ack(batch: string): Promise<void> {
    const run = this.#acks.then(async () => {
      if (this.#abandoned) return;
      try {
        await this.#o.link.run(OUTBOX_ACK, [this.#keys.lease, this.#keys.outbox], [this.#fence(), batch]);
      } catch {
        // Unacknowledged, the batch is emitted again by the next leader, marked: nothing is lost.
      }
    });
    this.#acks = run;
    return run;
  }

  #store(): Store {
    const o = this.#o;
    const keys = this.#keys;
    const storeError = (message: string, cause?: unknown) => new ExotelError('ERR_STORE', `${message} (Redis key ${keys.state})`, { cause });
    const lost = (why: string): never => {
      const error = new LeaseLostError(why);
      o.leaseLost(why);
      throw storeError(why, error);
    };
    return {
      saveIntervalMs: 0,
      load: async (): Promise<StoreState | undefined> => {
        for (let attempt = 0; ; attempt++) {
          const result = await loadStateText(o.link, keys, this.#fence()).catch((error: unknown) => {
            throw storeError(`Cannot read the call stream state from Redis: ${(error as Error).message}`, error);
          });
          if (result.kind === 'missing' && attempt === 0 && (await o.retake())) continue;
          if (result.kind === 'fenced' || result.kind === 'missing') return lost(`Another process took the lease on ${this.accountSid} before its state was loaded`);
          if (result.kind === 'none') return undefined;
          if (result.kind === 'unusable') throw storeError(`The Redis key is not a call stream state: ${result.reason}`);
          let state: unknown;
          try {
            state = JSON.parse(result.text);
          } catch (error) {
            throw storeError(`The call stream state in Redis is not valid JSON (${result.text.length} characters)`, error);
          }
          const reason = invalidStateReason(state);
          if (reason !== undefined) throw storeError(`The call stream state in Redis is not a valid state: ${reason}`);
          return state as StoreState;
        }
      },
      save: async (state: StoreState): Promise<void> => {
        if (this.#abandoned) throw storeError('Not saved: this process no longer leads the account', new LeaseLostError('abandoned'));
        const reason = invalidStateReason(state);
        if (reason !== undefined) throw storeError(`Cannot save the call stream state: ${reason}`);
        // Every event found so far is recorded in `state` (the stream records before it emits).
        const events = this.#pending.slice();
        const text = JSON.stringify(state);
        const batch = events.length > 0 ? `${this.#fence()}/${++this.#seq}` : '';
        const supersedes = [...this.#uncertain];
        const outbox = events.length > 0 || supersedes.length > 0 ? { batch, events: events.length > 0 ? encodeEvents(events) : '', supersedes } : undefined;
        for (let attempt = 0; ; attempt++) {
          let result;
          try {
            result = await saveStateText(o.link, keys, this.#fence(), text, outbox);
          } catch (error) {
            if (error instanceof LeaseLostError) return lost(error.message);
            // Not saved, or saved without an answer: the events wait for the next save, which
            // replaces this batch in the outbox if it did land.
            if (batch !== '') this.#uncertain.add(batch);
            throw storeError(`Cannot save the call stream state to Redis: ${(error as Error).message}`, error);
          }
          if (result === 'missing' && attempt === 0 && (await o.retake())) continue;
          if (result === 'fenced' || result === 'missing') return lost(`The lease on ${this.accountSid} was lost: the save was refused`);
          if (result !== 'ok') throw storeError(`Cannot save the call stream state to Redis: ${result.unusable}`);
          break;
        }
        this.#pending.splice(0, events.length);
        for (const id of supersedes) this.#uncertain.delete(id);
        if (events.length > 0) {
          this.#committed.push({ batch, events });
          this.releaseCommitted();
        }
      },
    };
  }

  /** Ends the term cleanly: the stream stops (its final save emits what it found), acknowledgements land. */
  async stop(): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    await this.#stream?.stop();
    for (const s of this.#subscriptions) s.unsubscribe();
    await this.#acks;
    // What could not be saved is not lost: not in the saved state, the next leader finds it again.
    this.#pending = [];
  }

  /** Ends the term without saving or emitting anything more: the lease is lost. */
  async abandon(): Promise<void> {
    this.#abandoned = true;
    this.#pending = [];
    this.#committed = [];
    if (this.#ending) return;
    this.#ending = true;
    await this.#stream?.stop();
    for (const s of this.#subscriptions) s.unsubscribe();
  }
}
