import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type Bottleneck from 'bottleneck';
import type { Dispatcher } from 'undici';
import { InvalidOptionError } from '../exotel/errors.js';
import { CALL_DIRECTIONS, CALL_STATUSES, MAX_NUMBERS } from '../exotel/query.js';
import { assertTimeZone } from '../exotel/time.js';
import { defaultIsSettled } from '../engine/settle.js';
import { memoryStore } from '../stores/memoryStore.js';
import type { CallStreamFilters, CallStreamOptions, SettleContext, Store } from './types.js';

/** Options with every default filled in, as the stream uses them. */
export interface ResolvedOptions {
  accountSid: string;
  apiKey: string;
  apiToken: string;
  subdomain: string | undefined;
  baseUrl: string | undefined;
  pollIntervalMs: number;
  lookbackMs: number;
  settleMs: number;
  timeZone: string;
  pageSize: number;
  maxRequestsPerMinute: number;
  limiter: Bottleneck | undefined;
  filters: CallStreamFilters | undefined;
  details: boolean;
  store: Store;
  isSettled: (context: SettleContext) => boolean;
  freshWindowMs: number | undefined;
  skewMarginMs: number;
  sweepIntervalMs: number | undefined;
  sliceLagsMs: number[] | undefined;
  readConcurrency: number;
  saveIntervalMs: number;
  retries: number | undefined;
  dispatcher: Dispatcher | undefined;
  scheduler: SchedulerLike;
}

const DAY = 86_400_000;
const KNOWN: ReadonlySet<string> = new Set([
  'accountSid', 'apiKey', 'apiToken', 'subdomain', 'baseUrl', 'pollIntervalMs', 'lookbackMs', 'settleMs', 'timeZone',
  'pageSize', 'maxRequestsPerMinute', 'limiter', 'filters', 'details', 'store', 'isSettled', 'freshWindowMs',
  'skewMarginMs', 'sweepIntervalMs', 'sliceLagsMs', 'readConcurrency', 'saveIntervalMs', 'retries', 'dispatcher', 'scheduler',
]);
const FILTER_KEYS: ReadonlySet<string> = new Set(['direction', 'phoneNumber', 'to', 'from', 'status']);
const E164 = /^\+[1-9]\d{6,14}$/;

function integer(option: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function optionalInteger(option: string, value: unknown, min: number, max: number): number | undefined {
  return value === undefined ? undefined : integer(option, value, min, max, 0);
}

/** Milliseconds from 0 to a day, or `Infinity` (never on a timer); undefined when not given. */
function intervalOrNever(option: string, value: unknown): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > DAY) {
    throw new InvalidOptionError(option, `an integer from 0 to ${DAY} or Infinity`, value);
  }
  return value;
}

function nonEmptyString(option: string, value: unknown, hint: string, secret = false): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    // A secret of the wrong type is still a secret: show its type only.
    const shown = secret && value !== undefined && value !== null && typeof value !== 'string' ? `a ${typeof value}` : value;
    throw new InvalidOptionError(option, `a non-empty string${hint}`, shown);
  }
  return value;
}

function oneOrMore(option: string, value: unknown, check: (item: unknown) => boolean, expected: string, max: number): void {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || items.length > max) throw new InvalidOptionError(option, `${expected}, or an array of 1 to ${max} of them`, value);
  for (const [index, item] of items.entries()) {
    if (!check(item)) throw new InvalidOptionError(Array.isArray(value) ? `${option}[${index}]` : option, expected, item);
  }
}

