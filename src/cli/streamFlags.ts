/**
 * The flags that shape a call stream (`tail`, and `demo` on a real account), and their
 * translation into `createCallStream` options.
 */
import type { CallDirection, CallStatus } from '../exotel/types.js';
import { MAX_REQUESTS_PER_MINUTE, timeZoneOption } from '../exotel/assert.js';
import { InvalidOptionError } from '../exotel/errors.js';
import { CALL_DIRECTIONS, CALL_STATUSES, MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '../exotel/limits.js';
import type { CallStreamFilters, CallStreamOptions } from '../stream/types.js';
import { parseDurationMs, parseEnumList, parseIntegerOption, parsePhoneList, type OptionSpecs } from './parse.js';

export const DIRECTIONS: readonly CallDirection[] = CALL_DIRECTIONS;
export const STATUSES: readonly CallStatus[] = CALL_STATUSES;

export const streamOptions = {
  'poll-interval': { type: 'string' },
  lookback: { type: 'string' },
  settle: { type: 'string' },
  'time-zone': { type: 'string' },
  'page-size': { type: 'string' },
  'max-requests-per-minute': { type: 'string' },
  details: { type: 'boolean' },
  direction: { type: 'string', multiple: true },
  status: { type: 'string', multiple: true },
  'phone-number': { type: 'string', multiple: true },
  'to-number': { type: 'string', multiple: true },
  'from-number': { type: 'string', multiple: true },
  // Deprecated spellings of the two above (backfill's --to and --from are dates).
  to: { type: 'string', multiple: true },
  from: { type: 'string', multiple: true },
} as const satisfies OptionSpecs;

export const streamHelp = `Stream:
  --poll-interval DUR     how often the fresh window is polled (default 15s)
  --lookback DUR          how far back a call may start and still be caught when it ends (default 2h)
  --settle DUR            longest a record is held waiting for Duration/Price/EndTime (default 5m)
  --time-zone ZONE        zone of the account's timestamps (default Asia/Kolkata, or EXOTEL_TIME_ZONE)
  --page-size N           records per request, 1-100 (default 100)
  --max-requests-per-minute N   the account's quota (default 200)
  --details               ask for leg-wise details

Filters (repeat a flag or give a comma list):
  --direction D           inbound, outbound-dial, outbound-api
  --status S              completed, failed, busy, no-answer, canceled
  --phone-number NUM      ExoPhone(s), E.164, at most 5
  --to-number NUM         customer number(s), E.164, at most 5
  --from-number NUM       number(s) called first, E.164, at most 5
                          (--to and --from still work but are deprecated: in backfill they are dates)

Durations: 500ms, 15s, 5m, 1h30m, 2d.`;

export interface StreamFlagValues {
  'poll-interval'?: string | undefined;
  lookback?: string | undefined;
  settle?: string | undefined;
  'time-zone'?: string | undefined;
  'page-size'?: string | undefined;
  'max-requests-per-minute'?: string | undefined;
  details?: boolean | undefined;
  direction?: string[] | undefined;
  status?: string[] | undefined;
  'phone-number'?: string[] | undefined;
  'to-number'?: string[] | undefined;
  'from-number'?: string[] | undefined;
  to?: string[] | undefined;
  from?: string[] | undefined;
}

/** The zone from `--time-zone`, EXOTEL_TIME_ZONE or the default, checked. */
export function resolveTimeZone(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return timeZoneOption(flag === undefined ? 'EXOTEL_TIME_ZONE' : '--time-zone', flag ?? (env.EXOTEL_TIME_ZONE?.trim() || undefined));
}

/** Filters from the flags; undefined when none was given. `warn` hears about deprecated flags. */
export function filtersFrom(values: StreamFlagValues, warn?: (message: string) => void): CallStreamFilters | undefined {
  const filters: CallStreamFilters = {};
  const direction = parseEnumList(values.direction, '--direction', DIRECTIONS);
  const status = parseEnumList(values.status, '--status', STATUSES);
  const phoneNumber = parsePhoneList(values['phone-number'], '--phone-number');
  const numbers = (name: 'to' | 'from') => {
    const current = values[`${name}-number`];
    const old = values[name];
    if (old !== undefined && current !== undefined) throw new InvalidOptionError(`--${name}`, `absent when \`--${name}-number\` is given (it is the old name of it)`, old.join(','));
    if (old !== undefined) warn?.(`\`--${name}\` is deprecated: use \`--${name}-number\` (in \`backfill\`, --${name} is a date).`);
    return old !== undefined ? parsePhoneList(old, `--${name}`) : parsePhoneList(current, `--${name}-number`);
  };
  const to = numbers('to');
  const from = numbers('from');
  if (direction.length > 0) filters.direction = [...new Set(direction)];
  if (status.length > 0) filters.status = [...new Set(status)];
  if (phoneNumber.length > 0) filters.phoneNumber = phoneNumber;
  if (to.length > 0) filters.to = to;
  if (from.length > 0) filters.from = from;
  return Object.keys(filters).length > 0 ? filters : undefined;
}

/** The stream options the flags set (connection and store excluded). */
export function streamOptionsFrom(values: StreamFlagValues, timeZone: string, warn?: (message: string) => void): Partial<CallStreamOptions> {
  const options: Partial<CallStreamOptions> = { timeZone };
  if (values['poll-interval'] !== undefined) options.pollIntervalMs = parseDurationMs(values['poll-interval'], '--poll-interval');
  if (values.lookback !== undefined) options.lookbackMs = parseDurationMs(values.lookback, '--lookback');
  if (values.settle !== undefined) options.settleMs = parseDurationMs(values.settle, '--settle', { allowZero: true });
  if (values['page-size'] !== undefined) options.pageSize = parseIntegerOption(values['page-size'], '--page-size', MIN_PAGE_SIZE, MAX_PAGE_SIZE);
  if (values['max-requests-per-minute'] !== undefined) {
    options.maxRequestsPerMinute = parseIntegerOption(values['max-requests-per-minute'], '--max-requests-per-minute', 1, MAX_REQUESTS_PER_MINUTE);
  }
  if (values.details) options.details = true;
  const filters = filtersFrom(values, warn);
  if (filters) options.filters = filters;
  return options;
}

/** Maps a stream option name in a library error back to the flag that set it. */
export const FLAG_OF_OPTION: Record<string, string> = {
  pollIntervalMs: '--poll-interval',
  lookbackMs: '--lookback',
  settleMs: '--settle',
  timeZone: '--time-zone',
  pageSize: '--page-size',
  maxRequestsPerMinute: '--max-requests-per-minute',
  accountSid: '--account-sid',
  baseUrl: '--base-url',
  subdomain: '--subdomain',
};
