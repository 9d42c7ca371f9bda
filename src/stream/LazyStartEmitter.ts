import { EventEmitter } from 'eventemitter3';
import { Observable } from 'rxjs';

/**
 * An EventEmitter3 emitter that starts its work on first use, as a stream does: the first
 * listener (`on`, `addListener`, `once`) or the first subscription to one of its `lazy`
 * observables calls `start()`, which must be idempotent. `CallStream` and the Redis leader
 * stream share it.
 */
export abstract class LazyStartEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  /** Starts the work; called on every first use, so it must do nothing once started. */
  abstract start(): void;

  /** Adds a listener; the first one starts the work, as a subscription does. */
  override on<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    super.on(event, fn, context);
    this.start();
    return this;
  }

  /** Same as `on`. */
  override addListener<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  /** Adds a one-time listener; starts the work like `on`. */
  override once<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    super.once(event, fn, context);
    this.start();
    return this;
  }

  /** `source`, starting the work when subscribed to (after subscribing, so no first event passes the subscriber by). */
  protected lazy<T>(source: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      const subscription = source.subscribe(subscriber);
      this.start();
      return subscription;
    });
  }
}
