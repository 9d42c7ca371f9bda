/** Validation and defaults of `SimulatorOptions`; errors name the option and show the value. */
import { assertTimeZone } from '../exotel/time.js';
import type { SimulatorAccount, SimulatorClock, SimulatorOptions, TrafficMix, TrafficOptions } from './types.js';
import { resolveMix } from './traffic.js';

export interface ResolvedOptions {
  accounts: SimulatorAccount[];
  clock: SimulatorClock;
  timeZone: string;
  seed: number;
  traffic: (Omit<TrafficOptions, 'mix' | 'startAt' | 'endAt' | 'accountSid'> & { startAt: number; endAt: number; accountSid: string; mix: TrafficMix }) | false;
  settleDelayMs: { min: number; max: number };
  numbersAsStrings: boolean;
  emptyNull: boolean;
  answeredByCase: 'lower' | 'upper' | 'title' | 'varied';
  rateLimit: { requestsPerMinute: number; retryAfter: 'seconds' | 'http-date' | false } | false;
  lastPage: 'link-to-empty-page' | 'null' | 'empty-string' | 'omitted';
  pageUris: 'metadata' | 'top-level';
  historyLimit: number;
  sidAsApiKey: boolean;
  unknownParameters: 'ignore' | 'reject';
  contentEncoding: 'none' | 'negotiate' | 'gzip' | 'deflate' | 'br';
}

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `\`${v}\` (string)`;
  if (v === null) return '`null`';
  if (typeof v === 'object') {
    try {
      return `\`${JSON.stringify(v)}\` (${Array.isArray(v) ? 'array' : 'object'})`;
    } catch {
      return '(object)';
    }
  }
  return `\`${String(v)}\` (${typeof v})`;
}

export function invalidOption(option: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Expected \`${option}\` to be ${expected}, got ${describeValue(value)}`);
}

function oneOf<T extends string | boolean>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw invalidOption(option, `one of ${allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')}`, value);
  return value as T;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const SID = /^[A-Za-z0-9_-]{1,64}$/;

