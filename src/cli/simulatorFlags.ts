/**
 * Flags that shape the simulator (`simulate`, and the demo's busy account), and the options
 * they make.
 */
import type { FaultSpec, SimulatorOptions } from '../simulator/index.js';
import { InvalidOptionError } from '../exotel/errors.js';
import { parseDurationMs, parseEnumList, parseIntegerOption, parseNumberOption, type OptionSpecs } from './parse.js';

export const FAULT_KINDS = [
  'status', 'rate-limit', 'reset', 'delay', 'truncated', 'malformed', 'duplicate-row', 'bad-record',
  'redirect', 'content-type', 'encoding', 'oversized-page', 'duplicate-sid',
] as const;
const COMPRESSIONS = ['none', 'negotiate', 'gzip', 'deflate', 'br'] as const;
const RETRY_AFTER = ['seconds', 'http-date', 'none'] as const;

export const simulatorOptions = {
  'calls-per-minute': { type: 'string' },
  history: { type: 'string' },
  seed: { type: 'string' },
  'settle-delay': { type: 'string' },
  'requests-per-minute': { type: 'string' },
  'retry-after': { type: 'string' },
  'fault-rate': { type: 'string' },
  'fault-kind': { type: 'string', multiple: true },
  'fault-status': { type: 'string' },
  'fault-delay': { type: 'string' },
  'sid-as-key': { type: 'boolean' },
  'strict-query': { type: 'boolean' },
  compress: { type: 'string' },
} as const satisfies OptionSpecs;

export interface SimulatorFlagValues {
  'calls-per-minute'?: string | undefined;
  history?: string | undefined;
  seed?: string | undefined;
  'settle-delay'?: string | undefined;
  'requests-per-minute'?: string | undefined;
  'retry-after'?: string | undefined;
  'fault-rate'?: string | undefined;
  'fault-kind'?: string[] | undefined;
  'fault-status'?: string | undefined;
  'fault-delay'?: string | undefined;
  'sid-as-key'?: boolean | undefined;
  'strict-query'?: boolean | undefined;
  compress?: string | undefined;
}

export interface SimulatorDefaults {
  callsPerMinute: number;
  historyMs: number;
  settleDelayMs: { min: number; max: number };
}

/** Reads `90s` or a range `30s-3m` (seeded uniform). */
export function parseDelayRange(text: string, option: string): { min: number; max: number } {
  const parts = text.split('-');
  if (parts.length > 2) throw new InvalidOptionError(option, 'a duration (`2m`) or a range (`30s-3m`)', text);
  const min = parseDurationMs(parts[0] ?? '', option, { allowZero: true });
  const max = parts.length === 2 ? parseDurationMs(parts[1] ?? '', option, { allowZero: true }) : min;
  if (max < min) throw new InvalidOptionError(option, 'a range whose end is not below its start', text);
  return { min, max };
}

export interface SimulatorPlan {
  options: SimulatorOptions;
  faults: FaultSpec[];
  summary: string;
}

