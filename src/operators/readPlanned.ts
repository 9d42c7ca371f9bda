import { EMPTY, Observable, catchError, mergeMap } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { ExotelError } from '../exotel/errors.js';
import type { RawCall } from '../exotel/types.js';

/** The part of a planned read this operator needs (the engine's `PlannedRead` fits). */
export interface ReadLike<Q = unknown> {
  query: Q;
  /** Bottleneck priority, 0 first .. 9 last. */
  priority: number;
  /** Retries of a transient fault for this read's requests; undefined: the client's own. */
  retries?: number;
}

/** What lists pages for a query (the `ExotelClient` fits): follows `NextPageUri` until the listing ends. */
export interface PageSource<Q = unknown> {
  listAll(query: Q, options: { priority: number; signal: AbortSignal; retries?: number }): AsyncIterable<{ calls: RawCall[]; asOf?: number }>;
}

/** One page of one read. */
export interface ReadPage<R> {
  read: R;
  calls: readonly RawCall[];
}

/** How a read went, as the engine's `ReadPlanner.complete` takes it. */
export interface ReadResult {
  ok: boolean;
  /** Records listed (all pages). */
  records: number;
  /** Pages fetched, i.e. requests that answered. */
  requests: number;
  /** The first page's `asOf` (an API instant at or before which the listing began), when the source gives one. */
  asOf?: number;
}

export interface ReadPlannedOptions<R extends ReadLike> {
  /** Lists the pages of each read's query. */
  client: PageSource<R['query']>;
  /** Told how each read went: a failed read is planned again, so nothing is lost. */
  onComplete?: (read: R, result: ReadResult) => void;
  /** A read that failed with a non-fatal error (retries ran out): reported here, the others go on. */
  onError?: (error: unknown, read: R) => void;
  /** Reads in flight at once; Bottleneck orders what is queued by priority. @default 4 */
  concurrency?: number;
  /** Which errors end the whole stream instead of one read. @default the error's `fatal` flag */
  isFatal?: (error: unknown) => boolean;
}

const defaultIsFatal = (error: unknown): boolean => error instanceof ExotelError && error.fatal;

/**
 * Executes planned reads: each read's pages (all of them, following `NextPageUri`) are emitted as
 * they arrive, `{ read, calls }`. A read that fails is reported (`onError`, `onComplete` with
 * `ok: false`) and the others go on; a fatal error (401, 402, 403, a rejected query) errors the
 * output. Unsubscribing aborts every request in flight.
 *
 * @example
 * from(planner.plan(now, tracker.heldSids())).pipe(
 *   readPlanned({ client, onComplete: (read, result) => planner.complete(read, result, now) }),
 * );
 */
export function readPlanned<R extends ReadLike>(options: ReadPlannedOptions<R>): OperatorFunction<R, ReadPage<R>> {
  const { client, onComplete, onError, concurrency = 4, isFatal = defaultIsFatal } = options;
  return mergeMap(
    (read: R) => {
      let records = 0;
      let requests = 0;
      let asOf: number | undefined;
      const result = (ok: boolean): ReadResult => (asOf === undefined ? { ok, records, requests } : { ok, records, requests, asOf });
      return new Observable<ReadPage<R>>((subscriber) => {
        const abort = new AbortController();
        (async () => {
          const options = read.retries === undefined ? { priority: read.priority, signal: abort.signal } : { priority: read.priority, signal: abort.signal, retries: read.retries };
          for await (const page of client.listAll(read.query, options)) {
            if (subscriber.closed) return;
            if (requests === 0) asOf = page.asOf;
            requests += 1;
            records += page.calls.length;
            subscriber.next({ read, calls: page.calls });
          }
          if (subscriber.closed) return;
          onComplete?.(read, result(true));
          subscriber.complete();
        })().catch((error: unknown) => subscriber.error(error));
        // Aborting frees the socket and the limiter slot of a request still in flight.
        return () => abort.abort();
      }).pipe(
        catchError((error: unknown) => {
          onComplete?.(read, result(false));
          if (isFatal(error)) throw error;
          onError?.(error, read);
          return EMPTY;
        }),
      );
    },
    concurrency,
  );
}
