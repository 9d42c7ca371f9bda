/** Validation and defaults of the simulator's `statusCallbacks` option; errors name the option and show the value. */
import { invalidOption } from './options.js';
import type { StatusCallbackDelivery, StatusCallbackEvent, StatusCallbackOptions } from './types.js';

export interface ResolvedStatusCallbacks {
  url: URL | undefined;
  onCallback: ((delivery: StatusCallbackDelivery) => void | boolean | Promise<void | boolean>) | undefined;
  share: number;
  lateShare: number;
  delayMs: { min: number; max: number };
  lateMs: { min: number; max: number };
  duplicateShare: number;
  format: 'form' | 'json';
  events: StatusCallbackEvent[];
  /** Whether the extra fields of `StatusCallbackEvents` are sent. */
  extended: boolean;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
  lookEveryMs: number;
  startAt: number;
  keep: number;
}

const KNOWN: ReadonlySet<string> = new Set([
  'url', 'onCallback', 'share', 'lateShare', 'delayMs', 'lateMs', 'duplicateShare', 'format', 'events', 'retries', 'retryDelayMs', 'timeoutMs',
  'lookEveryMs', 'startAt', 'keep',
]);
const EVENTS: readonly StatusCallbackEvent[] = ['terminal', 'answered'];
const DAY_MS = 86_400_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function share(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value >= 0 && value <= 1)) throw invalidOption(`statusCallbacks.${name}`, 'a share from 0 to 1', value);
  return value;
}

function range(name: string, value: unknown, fallback: { min: number; max: number }): { min: number; max: number } {
  if (value === undefined) return fallback;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= DAY_MS;
  if (ok(value)) return { min: value, max: value };
  if (isObject(value) && ok(value.min) && ok(value.max) && value.min <= value.max) return { min: value.min, max: value.max };
  throw invalidOption(`statusCallbacks.${name}`, 'ms from 0 to 86400000, or `{ min, max }` with min <= max', value);
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) throw invalidOption(`statusCallbacks.${name}`, `an integer from ${min} to ${max}`, value);
  return value;
}

/** The URL without what may be a secret (its path and query: a receiver's token sits there). */
const shownUrl = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '<redacted string>';
  }
};

export function resolveStatusCallbacks(value: unknown, now: number): ResolvedStatusCallbacks | false {
  if (value === undefined || value === false) return false;
  if (!isObject(value)) throw invalidOption('statusCallbacks', 'an object or false', value);
  const o = value as StatusCallbackOptions & Record<string, unknown>;
  for (const [key, v] of Object.entries(o)) {
    if (!KNOWN.has(key) && v !== undefined) throw invalidOption(`statusCallbacks.${key}`, 'absent: it is not an option of statusCallbacks', typeof v === 'string' ? '<redacted string>' : v);
  }
  if ((o.url === undefined) === (o.onCallback === undefined)) {
    throw invalidOption('statusCallbacks', 'an object with exactly one of `url` and `onCallback`', o.url === undefined ? '(neither)' : '(both)');
  }
  let url: URL | undefined;
  if (o.url !== undefined) {
    try {
      url = typeof o.url === 'string' ? new URL(o.url) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
      throw invalidOption('statusCallbacks.url', 'an http: or https: URL without credentials', shownUrl(o.url));
    }
  }
  if (o.onCallback !== undefined && typeof o.onCallback !== 'function') throw invalidOption('statusCallbacks.onCallback', 'a function', o.onCallback);
  const sent = share('share', o.share, 1);
  const late = share('lateShare', o.lateShare, 0);
  if (late > sent) throw invalidOption('statusCallbacks.lateShare', `a share no larger than \`statusCallbacks.share\` (${sent}): late callbacks are among those sent`, late);
  const format = o.format ?? 'form';
  if (format !== 'form' && format !== 'json') throw invalidOption('statusCallbacks.format', "one of 'form', 'json'", format);
  const events = o.events ?? ['terminal'];
  if (!Array.isArray(events) || !events.every((e) => (EVENTS as readonly unknown[]).includes(e))) {
    throw invalidOption('statusCallbacks.events', "an array of 'terminal' and 'answered' (or empty)", events);
  }
  const lookEveryMs = o.lookEveryMs === Infinity ? Infinity : integer('lookEveryMs', o.lookEveryMs, 10, 60_000, 1_000);
  const startAt = o.startAt ?? now;
  if (!(typeof startAt === 'number' && Number.isFinite(startAt))) throw invalidOption('statusCallbacks.startAt', 'epoch ms', startAt);
  return {
    url,
    onCallback: o.onCallback,
    share: sent,
    lateShare: late,
    delayMs: range('delayMs', o.delayMs, { min: 1_000, max: 5_000 }),
    lateMs: range('lateMs', o.lateMs, { min: 120_000, max: 600_000 }),
    duplicateShare: share('duplicateShare', o.duplicateShare, 0),
    format,
    events: [...new Set(events)],
    extended: events.length > 0,
    retries: integer('retries', o.retries, 0, 10, 2),
    retryDelayMs: integer('retryDelayMs', o.retryDelayMs, 0, DAY_MS, 30_000),
    timeoutMs: integer('timeoutMs', o.timeoutMs, 1, 600_000, 15_000),
    lookEveryMs,
    startAt,
    keep: integer('keep', o.keep, 0, 100_000_000, 100_000),
  };
}
