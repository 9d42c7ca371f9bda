import { TRACKED_FIELDS } from '../exotel/trackedFields.js';
import type { TrackedField, TrackedRead } from '../exotel/trackedFields.js';
import type { Call, CallDetails, CallStatus, LegStatus } from '../exotel/types.js';

/** Fingerprint format version: the first element of the encoded array. */
const VERSION = 1;

type EncodedDetails = [number | null, LegStatus | null, LegStatus | null, Array<[number, number | null]>];

/**
 * How each tracked field is encoded, compared and put back. The encoded array is
 * `[VERSION, ...TRACKED_FIELDS in order, dateUpdated]`: a field added to `TRACKED_FIELDS` needs a
 * kind here (this does not compile without one), and is then fingerprinted, compared by
 * `changedFields` and restored by `applyFingerprint` (`TrackedValues`, built for speed, compares
 * each field by hand: test/engine/trackedFields.test.ts fails for a field it misses).
 */
const KIND = {
  status: 'status',
  startTime: 'instant',
  endTime: 'instant',
  duration: 'number',
  price: 'number',
  recordingUrl: 'text',
  answeredBy: 'text',
  details: 'details',
} as const satisfies Record<TrackedField, 'status' | 'text' | 'instant' | 'number' | 'details'>;
type Kind = (typeof KIND)[TrackedField];

const time = (d: Date | null): number | null => (d === null ? null : d.getTime());

function encodeDetails(details: CallDetails | undefined): EncodedDetails | null {
  if (details === undefined) return null;
  return [details.conversationDuration, details.leg1Status, details.leg2Status, details.legs.map((l) => [l.id, l.onCallDuration])];
}

/** A tracked value as the fingerprint's array holds it. */
function encodeValue(kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'instant':
      return time(value as Date | null);
    case 'details':
      return encodeDetails(value as CallDetails | undefined);
    default:
      return value ?? null;
  }
}

function encode(call: Call): unknown[] {
  const encoded: unknown[] = [VERSION];
  for (const field of TRACKED_FIELDS) encoded.push(encodeValue(KIND[field], call[field]));
  encoded.push(time(call.dateUpdated));
  return encoded;
}

/**
 * A compact, stable encoding of a call's tracked values (a JSON array, versioned), plus its
 * `dateUpdated` so that a `previous` rebuilt from it carries the right one. Two calls with equal
 * tracked values and `dateUpdated` give the same string. Decodable with `applyFingerprint`. (The
 * tracker does not call it for every read: `TrackedValues` compares values and builds the same
 * string once, when a store asks for it.)
 */
export function fingerprint(call: Call): string {
  // JSON writes numbers that are not finite as null, as the encoding keeps them.
  return JSON.stringify(encode(call));
}

const jsonNumber = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(v));
const jsonTime = (d: Date | null): string => (d === null ? 'null' : jsonNumber(d.getTime()));
const jsonText = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v));

/**
 * A call's tracked values and `dateUpdated` as the fingerprint encodes them (instants as epoch ms,
 * non-finite numbers as null, details as their JSON encoding): what the tracker keeps per emitted
 * Sid, so that a re-read with nothing changed (most reads) is a few comparisons, not a string built
 * and compared. The fingerprint is built on first use (a save) and then kept; from then on the
 * recording URL, the one long value, is compared in place inside it rather than kept twice.
 */
export class TrackedValues {
  readonly status: CallStatus;
  readonly duration: number | null;
  readonly price: number | null;
  readonly answeredBy: string | null;
  readonly details: string | null;
  /**
   * Epoch ms the three instants below are kept from: the call's `dateCreated` (0 when that is not
   * finite or an offset would not be exact). Offsets of a few hours are small integers, stored in
   * place, where epoch ms would each be a boxed number: less to allocate and keep per call.
   */
  private readonly base: number;
  private readonly start: number | null;
  private readonly end: number | null;
  private readonly updated: number | null;
  private recordingUrl: string | null;
  private built: string | null = null;
  // Once built: where the URL's opening quote sits in the fingerprint and its length; URL_NULL when
  // it was null, URL_OTHER when its JSON is not the URL between quotes (then kept as is).
  private urlAt = URL_OTHER;
  private urlLength = 0;