export const DEFAULT_ACCOUNTS: SimulatorAccount[] = [{ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' }];

function resolveMixChecked(mix: unknown): TrafficMix {
  if (mix !== undefined && !isObject(mix)) throw invalidOption('traffic.mix', 'an object', mix);
  const m = resolveMix(mix as Partial<TrafficMix> | undefined);
  for (const key of ['status', 'direction'] as const) {
    const weights = Object.values(m[key]);
    if (!weights.every(nonNegative) || weights.reduce((a, b) => a + b, 0) <= 0) {
      throw invalidOption(`traffic.mix.${key}`, 'weights >= 0 with a positive sum', m[key]);
    }
  }
  for (const key of ['meanTalkSec', 'shortMaxSec', 'longMaxSec', 'veryLongMaxSec', 'pricePerMinute'] as const) {
    if (!nonNegative(m[key])) throw invalidOption(`traffic.mix.${key}`, 'a number >= 0', m[key]);
  }
  for (const key of ['longShare', 'veryLongShare', 'correctionRate'] as const) {
    if (!(nonNegative(m[key]) && m[key] <= 1)) throw invalidOption(`traffic.mix.${key}`, 'a share from 0 to 1', m[key]);
  }
  for (const key of ['exoPhones', 'agents', 'customers'] as const) {
    if (!(Number.isInteger(m[key]) && m[key] >= 1 && m[key] <= 1e8)) throw invalidOption(`traffic.mix.${key}`, 'an integer from 1 to 100000000', m[key]);
  }
  const c = m.correctionDelayMs;
  if (!(nonNegative(c.min) && nonNegative(c.max) && c.min <= c.max)) throw invalidOption('traffic.mix.correctionDelayMs', '`{ min, max }` with 0 <= min <= max', c);
  return m;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'accounts', 'clock', 'timeZone', 'seed', 'traffic', 'settleDelayMs', 'numbersAsStrings', 'emptyValue', 'answeredByCase',
  'rateLimit', 'lastPage', 'pageUris', 'historyLimit', 'sidAsApiKey', 'unknownParameters', 'contentEncoding', 'statusCallbacks',
]);

export function resolveOptions(options: SimulatorOptions | undefined): ResolvedOptions {
  if (options !== undefined && !isObject(options)) throw invalidOption('options', 'an object', options);
  const o = options ?? {};
  // A misspelt option (`numberAsStrings`) would otherwise be ignored without a word.
  for (const [key, value] of Object.entries(o)) {
    // It may be a misspelt token: show what kind of value, never a string's text.
    if (!KNOWN_OPTIONS.has(key) && value !== undefined) {
      throw invalidOption(key, 'absent: it is not an option of createSimulator', typeof value === 'string' ? '<redacted string>' : typeof value === 'object' && value !== null ? '<redacted object>' : value);
    }
  }

  const accounts = o.accounts ?? DEFAULT_ACCOUNTS;
  if (!Array.isArray(accounts) || accounts.length === 0) throw invalidOption('accounts', 'a non-empty array', accounts);
  const sids = new Set<string>();
  const keys = new Set<string>();
  accounts.forEach((a, i) => {
    if (!isObject(a)) throw invalidOption(`accounts[${i}]`, 'an object with `accountSid`, `apiKey`, `apiToken`', a);
    if (typeof a.accountSid !== 'string' || !SID.test(a.accountSid)) throw invalidOption(`accounts[${i}].accountSid`, 'letters, digits, `-` or `_`', a.accountSid);
    if (typeof a.apiKey !== 'string' || a.apiKey.length === 0 || a.apiKey.includes(':')) throw invalidOption(`accounts[${i}].apiKey`, 'a non-empty string without `:`', a.apiKey);
    // The token's value never goes into a message.
    if (typeof a.apiToken !== 'string' || a.apiToken.length === 0) throw new TypeError(`Expected \`accounts[${i}].apiToken\` to be a non-empty string`);
    // A repeated accountSid is another key of the same account (same calls, same quota).
    if (keys.has(a.apiKey)) throw invalidOption(`accounts[${i}].apiKey`, 'unique', a.apiKey);
    sids.add(a.accountSid);
    keys.add(a.apiKey);
  });

  const clock = (o.clock ?? { now: () => Date.now() }) as SimulatorClock;
  if (typeof clock !== 'object' || clock === null || typeof (clock as { now?: unknown }).now !== 'function') {
    throw invalidOption('clock', 'an object with a `now()` method', clock);
  }

  const timeZone = o.timeZone ?? 'Asia/Kolkata';
  assertTimeZone(timeZone);

  const seed = o.seed ?? 1;
  if (!(typeof seed === 'number' && Number.isSafeInteger(seed))) throw invalidOption('seed', 'a safe integer', seed);

  let settleDelayMs: { min: number; max: number };
  const s = o.settleDelayMs ?? { min: 60_000, max: 180_000 };
  if (typeof s === 'number') {
    if (!nonNegative(s)) throw invalidOption('settleDelayMs', 'a number of ms >= 0 or `{ min, max }`', s);
    settleDelayMs = { min: s, max: s };
  } else if (isObject(s) && nonNegative(s.min) && nonNegative(s.max) && s.min <= s.max) {
    settleDelayMs = { min: s.min, max: s.max };
  } else {
    throw invalidOption('settleDelayMs', 'a number of ms >= 0 or `{ min, max }` with 0 <= min <= max', s);
  }

  let traffic: ResolvedOptions['traffic'] = false;
  const t = o.traffic ?? false;
  if (t !== false) {
    if (!isObject(t)) throw invalidOption('traffic', 'an object or false', t);
    if (!(typeof t.callsPerMinute === 'number' && t.callsPerMinute > 0 && t.callsPerMinute <= 1_000_000)) {
      throw invalidOption('traffic.callsPerMinute', 'a number above 0 and at most 1000000', t.callsPerMinute);
    }
    const startAt = t.startAt ?? clock.now();
    if (!(typeof startAt === 'number' && Number.isFinite(startAt))) throw invalidOption('traffic.startAt', 'epoch ms', startAt);
    const endAt = t.endAt ?? Number.POSITIVE_INFINITY;
    if (!(typeof endAt === 'number' && !Number.isNaN(endAt) && endAt >= startAt)) throw invalidOption('traffic.endAt', `epoch ms, at or after \`traffic.startAt\` (${startAt})`, endAt);
    const accountSid = t.accountSid ?? accounts[0]!.accountSid;
    if (!sids.has(accountSid)) throw invalidOption('traffic.accountSid', `one of the accounts (${[...sids].join(', ')})`, accountSid);
    traffic = { callsPerMinute: t.callsPerMinute, startAt, endAt, accountSid, mix: resolveMixChecked(t.mix) };
  }

  const numbersAsStrings = oneOf('numbersAsStrings', o.numbersAsStrings, [true, false], true);
  const emptyNull = oneOf('emptyValue', o.emptyValue, ['empty-string', 'null'] as const, 'empty-string') === 'null';
  const answeredByCase = oneOf('answeredByCase', o.answeredByCase, ['lower', 'upper', 'title', 'varied'] as const, 'lower');

  let rateLimit: ResolvedOptions['rateLimit'] = false;
  const r = o.rateLimit ?? {};
  if (r !== false) {
    if (!isObject(r)) throw invalidOption('rateLimit', 'an object or false', r);
    const rpm: unknown = r.requestsPerMinute ?? 200;
    if (!(typeof rpm === 'number' && Number.isInteger(rpm) && rpm >= 1)) throw invalidOption('rateLimit.requestsPerMinute', 'an integer >= 1', rpm);
    rateLimit = { requestsPerMinute: rpm, retryAfter: oneOf('rateLimit.retryAfter', r.retryAfter, ['seconds', 'http-date', false] as const, 'seconds') };
  }

  const historyLimit: unknown = o.historyLimit ?? 100_000;
  if (!(historyLimit === Infinity || (typeof historyLimit === 'number' && Number.isInteger(historyLimit) && historyLimit >= 1))) {
    throw invalidOption('historyLimit', 'an integer >= 1 or Infinity', historyLimit);
  }

  return {
    accounts: accounts.map((a) => ({ ...a })),
    clock,
    timeZone,
    seed,
    traffic,
    settleDelayMs,
    numbersAsStrings,
    emptyNull,
    answeredByCase,
    rateLimit,
    lastPage: oneOf('lastPage', o.lastPage, ['link-to-empty-page', 'null', 'empty-string', 'omitted'] as const, 'null'),
    pageUris: oneOf('pageUris', o.pageUris, ['metadata', 'top-level'] as const, 'metadata'),
    historyLimit,
    sidAsApiKey: oneOf('sidAsApiKey', o.sidAsApiKey, [true, false], false),
    unknownParameters: oneOf('unknownParameters', o.unknownParameters, ['ignore', 'reject'] as const, 'ignore'),
    contentEncoding: oneOf('contentEncoding', o.contentEncoding, ['none', 'negotiate', 'gzip', 'deflate', 'br'] as const, 'none'),
  };
}
