/** Options shared by the leader stream and the fleet: where Redis is, the lease, the process's name. */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../exotel/errors.js';

export const OWNER = /^[A-Za-z0-9_.-]{1,100}$/;

export function defaultOwner(): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function resolveOwner(value: unknown, option = 'owner'): string {
  if (value === undefined) return defaultOwner();
  if (typeof value !== 'string' || !OWNER.test(value)) throw new InvalidOptionError(option, 'a name of letters, digits, `.`, `_` or `-` (at most 100)', value);
  return value;
}

export function resolveLeaseMs(value: unknown): number {
  if (value === undefined) return 10_000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 500 || value > 3_600_000) {
    throw new InvalidOptionError('leaseMs', 'an integer of milliseconds from 500 to 3600000', value);
  }
  return value;
}

export function resolveRedisTimeoutMs(value: unknown, leaseMs: number): number {
  // Long enough for a busy process to read the answer; a late answer is safe (a lease is trusted
  // from when its renewal was sent), it only delays noticing that Redis went away.
  if (value === undefined) return Math.min(5_000, Math.floor(leaseMs / 2));
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value >= leaseMs) {
    throw new InvalidOptionError('redisTimeoutMs', `an integer of milliseconds from 1 to less than \`leaseMs\` (${leaseMs})`, value);
  }
  return value;
}
