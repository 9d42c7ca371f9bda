/**
 * Scripted faults, matched like undici's MockAgent interceptors: by path, account and query, for a
 * number of requests (`times`), until cleared (`persist`), or by a seeded probability (`rate`).
 */
import type { FaultSpec } from './types.js';
import { invalidOption } from './options.js';
import type { Random } from './random.js';

const KINDS: ReadonlyArray<FaultSpec['kind']> = [
  'status', 'rate-limit', 'reset', 'delay', 'truncated', 'malformed', 'duplicate-row', 'bad-record',
  'redirect', 'content-type', 'encoding', 'oversized-page', 'duplicate-sid',
];
const BREAKS: ReadonlyArray<NonNullable<FaultSpec['break']>> = ['invalid', 'missing', 'mistyped'];
const REDIRECTS: ReadonlyArray<NonNullable<FaultSpec['redirectStatus']>> = [301, 302, 303, 307, 308];
const CODINGS: ReadonlyArray<NonNullable<FaultSpec['encoding']>> = ['gzip', 'deflate', 'br'];
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const TOKEN_CHARS = /^[\t\x20-\x7e]*$/;

export interface FaultTarget {
  path: string;
  accountSid?: string | undefined;
  query: Record<string, string>;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  hits: number;
}

export function validateFault(f: FaultSpec): void {
  if (typeof f !== 'object' || f === null) throw invalidOption('fault', 'an object', f);
  if (!KINDS.includes(f.kind)) throw invalidOption('fault.kind', `one of ${KINDS.map((k) => `'${k}'`).join(', ')}`, f.kind);
  if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)) throw invalidOption('fault.status', 'an HTTP status from 100 to 599', f.status);
  if (f.delayMs !== undefined && !(Number.isFinite(f.delayMs) && f.delayMs >= 0)) throw invalidOption('fault.delayMs', 'a number of ms >= 0', f.delayMs);
  if (f.times !== undefined && !(Number.isInteger(f.times) && f.times >= 1)) throw invalidOption('fault.times', 'an integer >= 1', f.times);
  if (f.rate !== undefined && !(typeof f.rate === 'number' && f.rate >= 0 && f.rate <= 1)) throw invalidOption('fault.rate', 'a probability from 0 to 1', f.rate);
  if (f.retryAfter !== undefined && f.retryAfter !== false && f.retryAfter !== 'seconds' && f.retryAfter !== 'http-date') {
    throw invalidOption('fault.retryAfter', "'seconds', 'http-date' or false", f.retryAfter);
  }
  if (f.retryAfterSeconds !== undefined && !(Number.isInteger(f.retryAfterSeconds) && f.retryAfterSeconds >= 0)) {
    throw invalidOption('fault.retryAfterSeconds', 'an integer >= 0', f.retryAfterSeconds);
  }
  if (f.field !== undefined && !(typeof f.field === 'string' && FIELD.test(f.field))) {
    throw invalidOption('fault.field', "a record's field name such as 'DateCreated', 'Status' or 'Price'", f.field);
  }
  if (f.break !== undefined && !BREAKS.includes(f.break)) throw invalidOption('fault.break', "'invalid', 'missing' or 'mistyped'", f.break);
  if (f.retryAfterHeader !== undefined && !(typeof f.retryAfterHeader === 'string' && f.retryAfterHeader.length <= 200 && TOKEN_CHARS.test(f.retryAfterHeader))) {
    throw invalidOption('fault.retryAfterHeader', 'a header value (printable ASCII, at most 200 characters)', f.retryAfterHeader);
  }
  if (f.redirectStatus !== undefined && !REDIRECTS.includes(f.redirectStatus)) throw invalidOption('fault.redirectStatus', '301, 302, 303, 307 or 308', f.redirectStatus);
  if (f.location !== undefined && !(typeof f.location === 'string' && f.location.length > 0 && TOKEN_CHARS.test(f.location))) {
    throw invalidOption('fault.location', 'a URL (printable ASCII)', f.location);
  }
  if (f.contentType !== undefined && !(typeof f.contentType === 'string' && f.contentType.length > 0 && TOKEN_CHARS.test(f.contentType))) {
    throw invalidOption('fault.contentType', 'a media type such as `text/html`', f.contentType);
  }
  if (f.body !== undefined && f.body !== 'html' && f.body !== 'same') throw invalidOption('fault.body', "'html' or 'same'", f.body);
  if (f.encoding !== undefined && !CODINGS.includes(f.encoding)) throw invalidOption('fault.encoding', "'gzip', 'deflate' or 'br'", f.encoding);
  if (f.extraRecords !== undefined && !(Number.isInteger(f.extraRecords) && f.extraRecords >= 1 && f.extraRecords <= 1000)) {
    throw invalidOption('fault.extraRecords', 'an integer from 1 to 1000', f.extraRecords);
  }
}

/** Why a fault does not match a request, or undefined when it matches. */
export function mismatch(spec: FaultSpec, target: FaultTarget): string | undefined {
  const m = spec.match;
  if (!m) return undefined;
  if (m.path !== undefined) {
    const ok = typeof m.path === 'string' ? m.path === target.path : m.path.test(target.path);
    if (!ok) return `path ${target.path} does not match ${typeof m.path === 'string' ? m.path : String(m.path)}`;
  }
  if (m.accountSid !== undefined && m.accountSid !== target.accountSid) {
    return `account ${target.accountSid ?? '(none)'} is not ${m.accountSid}`;
  }
  for (const [k, want] of Object.entries(m.query ?? {})) {
    const got = target.query[k];
    const ok = got !== undefined && (typeof want === 'string' ? got === want : want.test(got));
    if (!ok) return `query ${k}=${got === undefined ? '(absent)' : got} does not match ${String(want)}`;
  }
  return undefined;
}

export class FaultBook {
  private active: ActiveFault[] = [];

  constructor(private readonly random: Random) {}

  add(spec: FaultSpec): void {
    validateFault(spec);
    const remaining = spec.persist || spec.rate !== undefined ? Infinity : (spec.times ?? 1);
    this.active.push({ spec, remaining, hits: 0 });
  }

  clear(): void {
    this.active = [];
  }

  /** Takes the first fault among `kinds` that matches the request (and `applies`), counting the hit. */
  take(kinds: ReadonlyArray<FaultSpec['kind']>, target: FaultTarget, applies: (f: FaultSpec) => boolean = () => true): FaultSpec | undefined {
    for (const a of this.active) {
      if (a.remaining <= 0 || !kinds.includes(a.spec.kind) || mismatch(a.spec, target) !== undefined || !applies(a.spec)) continue;
      if (a.spec.rate !== undefined && !(this.random() < a.spec.rate)) continue;
      a.remaining--;
      a.hits++;
      return a.spec;
    }
    return undefined;
  }

  pending(): FaultSpec[] {
    return this.active.filter((a) => a.remaining > 0).map((a) => a.spec);
  }

  /** Faults with a finite number of hits left, each with why the last request did not match it. */
  unfinished(last: FaultTarget | undefined): string[] {
    return this.active
      .filter((a) => a.remaining > 0 && a.remaining !== Infinity)
      .map((a) => {
        const why = last ? mismatch(a.spec, last) : undefined;
        const desc = `${a.spec.kind} fault (${a.hits} of ${a.spec.times ?? 1} hits)`;
        return why ? `${desc}: the last request did not match: ${why}` : desc;
      });
  }
}