/** The simulator options and faults the flags ask for. */
export function simulatorPlanFrom(values: SimulatorFlagValues, defaults: SimulatorDefaults, nowMs: number, timeZone: string): SimulatorPlan {
  const callsPerMinute = values['calls-per-minute'] === undefined ? defaults.callsPerMinute : parseNumberOption(values['calls-per-minute'], '--calls-per-minute', 0, 100_000);
  const historyMs = values.history === undefined ? defaults.historyMs : parseDurationMs(values.history, '--history', { allowZero: true });
  const seed = values.seed === undefined ? 1 : parseIntegerOption(values.seed, '--seed', -(2 ** 31), 2 ** 31 - 1);
  const settleDelayMs = values['settle-delay'] === undefined ? defaults.settleDelayMs : parseDelayRange(values['settle-delay'], '--settle-delay');
  const rpm = values['requests-per-minute'] === undefined ? 200 : parseIntegerOption(values['requests-per-minute'], '--requests-per-minute', 0, 1_000_000);
  const [retryAfterFlag] = parseEnumList(values['retry-after'], '--retry-after', RETRY_AFTER);
  const retryAfter = retryAfterFlag === undefined || retryAfterFlag === 'seconds' ? 'seconds' : retryAfterFlag === 'http-date' ? 'http-date' : false;
  const faultRate = values['fault-rate'] === undefined ? 0 : parseNumberOption(values['fault-rate'], '--fault-rate', 0, 1);
  const kinds = parseEnumList(values['fault-kind'], '--fault-kind', FAULT_KINDS);
  const faultStatus = values['fault-status'] === undefined ? 500 : parseIntegerOption(values['fault-status'], '--fault-status', 400, 599);
  const faultDelayMs = values['fault-delay'] === undefined ? 5_000 : parseDurationMs(values['fault-delay'], '--fault-delay');
  if (faultRate === 0 && (kinds.length > 0 || values['fault-status'] !== undefined || values['fault-delay'] !== undefined)) {
    throw new InvalidOptionError('--fault-rate', 'a probability above 0 when `--fault-kind`, `--fault-status` or `--fault-delay` is given', values['fault-rate'] ?? '0');
  }

  const [compress] = parseEnumList(values.compress, '--compress', COMPRESSIONS);

  const options: SimulatorOptions = {
    ...(values['sid-as-key'] ? { sidAsApiKey: true } : {}),
    ...(values['strict-query'] ? { unknownParameters: 'reject' as const } : {}),
    ...(compress === undefined || compress === 'none' ? {} : { contentEncoding: compress }),
    timeZone,
    seed,
    settleDelayMs,
    rateLimit: rpm === 0 ? false : { requestsPerMinute: rpm, retryAfter },
    traffic: callsPerMinute > 0 ? { callsPerMinute, startAt: nowMs - historyMs } : false,
  };
  const faults: FaultSpec[] = [];
  if (faultRate > 0) {
    for (const kind of kinds.length > 0 ? [...new Set(kinds)] : (['status'] as const)) {
      const fault: FaultSpec = { kind, rate: faultRate };
      if (kind === 'status') fault.status = faultStatus;
      if (kind === 'delay') fault.delayMs = faultDelayMs;
      if (kind === 'rate-limit') fault.retryAfter = retryAfter;
      faults.push(fault);
    }
  }
  const settle = settleDelayMs.min === settleDelayMs.max ? `${settleDelayMs.min / 1000}s` : `${settleDelayMs.min / 1000}-${settleDelayMs.max / 1000}s`;
  const summary =
    (callsPerMinute > 0 ? `${callsPerMinute} calls/minute since ${Math.round(historyMs / 60_000)} minutes ago` : 'no generated traffic') +
    `, settling after ${settle}, seed ${seed}, ${timeZone}` +
    (rpm === 0 ? ', no rate limit' : `, ${rpm} requests/minute`) +
    (faults.length > 0 ? `, faults: ${faults.map((f) => f.kind + (f.kind === 'status' ? ` ${f.status}` : '')).join(', ')} at ${faultRate}` : '') +
    (values['sid-as-key'] ? ', the account Sid accepted as the API key' : '') +
    (values['strict-query'] ? ', unknown query parameters refused' : '') +
    (compress === undefined || compress === 'none' ? '' : `, bodies compressed (${compress})`);
  return { options, faults, summary };
}

export const simulatorHelp = `Simulated traffic and faults:
  --calls-per-minute N    mean calls started per minute (seeded Poisson; 0 for none)
  --history DUR           traffic started this long ago, so that calls are already ending
  --seed N                seed of every random choice (default 1): same seed, same calls
  --settle-delay DUR[-DUR]  time from a call's end until Duration/Price/EndTime fill in
  --requests-per-minute N   rate limit per account, 429 over it (default 200; 0 for none)
  --retry-after FORM      Retry-After on a 429: seconds (default), http-date or none
  --fault-rate P          probability, 0 to 1, that a request hits each --fault-kind
  --fault-kind K          status (default), rate-limit, reset, delay, truncated, malformed,
                          duplicate-row, bad-record, redirect, content-type, encoding,
                          oversized-page, duplicate-sid (repeat or comma list)
  --fault-status N        the status of a \`status\` fault (default 500)
  --fault-delay DUR       the wait of a \`delay\` fault (default 5s)

Clients:
  --sid-as-key            also accept the account Sid as the API key (acme1:sim-token), as
                          older clients (exotel-node, exotel-py) log in
  --strict-query          refuse query parameters Exotel does not document with a 400 (by
                          default they are ignored, as Exotel does)
  --compress C            Content-Encoding of answers: none (default), negotiate (as the
                          request's Accept-Encoding offers), gzip, deflate or br`;
