/**
 * Argument parsing shared by the commands: `util.parseArgs` with its errors turned into usage
 * errors, and readers for durations, instants, numbers and lists that name the flag and show the
 * value they refused.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidOptionError } from '../exotel/errors.js';
import { MAX_NUMBERS, isE164 } from '../exotel/limits.js';
import { parseNaiveMs } from '../exotel/time.js';
import { UsageError } from './UsageError.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Flags that would put a secret where `ps` and shell history can read it. */
const REFUSED_SECRET_FLAGS = ['--api-token', '--token', '--password'];

/**
 * Parses `argv` against `options` strictly (no positionals). Unknown flags, missing values and a
 * token given as a flag value become `UsageError`s that name the command.
 */
export function parseCommandArgs<T extends OptionSpecs>(command: string, options: T, argv: string[]) {
  for (const arg of argv) {
    if (arg === '--') break;
    const name = arg.split('=', 1)[0] ?? arg;
    if (REFUSED_SECRET_FLAGS.includes(name)) {
      throw new UsageError(
        `\`${name}\` is not accepted: a token given on the command line shows in \`ps\` and in shell history. ` +
          'Set EXOTEL_API_TOKEN, or pass `--api-token-file FILE` or `--api-token-stdin`.',
      );
    }
  }
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false, allowNegative: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // The dispatcher names the command already: say what is wrong and what was meant.
      throw new UsageError(describeParseError(error as Error, options));
    }
    throw error;
  }
}

/** Edit distance (insert, delete, substitute, swap two neighbours), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known flag to `name`, when it is close enough to be a typo. */
export function suggestFlag(name: string, options: OptionSpecs): string | undefined {
  const bare = name.replace(/^--?/, '').split('=', 1)[0] ?? '';
  // Booleans take `--no-<flag>` too (allowNegative).
  const flags = Object.entries(options).flatMap(([flag, spec]) => (spec.type === 'boolean' ? [flag, `no-${flag}`] : [flag]));
  let best: { flag: string; d: number } | undefined;
  for (const flag of flags) {
    const d = distance(bare, flag);
    if (best === undefined || d < best.d) best = { flag, d };
  }
  // A third of the name may be wrong, at least one character, at most three.
  return best !== undefined && best.d > 0 && best.d <= Math.min(3, Math.max(1, Math.floor(bare.length / 3))) ? `--${best.flag}` : undefined;
}

function describeParseError(error: Error, options: OptionSpecs): string {
  const code = (error as { code?: string }).code;
  const unknown = /Unknown option '([^']+)'/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
    const suggestion = suggestFlag(unknown, options);
    return `unknown option \`${unknown}\`${suggestion ? `. Did you mean \`${suggestion}\`?` : '.'}`;
  }
  // util.parseArgs words its other errors well; only its quotes and its "To specify a positional" advice go.
  return error.message.replace(/'(--?[\w-]+)'/g, '`$1`').replace(/\. To specify a positional argument.*$/s, '.');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Reads `15s`, `5m`, `1h30m`, `500ms`, `2d` as milliseconds. A bare number is refused (which unit?). */
export function parseDurationMs(text: string, option: string, { allowZero = false } = {}): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new InvalidOptionError(option, 'a duration such as `15s`, `5m`, `1h30m` or `500ms`', text);
  }
  let ms = 0;
  for (const m of trimmed.matchAll(DURATION_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  ms = Math.round(ms);
  if (!Number.isFinite(ms) || ms > 400 * UNIT_MS.d! || (ms === 0 && !allowZero)) {
    throw new InvalidOptionError(option, `a duration ${allowZero ? '' : 'above zero '}such as \`15s\`, \`5m\` or \`1h30m\``, text);
  }
  return ms;
}

/** Reads an integer within [min, max]. */
export function parseIntegerOption(text: string, option: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidOptionError(option, `an integer from ${min} to ${max}`, text);
  }
  return n;
}

/** Reads a finite number within [min, max]. */
export function parseNumberOption(text: string, option: string, min: number, max: number): number {
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new InvalidOptionError(option, `a number from ${min} to ${max}`, text);
  }
  return n;
}

/** Flattens repeated flags and comma lists (`--to a,b --to c`) into trimmed, non-empty values. */
export function splitList(values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  const list = Array.isArray(values) ? values : [values];
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** Checks each value against an allowed set. */
export function parseEnumList<T extends string>(values: string | string[] | undefined, option: string, allowed: readonly T[]): T[] {
  const list = splitList(values);
  for (const v of list) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new InvalidOptionError(option, `one of ${allowed.map((a) => `\`${a}\``).join(', ')} (comma-separated or repeated)`, v);
    }
  }
  return list as T[];
}

/** Phone numbers in E.164, at most 5 (the API's own limit per filter). */
export function parsePhoneList(values: string | string[] | undefined, option: string): string[] {
  const list = splitList(values);
  for (const v of list) {
    if (!isE164(v)) throw new InvalidOptionError(option, 'phone numbers in E.164 format such as `+918047000001`', v);
  }
  if (list.length > MAX_NUMBERS) throw new InvalidOptionError(option, `at most ${MAX_NUMBERS} phone numbers (the API refuses more)`, list.join(','));
  return list;
}

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const NAIVE_MINUTES = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads an instant for `--from`/`--to`/`--since`-like flags:
 * - `now`, or a duration meaning that long ago (`30m`, `7d`);
 * - an ISO timestamp with a zone (`2026-05-01T10:00:00Z`, `…+05:30`), read as is;
 * - a date or naive date-time (`2026-05-01`, `2026-05-01 10:00[:00]`), read in `timeZone`
 *   like the API's own timestamps. A date alone is the day's first second, or with `endOfDay`
 *   its last (`23:59:59`), so that `--to 2026-05-31` takes in the whole of May 31.
 */
export function parseInstantMs(text: string, option: string, timeZone: string, nowMs: number, { endOfDay = false } = {}): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  if (DURATION.test(t)) return nowMs - parseDurationMs(t, option, { allowZero: true });
  let ms: number | undefined;
  if (HAS_ZONE.test(t) && /^\d{4}-\d{2}-\d{2}T/.test(t)) {
    const parsed = Date.parse(t);
    ms = Number.isNaN(parsed) ? undefined : parsed;
  } else if (DATE_ONLY.test(t)) {
    ms = parseNaiveMs(`${t} ${endOfDay ? '23:59:59' : '00:00:00'}`, timeZone);
  } else if (NAIVE_MINUTES.test(t)) {
    ms = parseNaiveMs(`${t}:00`, timeZone);
  } else {
    ms = parseNaiveMs(t, timeZone);
  }
  if (ms === undefined) {
    throw new InvalidOptionError(
      option,
      `a date (\`2026-05-01\`), a date-time in ${timeZone} (\`2026-05-01 10:00:00\`), an ISO timestamp with a zone, \`now\`, or a duration ago (\`7d\`)`,
      text,
    );
  }
  return ms;
}
