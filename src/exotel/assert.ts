/**
 * The option assertions every public constructor uses (`createCallStream`, `ExotelClient`,
 * `createQuotaLimiter`, `CallTracker`, the CLI): each throws an `InvalidOptionError` that names the
 * option in backticks and shows the value received, as p-retry validates where options enter.
 *
 * An option that several entry points take (`timeZone`, `maxRequestsPerMinute`, `pageSize`,
 * `retries`, `lookbackMs`, `settleMs`, `limiter`, `dispatcher`, the filters) has its rule here,
 * once, so that a value one of them accepts is never refused by another.
 */
import type Bottleneck from 'bottleneck';
import type { Dispatcher } from 'undici';
import { InvalidOptionError } from './errors.js';
import { CALL_DIRECTIONS, CALL_STATUSES, DEFAULT_RANGE_MS, MAX_NUMBERS, MAX_PAGE_SIZE, MIN_PAGE_SIZE, REQUESTS_PER_MINUTE, isCallDirection, isCallStatus, isE164 } from './limits.js';
import { assertTimeZone } from './time.js';
import type { CallDirection, CallStatus } from './types.js';

const DAY_MS = 86_400_000;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Throws unless `value` is an object (not null, not an array). */
export function assertOptionsObject(name: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidOptionError(name, 'an object', value);
}

/**
 * A value reduced to its kind (`<redacted string>`), for what may be a secret: a misspelt option
 * (`apitoken`), a token of the wrong type.
 */
export function redacted(value: unknown): unknown {
  if (value === undefined || value === null || value === '' || typeof value === 'boolean') return value;
  return `<redacted ${typeof value}>`;
}

/**
 * Rejects a key that is not an option of `owner`: a typo must not silently fall back to a default.
 * A misspelt key may hold a credential (`apitoken`): text and objects are shown by their kind
 * only; numbers, booleans and null, which hold no secret, as they are (`pollIntervalMS: 15000`).
 */
export function assertKnownOptions(options: Record<string, unknown>, known: ReadonlySet<string>, owner: string): void {
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (known.has(key) || value === undefined) continue;
    const shown = typeof value === 'number' || typeof value === 'boolean' || value === null ? value : `<redacted ${typeof value}>`;
    throw new InvalidOptionError(key, `absent: it is not an option of ${owner}`, shown);
  }
}

/** An integer from `min` to `max` (a safe integer when there is no `max`); `fallback` when absent. */
export function integerOption(name: string, value: unknown, min: number, max: number, fallback: number): number;
export function integerOption(name: string, value: unknown, min: number, max: number): number | undefined;
export function integerOption(name: string, value: unknown, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, max === Number.MAX_SAFE_INTEGER ? `an integer, ${min} or more` : `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** Milliseconds from `min` to `max`, or `Infinity` (never on a timer); undefined when absent. */
export function intervalOrNever(name: string, value: unknown, min = 0, max = DAY_MS): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `an integer from ${min} to ${max} or Infinity`, value);
  }
  return value;
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'a boolean', value);
  return value;
}

export function functionOption<F extends (...args: never[]) => unknown>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidOptionError(name, 'a function', value);
  return value as F;
}

/** An object with these methods (a duck type: a `Store`, a scheduler); `expected` says what it should be. */
export function assertMethods(name: string, value: unknown, methods: readonly string[], expected: string): void {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || !methods.every((m) => typeof v[m] === 'function')) throw new InvalidOptionError(name, expected, value);
}

/**
 * One value or an array of 1 to `max`, each passing `check`: the shape of the API's list filters.
 * Returns the values as an array.
 */
export function oneOrMore<T>(name: string, value: unknown, check: (item: unknown) => item is T, expected: string, max: number): T[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.length > max) throw new InvalidOptionError(name, `${expected}, or an array of 1 to ${max} of them`, value);
  for (let i = 0; i < items.length; i++) {
    if (!check(items[i])) throw new InvalidOptionError(Array.isArray(value) ? `${name}[${i}]` : name, expected, items[i]);
  }
  return items as T[];
}

// --- The rules of options that several entry points take --------------------------------------

/** `timeZone`: an IANA zone this runtime knows. @default 'Asia/Kolkata' */
export function timeZoneOption(name: string, value: unknown, fallback = 'Asia/Kolkata'): string {
  const zone = value ?? fallback;
  try {
    assertTimeZone(zone);
  } catch {
    throw new InvalidOptionError(name, 'an IANA time zone such as `Asia/Kolkata`', zone);
  }
  return zone;
}

/** The largest `maxRequestsPerMinute` (a limiter shared by many clients may need more than one account's 200). */
export const MAX_REQUESTS_PER_MINUTE = 100_000;

/** `maxRequestsPerMinute`: an integer from 1 to 100,000. @default 200, Exotel's quota */
export function requestsPerMinuteOption(value: unknown, name = 'maxRequestsPerMinute'): number {
  return integerOption(name, value, 1, MAX_REQUESTS_PER_MINUTE, REQUESTS_PER_MINUTE);
}

/** `pageSize`: an integer from 1 to 100. */
export function pageSizeOption(name: string, value: unknown, fallback: number): number {
  return integerOption(name, value, MIN_PAGE_SIZE, MAX_PAGE_SIZE, fallback);
}

/** `retries` of a transient fault, per request: an integer from 0 to 100. @default 5 */
export function retriesOption(value: unknown): number {
  return integerOption('retries', value, 0, 100, 5);
}

/** The longest `lookbackMs`: a `Sid=` re-read without `DateCreated` looks back 31 days, no more. */
export const MAX_LOOKBACK_MS = DEFAULT_RANGE_MS;

/** `lookbackMs`: an integer from 60,000 (a minute) to 31 days. @default 7_200_000 (two hours) */
export function lookbackOption(value: unknown): number {
  return integerOption('lookbackMs', value, 60_000, MAX_LOOKBACK_MS, 7_200_000);
}

/** `pollIntervalMs`: an integer from 1,000 (a second) to a day. @default 15_000 */
export function pollIntervalOption(value: unknown): number {
  return integerOption('pollIntervalMs', value, 1_000, DAY_MS, 15_000);
}

/** `lookbackMs` of a stream polled every `pollIntervalMs`: as `lookbackOption`, and longer than the poll interval. */
export function lookbackOverPollOption(value: unknown, pollIntervalMs: number): number {
  const lookbackMs = lookbackOption(value);
  if (lookbackMs <= pollIntervalMs) throw new InvalidOptionError('lookbackMs', `an integer larger than \`pollIntervalMs\` (${pollIntervalMs})`, lookbackMs);
  return lookbackMs;
}

