/**
 * One owner's leases on accounts (see leaseScripts.ts), with what it has seen of the others'.
 *
 * A lease is trusted locally only on a monotonic clock (`performance.now()`, which keeps running
 * while the process is stopped): it is valid until the time its last successful acquire or renew
 * was *sent*, plus the lease time, minus a drift allowance. Redis let the lease run out no
 * earlier than that, so a process that was paused, or cut off from Redis, stops trusting its
 * lease before anyone else can take it.
 */
import type { AccountKeys } from './keys.js';
import { accountKeys } from './keys.js';
import type { RedisLink } from './redisLink.js';
import { LEASE_ACQUIRE, LEASE_RELEASE, LEASE_RENEW } from './leaseScripts.js';

export interface Lease {
  readonly accountSid: string;
  /** `<owner>:<token>`: what the lease key holds, and what fenced writes compare against. */
  value: string;
  /** The fencing token: larger for every lease handed out on the account. */
  token: number;
  /** Monotonic time (ms) until which the lease may be trusted. */
  validUntil: number;
}

export type RenewOutcome = { accountSid: string } & ({ kind: 'renewed' } | { kind: 'retaken'; previous: string } | { kind: 'lost'; holder: string | null });

interface Seen {
  token: number;
  /** Monotonic time until which the holder last seen may still hold the lease. */
  until: number;
  /** This owner's value from an earlier term, still in Redis perhaps. */
  own: string;
}

export interface LeaseKeeperOptions {
  link: RedisLink;
  prefix: string;
  /** This process's id in lease values: no `:`. */
  owner: string;
  leaseMs: number;
  /** The monotonic clock. @default performance.now */
  now?: () => number;
}

const tokenOf = (value: string): number => Number(value.slice(value.lastIndexOf(':') + 1)) || 0;

export class LeaseKeeper {
  readonly owner: string;
  readonly leaseMs: number;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #held = new Map<string, Lease>();
  readonly #seen = new Map<string, Seen>();
  readonly #keys = new Map<string, AccountKeys>();

  constructor(options: LeaseKeeperOptions) {
    this.#link = options.link;
    this.#prefix = options.prefix;
    this.owner = options.owner;
    this.leaseMs = options.leaseMs;
    this.#now = options.now ?? (() => performance.now());
  }

  keys(accountSid: string): AccountKeys {
    let keys = this.#keys.get(accountSid);
    if (keys === undefined) this.#keys.set(accountSid, (keys = accountKeys(this.#prefix, accountSid)));
    return keys;
  }

  /** The lease held on `accountSid`, valid or not. */
  held(accountSid: string): Lease | undefined {
    return this.#held.get(accountSid);
  }

  /** Accounts whose lease this owner holds. */
  heldAccounts(): string[] {
    return [...this.#held.keys()];
  }

  /** Whether the lease on `accountSid` may be trusted now (monotonic clock). */
  valid(accountSid: string): boolean {
    const lease = this.#held.get(accountSid);
    return lease !== undefined && this.#now() < lease.validUntil;
  }

  #validity(sentAt: number): number {
    // Redis's clock and ours may run at slightly different rates: trust a little less than the lease.
    return sentAt + this.leaseMs - Math.max(2, Math.ceil(this.leaseMs * 0.01));
  }

