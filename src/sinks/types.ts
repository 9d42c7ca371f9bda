/**
 * The vocabulary of sinks: where call stream events go after the stream (signed webhooks, NDJSON
 * files, Redis Streams). Each sink accepts an event durably, delivers it at least once with the
 * event's idempotency key, retries with backoff, and writes a dead-letter record with the reason
 * when it gives an event up.
 */
import type { EventEmitter } from 'eventemitter3';
import type { CallStreamEvent } from '../stream/types.js';

/** The timers a sink uses; pass a fake clock (`@sinonjs/fake-timers` `createClock()`) in tests. */
export interface SinkClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Backoff between attempts: `minDelayMs * factor^(attempt-1)`, capped, with a random spread. */
export interface RetryOptions {
  /** First delay. @default 1_000 */
  minDelayMs?: number;
  /** Longest delay, also the cap on an honoured `Retry-After`. @default 300_000 */
  maxDelayMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** Random spread, as a fraction of the delay (0 to 1). @default 0.2 */
  jitter?: number;
}

/** Context of each sink event (frozen). */
export interface DeliveryContext {
  /** The sink's name (`webhook`, `ndjson`, `redis-stream`, or the name it was given). */
  sink: string;
  /** The event's idempotency key. */
  key: string;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The target's HTTP status, where one answered. */
  status?: number;
  error?: Error;
  /** For `retry`: the wait before the next attempt. */
  delayMs?: number;
  /** For `deadLetter`: why the event was given up. */
  reason?: string;
}

export interface SinkEvents {
  /** The event reached its target. */
  delivered: [context: DeliveryContext];
  /** An attempt failed and will be repeated after `delayMs`. */
  retry: [context: DeliveryContext];
  /** The event was given up (refused for good, or attempts ran out); a dead-letter record was written. */
  deadLetter: [context: DeliveryContext];
  /** The stream errored, or the sink's own storage could not be written. */
  error: [error: Error];
}

/** What every sink offers, for `serve` and for code that runs several. */
export interface Sink extends EventEmitter<SinkEvents> {
  /** The sink's name in events, logs and metrics. */
  readonly name: string;
  /** Events accepted and not yet delivered or given up (as far as this process knows). */
  readonly pending: number;
  /**
   * Accepts an event for delivery. Resolves to false when the same event (same idempotency key)
   * was already accepted. Once it resolves, the event survives a crash of this process.
   */
  enqueue(event: CallStreamEvent): Promise<boolean>;
  /** Resolves once nothing is pending (every accepted event delivered or given up). */
  drain(): Promise<void>;
  /** Stops delivering; what is undelivered stays in the outbox for the next run. */
  stop(): Promise<void>;
}
