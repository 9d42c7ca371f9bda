import { asyncScheduler } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import type Bottleneck from 'bottleneck';
import type { Dispatcher } from 'undici';
import {
  assertKnownOptions,
  assertMethods,
  assertOptionsObject,
  booleanOption,
  directionsOption,
  dispatcherOption,
  functionOption,
  integerOption,
  intervalOrNever,
  limiterOption,
  freshWindowOption,
  lookbackOverPollOption,
  pollIntervalOption,
  skewMarginOption,
  sliceLagsOption,
  sweepIntervalOption,
  numbersOption,
  pageSizeOption,
  requestsPerMinuteOption,
  retriesOption,
  settleOption,
  statusesOption,
  timeZoneOption,
} from '../exotel/assert.js';
import { basicAuthorization, resolveBase, validateAccountSid } from '../exotel/credentials.js';
import { InvalidOptionError } from '../exotel/errors.js';
import { defaultIsSettled } from '../engine/defaultIsSettled.js';
import { memoryStore } from '../stores/memoryStore.js';
import type { CallStreamFilters, CallStreamOptions, SettleContext, Store } from './types.js';

/** Options with every default filled in, as the stream uses them. */
export interface ResolvedStreamOptions {
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

const KNOWN: ReadonlySet<string> = new Set([
  'accountSid', 'apiKey', 'apiToken', 'subdomain', 'baseUrl', 'pollIntervalMs', 'lookbackMs', 'settleMs', 'timeZone',
  'pageSize', 'maxRequestsPerMinute', 'limiter', 'filters', 'details', 'store', 'isSettled', 'freshWindowMs',
  'skewMarginMs', 'sweepIntervalMs', 'sliceLagsMs', 'readConcurrency', 'saveIntervalMs', 'retries', 'dispatcher', 'scheduler',
]);
const FILTER_KEYS: ReadonlySet<string> = new Set(['direction', 'phoneNumber', 'to', 'from', 'status']);

function resolveFilters(value: unknown): CallStreamFilters | undefined {
  if (value === undefined) return undefined;
  assertOptionsObject('filters', value);
  for (const key of Object.keys(value)) {
    if (!FILTER_KEYS.has(key)) throw new InvalidOptionError(`filters.${key}`, `absent (known filters: ${[...FILTER_KEYS].join(', ')})`, value[key]);
  }
  if (value.direction !== undefined) directionsOption('filters.direction', value.direction);
  if (value.status !== undefined) statusesOption('filters.status', value.status);
  for (const key of ['phoneNumber', 'to', 'from'] as const) {
    if (value[key] !== undefined) numbersOption(`filters.${key}`, value[key]);
  }
  return { ...(value as CallStreamFilters) };
}

/**
 * Validates the options of `createCallStream` and fills in the defaults. Throws an
 * `InvalidOptionError` naming the first rejected option and the value received (never a token).
 */
export function resolveStreamOptions(options: CallStreamOptions, env: NodeJS.ProcessEnv = process.env): ResolvedStreamOptions {
  assertOptionsObject('options', options);
  assertKnownOptions(options, KNOWN, 'createCallStream');
  // The connection's rules are the client's (`ExotelClient` checks them again when the stream creates it).
  const accountSid = validateAccountSid(options.accountSid);
  const apiKey = (options.apiKey ?? env.EXOTEL_API_KEY) as string;
  const apiToken = (options.apiToken ?? env.EXOTEL_API_TOKEN) as string;
  basicAuthorization(apiKey, apiToken);
  const baseUrl = options.baseUrl as string | undefined;
  const subdomain = baseUrl === undefined ? ((options.subdomain ?? env.EXOTEL_SUBDOMAIN ?? 'api.exotel.com') as string) : (options.subdomain as string | undefined);
  resolveBase(baseUrl, subdomain);

  const pollIntervalMs = pollIntervalOption(options.pollIntervalMs);
  const lookbackMs = lookbackOverPollOption(options.lookbackMs, pollIntervalMs);
  const settleMs = settleOption(options.settleMs, lookbackMs);
  const timeZone = timeZoneOption('timeZone', options.timeZone);
  const pageSize = pageSizeOption('pageSize', options.pageSize, 100);
  const maxRequestsPerMinute = requestsPerMinuteOption(options.maxRequestsPerMinute);
  const limiter = limiterOption(options.limiter);
  const filters = resolveFilters(options.filters);
  const details = booleanOption('details', options.details, false);

  const store = options.store ?? memoryStore();
  assertMethods('store', store, ['load', 'save'], 'a Store (an object with `load()` and `save(state)`)');
  const isSettled = functionOption<(context: SettleContext) => boolean>('isSettled', options.isSettled) ?? defaultIsSettled;

  const freshWindowMs = freshWindowOption(options.freshWindowMs, lookbackMs);
  const skewMarginMs = skewMarginOption(options.skewMarginMs);
  // Infinity turns the long-call sweep off.
  const sweepIntervalMs = sweepIntervalOption(options.sweepIntervalMs, pollIntervalMs, lookbackMs);
  const sliceLagsMs = sliceLagsOption(options.sliceLagsMs, lookbackMs);
  const readConcurrency = integerOption('readConcurrency', options.readConcurrency, 1, 32, 4);
  const saveIntervalMs = intervalOrNever('saveIntervalMs', options.saveIntervalMs) ?? intervalOrNever('store.saveIntervalMs', store.saveIntervalMs) ?? 0;
  const retries = options.retries === undefined ? undefined : retriesOption(options.retries);
  const dispatcher = dispatcherOption(options.dispatcher);
  const scheduler = options.scheduler ?? asyncScheduler;
  assertMethods('scheduler', scheduler, ['schedule', 'now'], 'an RxJS scheduler');

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
    limiter,
    filters,
    details,
    store,
    isSettled,
    freshWindowMs,
    skewMarginMs,
    sweepIntervalMs,
    sliceLagsMs,
    readConcurrency,
    saveIntervalMs,
    retries,
    dispatcher,
    scheduler,
  };
}