function resolveFilters(value: unknown): CallStreamFilters | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError('filters', 'an object', value);
  const filters = value as Record<string, unknown>;
  for (const key of Object.keys(filters)) {
    if (!FILTER_KEYS.has(key)) throw new InvalidOptionError(`filters.${key}`, `absent (known filters: ${[...FILTER_KEYS].join(', ')})`, filters[key]);
  }
  if (filters.direction !== undefined) {
    oneOrMore('filters.direction', filters.direction, (d) => typeof d === 'string' && CALL_DIRECTIONS.has(d), `one of ${[...CALL_DIRECTIONS].join(', ')}`, 3);
  }
  if (filters.status !== undefined) {
    oneOrMore('filters.status', filters.status, (s) => typeof s === 'string' && CALL_STATUSES.has(s), `one of ${[...CALL_STATUSES].join(', ')}`, 5);
  }
  for (const key of ['phoneNumber', 'to', 'from'] as const) {
    if (filters[key] !== undefined) {
      oneOrMore(`filters.${key}`, filters[key], (n) => typeof n === 'string' && E164.test(n), 'an E.164 number such as `+918047000001`', MAX_NUMBERS);
    }
  }
  return { ...(filters as CallStreamFilters) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Validates the options of `createCallStream` and fills in the defaults. Throws an
 * `InvalidOptionError` naming the first rejected option and the value received (never a token).
 */
export function resolveOptions(options: CallStreamOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (!isObject(options) || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      // It may be a misspelt credential (`apitoken`): a string or object is shown by its kind only.
      const value = (options as unknown as Record<string, unknown>)[key];
      throw new InvalidOptionError(key, 'absent (not an option of createCallStream)', typeof value === 'string' || (typeof value === 'object' && value !== null) ? `<redacted ${typeof value}>` : value);
    }
  }
  const accountSid = nonEmptyString('accountSid', options.accountSid, '');
  if (!/^[A-Za-z0-9_-]+$/.test(accountSid)) throw new InvalidOptionError('accountSid', 'letters, digits, `_` and `-` only', accountSid);
  const apiKey = nonEmptyString('apiKey', options.apiKey ?? env.EXOTEL_API_KEY, ' (or the EXOTEL_API_KEY environment variable)');
  const apiToken = nonEmptyString('apiToken', options.apiToken ?? env.EXOTEL_API_TOKEN, ' (or the EXOTEL_API_TOKEN environment variable)', true);

  let baseUrl: string | undefined;
  let subdomain: string | undefined;
  if (options.baseUrl !== undefined) {
    if (options.subdomain !== undefined) throw new InvalidOptionError('baseUrl', 'absent when `subdomain` is given (pass one of them)', options.baseUrl);
    baseUrl = nonEmptyString('baseUrl', options.baseUrl, ' (a URL such as `https://api.exotel.com`)');
  } else {
    subdomain = nonEmptyString('subdomain', options.subdomain ?? env.EXOTEL_SUBDOMAIN ?? 'api.exotel.com', ' such as `api.in.exotel.com`');
  }

  const pollIntervalMs = integer('pollIntervalMs', options.pollIntervalMs, 1_000, DAY, 15_000);
  const lookbackMs = integer('lookbackMs', options.lookbackMs, 60_000, 31 * DAY, 7_200_000);
  if (lookbackMs <= pollIntervalMs) throw new InvalidOptionError('lookbackMs', `an integer larger than \`pollIntervalMs\` (${pollIntervalMs})`, lookbackMs);
  const settleMs = integer('settleMs', options.settleMs, 0, lookbackMs, 300_000);

  const timeZone = options.timeZone ?? 'Asia/Kolkata';
  try {
    assertTimeZone(timeZone);
  } catch {
    throw new InvalidOptionError('timeZone', 'an IANA time zone such as `Asia/Kolkata`', timeZone);
  }

  const pageSize = integer('pageSize', options.pageSize, 1, 100, 100);
  const maxRequestsPerMinute = integer('maxRequestsPerMinute', options.maxRequestsPerMinute, 1, 100_000, 200);
  if (options.limiter !== undefined && !(isObject(options.limiter) && typeof options.limiter.schedule === 'function')) {
    throw new InvalidOptionError('limiter', 'a Bottleneck limiter', options.limiter);
  }
  const filters = resolveFilters(options.filters);
  if (options.details !== undefined && typeof options.details !== 'boolean') throw new InvalidOptionError('details', 'a boolean', options.details);

  const store = options.store ?? memoryStore();
  if (!isObject(store) || typeof store.load !== 'function' || typeof store.save !== 'function') {
    throw new InvalidOptionError('store', 'a Store (an object with `load()` and `save(state)`)', store);
  }
  const isSettled = options.isSettled ?? defaultIsSettled;
  if (typeof isSettled !== 'function') throw new InvalidOptionError('isSettled', 'a function', isSettled);

  const freshWindowMs = optionalInteger('freshWindowMs', options.freshWindowMs, 1_000, lookbackMs);
  const skewMarginMs = integer('skewMarginMs', options.skewMarginMs, 0, 3_600_000, 60_000);
  // Infinity turns the long-call sweep off.
  const sweepIntervalMs =
    options.sweepIntervalMs === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : optionalInteger('sweepIntervalMs', options.sweepIntervalMs, pollIntervalMs, lookbackMs);
  let sliceLagsMs: number[] | undefined;
  if (options.sliceLagsMs !== undefined) {
    if (!Array.isArray(options.sliceLagsMs)) throw new InvalidOptionError('sliceLagsMs', 'an array of milliseconds', options.sliceLagsMs);
    sliceLagsMs = options.sliceLagsMs.map((lag, index) => integer(`sliceLagsMs[${index}]`, lag, 1_000, lookbackMs, 0));
  }
  const readConcurrency = integer('readConcurrency', options.readConcurrency, 1, 32, 4);
  const saveIntervalMs = intervalOrNever('saveIntervalMs', options.saveIntervalMs) ?? intervalOrNever('store.saveIntervalMs', store.saveIntervalMs) ?? 0;
  const retries = optionalInteger('retries', options.retries, 0, 100);
  if (options.dispatcher !== undefined && !(isObject(options.dispatcher) && typeof options.dispatcher.dispatch === 'function')) {
    throw new InvalidOptionError('dispatcher', 'an undici Dispatcher', options.dispatcher);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  if (!isObject(scheduler) || typeof scheduler.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new InvalidOptionError('scheduler', 'an RxJS scheduler', scheduler);
  }

  return {
    accountSid,
    apiKey,
    apiToken,
    subdomain,
    baseUrl,
    pollIntervalMs,
    lookbackMs,
    settleMs,
    timeZone,
    pageSize,
    maxRequestsPerMinute,
    limiter: options.limiter,
    filters,
    details: options.details ?? false,
    store,
    isSettled,
    freshWindowMs,
    skewMarginMs,
    sweepIntervalMs,
    sliceLagsMs,
    readConcurrency,
    saveIntervalMs,
    retries,
    dispatcher: options.dispatcher,
    scheduler,
  };
}