  constructor(call: Call) {
    const start = timeValue(call.startTime);
    const end = timeValue(call.endTime);
    const updated = timeValue(call.dateUpdated);
    const created = call.dateCreated.getTime();
    const base = Number.isFinite(created) && exact(start, created) && exact(end, created) && exact(updated, created) ? created : 0;
    this.status = call.status;
    this.base = base;
    this.start = start === null ? null : start - base;
    this.end = end === null ? null : end - base;
    this.updated = updated === null ? null : updated - base;
    this.duration = numberValue(call.duration);
    this.price = numberValue(call.price);
    this.recordingUrl = call.recordingUrl;
    this.answeredBy = call.answeredBy;
    this.details = call.details === undefined ? null : JSON.stringify(encodeDetails(call.details));
  }

  /** `startTime` as epoch ms (null when unset or not finite). */
  get startTime(): number | null {
    return this.start === null ? null : this.start + this.base;
  }

  /** `endTime` as epoch ms (null when unset or not finite). */
  get endTime(): number | null {
    return this.end === null ? null : this.end + this.base;
  }

  /** `dateUpdated` as epoch ms (null when unset or not finite). */
  get dateUpdated(): number | null {
    return this.updated === null ? null : this.updated + this.base;
  }

  /** `fingerprint(call)` of the call these values were taken from. */
  get fingerprint(): string {
    if (this.built !== null) return this.built;
    const url = this.recordingUrl;
    const head = `[${VERSION},${JSON.stringify(this.status)},${jsonNumber(this.startTime)},${jsonNumber(this.endTime)},${jsonNumber(this.duration)},${jsonNumber(this.price)},`;
    const built = `${head}${jsonText(url)},${jsonText(this.answeredBy)},${this.details ?? 'null'},${jsonNumber(this.dateUpdated)}]`;
    if (url === null) this.urlAt = URL_NULL;
    else if (typeof url === 'string' && isPlain(url)) {
      this.urlAt = head.length;
      this.urlLength = url.length;
      this.recordingUrl = null;
    }
    // A template literal is a rope of its pieces (about 880 bytes here, kept per emitted call once
    // a store has asked); flattened in place it is one string of about 200.
    flatten(built);
    this.built = built;
    return built;
  }

  // Whether an instant (epoch ms or null) is the one kept as `offset`. A difference under 2^53 is
  // exact; a larger one cannot equal a kept offset, which is smaller.
  private same(offset: number | null, ms: number | null): boolean {
    return ms === null ? offset === null : offset === ms - this.base;
  }

  /** Whether `fingerprint(call)` would equal `this.fingerprint`, without building either. */
  matches(call: Call): boolean {
    if (
      !(
        this.status === call.status &&
        this.same(this.start, timeValue(call.startTime)) &&
        this.same(this.end, timeValue(call.endTime)) &&
        this.duration === numberValue(call.duration) &&
        this.price === numberValue(call.price) &&
        this.answeredBy === call.answeredBy &&
        this.same(this.updated, timeValue(call.dateUpdated)) &&
        (call.details === undefined ? this.details === null : this.details === JSON.stringify(encodeDetails(call.details)))
      )
    ) {
      return false;
    }
    return this.urlMatches(call.recordingUrl);
  }

  /**
   * `matches` for values read from a raw record (`readTrackedValues`, which reads no details):
   * whether the `Call` that record normalizes to, without details, would match.
   */
  matchesRead(read: TrackedRead): boolean {
    return (
      this.status === read.status &&
      this.same(this.start, read.startTime) &&
      this.same(this.end, read.endTime) &&
      this.duration === read.duration &&
      this.price === read.price &&
      this.answeredBy === read.answeredBy &&
      this.same(this.updated, read.dateUpdated) &&
      this.details === null &&
      this.urlMatches(read.recordingUrl)
    );
  }

  private urlMatches(url: string | null): boolean {
    const at = this.urlAt;
    if (at === URL_OTHER) return url === this.recordingUrl;
    if (at === URL_NULL) return url === null;
    // The remembered URL is in the fingerprint as is, between quotes: the same length and the
    // same text there is equality.
    return typeof url === 'string' && url.length === this.urlLength && (this.built as string).startsWith(url, at + 1);
  }
}

/** Makes V8 flatten a rope string in place (reading a character past the first piece does); the same string. */
function flatten(text: string): void {
  if (text.length > 0) void text.charCodeAt(text.length - 1);
}

const URL_NULL = -1;
const URL_OTHER = -2;
const EXACT = 2 ** 53;
// Whether `ms - base` is exact (and so tells instants apart as they do).
const exact = (ms: number | null, base: number): boolean => ms === null || Math.abs(ms - base) < EXACT;

