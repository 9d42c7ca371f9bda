/**
 * Scripted faults, matched like undici's MockAgent interceptors: by path, account and query, for a
 * number of requests (`times`), until cleared (`persist`), or by a seeded probability (`rate`).
 */
import type { FaultSpec } from './types.js';
import { invalidOption } from './options.js';
import type { Random } from './random.js';

const KINDS: ReadonlyArray<FaultSpec['kind']> = ['status', 'rate-limit', 'reset', 'delay', 'truncated', 'malformed', 'duplicate-row', 'bad-record'];

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
  if (f.field !== undefined && !['DateCreated', 'Sid', 'Status', 'Duration'].includes(f.field)) {
    throw invalidOption('fault.field', "'DateCreated', 'Sid', 'Status' or 'Duration'", f.field);
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