  /** Tries to take the leases on `accountSids` this owner does not hold; returns those taken. */
  async acquire(accountSids: readonly string[]): Promise<Lease[]> {
    const wanted = accountSids.filter((sid) => !this.#held.has(sid));
    if (wanted.length === 0) return [];
    const keys: string[] = [];
    const args: Array<string | number> = [this.owner, this.leaseMs];
    const now = this.#now();
    for (const sid of wanted) {
      const k = this.keys(sid);
      keys.push(k.lease, k.epoch, k.released);
      const seen = this.#seen.get(sid);
      const phase = seen === undefined || now >= seen.until + this.leaseMs ? 2 : now >= seen.until ? 1 : 0;
      args.push(phase, seen?.token ?? 0, seen?.own ?? '');
    }
    const sentAt = this.#now();
    let reply: Array<[number, string, number]>;
    try {
      reply = (await this.#link.run(LEASE_ACQUIRE, keys, args)) as Array<[number, string, number]>;
    } catch (error) {
      // While Redis is away nobody can renew: a holder that comes back with it is given the same
      // time to take its lease again as if it had just been seen.
      for (const sid of wanted) {
        const seen = this.#seen.get(sid);
        if (seen !== undefined) seen.until = Math.max(seen.until, this.#now());
      }
      throw error;
    }
    const answeredAt = this.#now();
    const taken: Lease[] = [];
    wanted.forEach((sid, i) => {
      const [status, value, n] = reply[i]!;
      const seen = this.#seen.get(sid) ?? { token: 0, until: 0, own: '' };
      if (status === 1) {
        const lease: Lease = { accountSid: sid, value, token: Number(n), validUntil: this.#validity(sentAt) };
        this.#held.set(sid, lease);
        seen.token = Math.max(seen.token, lease.token);
        seen.own = '';
        taken.push(lease);
      } else if (status === 0) {
        seen.token = Math.max(seen.token, tokenOf(value));
        // PTTL -1 (no expiry) cannot come from this library; treat it as a full lease.
        seen.until = answeredAt + (Number(n) >= 0 ? Number(n) : this.leaseMs);
      }
      this.#seen.set(sid, seen);
    });
    return taken;
  }

  /** Renews every lease held (one round trip); a lease that vanished is taken again when nobody saved since. */
  async renew(): Promise<RenewOutcome[]> {
    const sids = [...this.#held.keys()];
    if (sids.length === 0) return [];
    const keys: string[] = [];
    const args: Array<string | number> = [this.owner, this.leaseMs];
    for (const sid of sids) {
      const k = this.keys(sid);
      keys.push(k.lease, k.epoch, k.state);
      args.push(this.#held.get(sid)!.value, this.#seen.get(sid)?.token ?? 0);
    }
    const sentAt = this.#now();
    const reply = (await this.#link.run(LEASE_RENEW, keys, args)) as Array<[number, string, number?]>;
    const outcomes: RenewOutcome[] = [];
    sids.forEach((sid, i) => {
      const [status, value, token] = reply[i]!;
      const lease = this.#held.get(sid);
      if (lease === undefined) return; // released while the renewal was on its way
      const seen = this.#seen.get(sid) ?? { token: 0, until: 0, own: '' };
      if (status === 1) {
        lease.validUntil = this.#validity(sentAt);
        outcomes.push({ accountSid: sid, kind: 'renewed' });
      } else if (status === 2) {
        const previous = lease.value;
        lease.value = value;
        lease.token = Number(token);
        lease.validUntil = this.#validity(sentAt);
        seen.token = Math.max(seen.token, lease.token);
        outcomes.push({ accountSid: sid, kind: 'retaken', previous });
      } else {
        this.#held.delete(sid);
        if (status === -1) {
          seen.token = Math.max(seen.token, tokenOf(value));
          seen.until = this.#now() + this.leaseMs;
        }
        outcomes.push({ accountSid: sid, kind: 'lost', holder: status === -1 ? value : null });
      }
      this.#seen.set(sid, seen);
    });
    return outcomes;
  }

  /**
   * Stops trusting the lease on `accountSid` without telling Redis (it could not be proven): it
   * runs out there by itself, and this owner may take it again when it is still its own.
   */
  forget(accountSid: string): void {
    const lease = this.#held.get(accountSid);
    if (lease === undefined) return;
    this.#held.delete(accountSid);
    const seen = this.#seen.get(accountSid) ?? { token: 0, until: 0, own: '' };
    seen.token = Math.max(seen.token, lease.token);
    seen.own = lease.value;
    seen.until = lease.validUntil;
    this.#seen.set(accountSid, seen);
  }

  /** Gives up the leases on `accountSids` (those still held with this owner's value), so a standby takes them at once. */
  async release(accountSids: readonly string[]): Promise<void> {
    const leases = accountSids.map((sid) => this.#held.get(sid)).filter((l): l is Lease => l !== undefined);
    for (const lease of leases) this.forget(lease.accountSid);
    if (leases.length === 0) return;
    const keys: string[] = [];
    const args: Array<string | number> = [this.leaseMs];
    for (const lease of leases) {
      const k = this.keys(lease.accountSid);
      keys.push(k.lease, k.released);
      args.push(lease.value);
    }
    await this.#link.run(LEASE_RELEASE, keys, args);
    for (const lease of leases) {
      const seen = this.#seen.get(lease.accountSid);
      if (seen) seen.own = '';
    }
  }
}