/** Whether `JSON.stringify(text)` is `text` between quotes: no quote, backslash, control character or surrogate. */
function isPlain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

// As the fingerprint writes them: anything not finite is null (-0 and 0 compare equal, as their `String` does).
const numberValue = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);
const timeValue = (d: Date | null): number | null => (d === null ? null : numberValue(d.getTime()));

/** The encoding `fingerprint` writes, as an array (for tests: `JSON.stringify` of it equals the fingerprint). */
export function encodeFingerprint(call: Call): unknown[] {
  return encode(call);
}

const VALID: Record<Kind, (v: unknown) => boolean> = {
  status: (v) => typeof v === 'string',
  text: (v) => v === null || typeof v === 'string',
  instant: (v) => isNullableNumber(v),
  number: (v) => isNullableNumber(v),
  details: (v) => v === null || isEncodedDetails(v),
};

const isNullableNumber = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** The values of a fingerprint, `[VERSION, ...TRACKED_FIELDS, dateUpdated]`, checked. */
function decode(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TypeError(`Expected a call fingerprint (a JSON array), got ${JSON.stringify(text.slice(0, 80))}`, { cause });
  }
  const values: unknown[] | undefined = Array.isArray(value) ? value : undefined;
  const ok =
    values !== undefined &&
    values.length === TRACKED_FIELDS.length + 2 &&
    values[0] === VERSION &&
    TRACKED_FIELDS.every((field, i) => VALID[KIND[field]](values[i + 1])) &&
    isNullableNumber(values[TRACKED_FIELDS.length + 1]);
  if (!ok) throw new TypeError(`Expected a call fingerprint of version ${VERSION}, got ${JSON.stringify(text.slice(0, 80))}`);
  return values;
}

function isEncodedDetails(v: unknown): v is EncodedDetails {
  return (
    Array.isArray(v) &&
    v.length === 4 &&
    isNullableNumber(v[0]) &&
    isNullableString(v[1]) &&
    isNullableString(v[2]) &&
    Array.isArray(v[3]) &&
    v[3].every((leg: unknown) => Array.isArray(leg) && leg.length === 2 && typeof leg[0] === 'number' && isNullableNumber(leg[1]))
  );
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function decodeDetails(details: EncodedDetails): CallDetails {
  return {
    conversationDuration: details[0],
    leg1Status: details[1],
    leg2Status: details[2],
    legs: details[3].map(([id, onCallDuration]) => ({ id, onCallDuration })),
  };
}

/**
 * The call with the tracked values (and `dateUpdated`) remembered in `fingerprint` put back: the
 * `previous` of a `callUpdated` when only the fingerprint survived (a restart, or the tracker's
 * compact memory). Other fields, `raw` included, are the given call's. Throws a TypeError when the
 * fingerprint cannot be decoded.
 */
export function applyFingerprint(call: Call, fingerprint: string): Call {
  const values = decode(fingerprint);
  const previous: Record<string, unknown> = { ...call };
  TRACKED_FIELDS.forEach((field, i) => {
    const value = values[i + 1];
    const kind: Kind = KIND[field];
    if (kind === 'details') {
      if (value === null) delete previous[field];
      else previous[field] = decodeDetails(value as EncodedDetails);
    } else previous[field] = kind === 'instant' ? date(value as number | null) : value;
  });
  previous.dateUpdated = date(values[TRACKED_FIELDS.length + 1] as number | null);
  return previous as unknown as Call;
}

function comparable(call: Call, field: TrackedField | 'dateUpdated'): unknown {
  const value = call[field];
  if (field === 'details') return JSON.stringify(encodeDetails(value as CallDetails | undefined));
  if (value instanceof Date) return value.getTime();
  return value ?? null;
}

/**
 * The names of the tracked fields that differ between `previous` and `next`, in `TRACKED_FIELDS`
 * order; `dateUpdated` is appended when it moved too. Empty when only untracked fields changed.
 */
export function changedFields(previous: Call, next: Call): string[] {
  const changes: string[] = [];
  for (const field of TRACKED_FIELDS) {
    if (comparable(previous, field) !== comparable(next, field)) changes.push(field);
  }
  if (changes.length > 0 && comparable(previous, 'dateUpdated') !== comparable(next, 'dateUpdated')) {
    changes.push('dateUpdated');
  }
  return changes;
}