/** `skewMarginMs`: an integer from 0 to an hour. @default 60_000 */
export function skewMarginOption(value: unknown): number {
  return integerOption('skewMarginMs', value, 0, 3_600_000, 60_000);
}

/** `freshWindowMs`: an integer from 1,000 to `lookbackMs`; undefined (adaptive) when absent. */
export function freshWindowOption(value: unknown, lookbackMs: number): number | undefined {
  return integerOption('freshWindowMs', value, 1_000, lookbackMs);
}

/** `sweepIntervalMs`: an integer from `pollIntervalMs` to `lookbackMs`, or `Infinity` (off); undefined (adaptive) when absent. */
export function sweepIntervalOption(value: unknown, pollIntervalMs: number, lookbackMs: number): number | undefined {
  return intervalOrNever('sweepIntervalMs', value, pollIntervalMs, lookbackMs);
}

/** `sliceLagsMs`: an array of integers from 1,000 to `lookbackMs`; undefined (the defaults) when absent. */
export function sliceLagsOption(value: unknown, lookbackMs: number): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidOptionError('sliceLagsMs', 'an array of milliseconds', value);
  return value.map((lag, index) => integerOption(`sliceLagsMs[${index}]`, lag, 1_000, lookbackMs, 0));
}

/** `settleMs`: an integer from 0 to `lookbackMs`. @default 300_000 (five minutes) */
export function settleOption(value: unknown, lookbackMs: number): number {
  return integerOption('settleMs', value, 0, lookbackMs, 300_000);
}

/** `limiter`: a Bottleneck (anything with `schedule`). */
export function limiterOption(value: unknown): Bottleneck | undefined {
  if (value === undefined) return undefined;
  assertMethods('limiter', value, ['schedule'], 'a Bottleneck limiter');
  return value as Bottleneck;
}

/** `dispatcher`: an undici Dispatcher (an `Agent`, `Pool`, `Client`, `ProxyAgent`: anything with `dispatch` and `request`). */
export function dispatcherOption(value: unknown): Dispatcher | undefined {
  if (value === undefined) return undefined;
  assertMethods('dispatcher', value, ['dispatch', 'request'], 'an undici Dispatcher (Agent, Pool, Client)');
  return value as Dispatcher;
}

const NUMBER_EXPECTED = 'an E.164 number such as `+918047000001`';

/** A number filter (`to`, `from`, `phoneNumber`): 1 to 5 E.164 numbers. */
export function numbersOption(name: string, value: unknown): string[] {
  return oneOrMore(name, value, isE164, NUMBER_EXPECTED, MAX_NUMBERS);
}

/** A `status` filter of ended calls: 1 to 5 of the five final statuses. */
export function statusesOption(name: string, value: unknown): CallStatus[] {
  return oneOrMore(name, value, isCallStatus, `one of ${CALL_STATUSES.map((s) => `\`${s}\``).join(', ')}`, CALL_STATUSES.length);
}

/** A `direction` filter: 1 to 3 of the three directions. */
export function directionsOption(name: string, value: unknown): CallDirection[] {
  return oneOrMore(name, value, isCallDirection, `one of ${CALL_DIRECTIONS.map((d) => `\`${d}\``).join(', ')}`, CALL_DIRECTIONS.length);
}
