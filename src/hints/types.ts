/**
 * The vocabulary of the receiver of Exotel's `StatusCallback`s: what it feeds (a stream's
 * `hint()`), its options, its counters, and the outcome of each callback.
 *
 * A callback is a hint, never the truth (Exotel's own documentation says delivery "may be delayed
 * or have failures"): it names a Sid whose call ended, so that the stream can re-read it by `Sid=`
 * once it should have settled. The pull tiers still cover every call, callback or not.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallHint } from '../stream/types.js';

export type { CallHint } from '../stream/types.js';

/**
 * What the receiver feeds: anything with a `hint()` (a `CallStream`). `hint()` says whether it took
 * the hint; `false` (a Sid it cannot use, a stream that stopped) is counted as `ignored`.
 */
export interface HintTarget {
  hint(hint: CallHint): boolean | void;
}

/** Why a request did not become a hint the target took (the label of `rejected`). */
export type StatusCallbackRejectReason =
  /** A method other than POST (405). */
  | 'method'
  /** The shared secret was missing or wrong (403). */
  | 'secret'
  /** A `Content-Type` other than form, multipart or JSON (415). */
  | 'content-type'
  /** A body larger than `maxBodyBytes` (413). */
  | 'too-large'
  /** The body did not arrive within `bodyTimeoutMs` (408). */
  | 'timeout'
  /** The client went away before the body was read (no answer possible). */
  | 'aborted'
  /** A body that cannot be read as form fields or a JSON object (400). */
  | 'malformed'
  /** A readable body without a `CallSid` (400). */
  | 'not-a-callback'
  /** A `CallSid` that is not a call Sid (400). */
  | 'invalid-sid'
  /** A callback for a call that has not ended (`EventType: answered`); answered 200. */
  | 'not-terminal'
  /** A callback already taken (Exotel retries); answered 200. */
  | 'duplicate'
  /** The target said no (`hint()` returned false: a stopped stream); answered 200. */
  | 'ignored'
  /** The target threw; answered 200 (a retry would not help: the pull tiers cover the call). */
  | 'error';

/** Counters since the handler was created, for metrics. `received` = `accepted` + every `rejected`. */
export interface StatusCallbackStats {
  /** Requests that reached the handler. */
  received: number;
  /** Hints the target took. */
  accepted: number;
  /** Requests that did not become a hint the target took, by reason. */
  rejected: Record<StatusCallbackRejectReason, number>;
}

/** What became of one request (frozen), for logs (`onResult`). Holds no secret and no body. */
export interface StatusCallbackResult {
  /** The HTTP status answered (0 when the client went away first). */
  status: number;
  /** `accepted`: the target took the hint. */
  outcome: 'accepted' | 'rejected';
  reason?: StatusCallbackRejectReason;
  /** A sentence saying why, for `rejected` (the same as the answer's `message`). */
  message?: string;
  /** The hint, when the body was a callback. */
  hint?: CallHint;
  /** The callback's `EventType` (`terminal`, `answered`), when it had one. */
  eventType?: string;
}

export interface StatusCallbackHandlerOptions {
  /**
   * Zone of the callback's naive timestamps (`DateUpdated`, `EndTime`, `DateCreated`): the
   * account's zone, as the stream's `timeZone`.
   * @default 'Asia/Kolkata'
   */
  timeZone?: string;
  /**
   * A shared secret the callback URL must carry, as its last path segment
   * (`https://host/exotel/status-callback/<secret>`) or as the query parameter named by
   * `secretParam` (`…?token=<secret>`). Exotel signs nothing: this check is the receiver's own.
   * 16 to 256 printable characters without spaces, `/`, `?`, `#`, `&`, `%`, `+` or `=` (so that it
   * stands in a URL as it is); compared in constant time. Without it every POST is taken.
   */
  secret?: string;
  /** The query parameter that carries the secret. @default 'token' */
  secretParam?: string;
  /** Largest body accepted, in bytes (a callback is well under 4 KiB). @default 65_536 */
  maxBodyBytes?: number;
  /**
   * How long the body may take to arrive, in ms; a slower one gets 408. Exotel waits 15 s for the
   * answer, so this stays under that.
   * @default 10_000
   */
  bodyTimeoutMs?: number;
  /**
   * How many (Sid, event) pairs are remembered to answer a repeat (Exotel retries) as a duplicate
   * without handing it to the target again; 0 remembers none (the stream dedupes by Sid anyway).
   * @default 10_000
   */
  rememberSids?: number;
  /** Called once per request with what became of it (for logs). An error it throws is ignored. */
  onResult?: (result: StatusCallbackResult) => void;
}

/**
 * The request handler: mounts in `http.createServer(handler)`, Express (`app.post(path, handler)`),
 * or Fastify (`fastifyStatusCallbacks`). It never throws, and answers every request it can.
 */
export interface StatusCallbackHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Counters since the handler was created (a fresh object each call). */
  stats(): StatusCallbackStats;
}
