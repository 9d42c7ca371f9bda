/**
 * Where each account's shared parts live in Redis, under one prefix: `<prefix><accountSid>:…`.
 * `redisStore(redis, { prefix: '<prefix><accountSid>:' })` reads and writes the same state as a
 * leader stream or fleet on `<prefix>`.
 */
export interface AccountKeys {
  /** The stream's state (a hash: `data` the StoreState JSON, `writer` the lease that saved it). */
  state: string;
  /** The lease: `<owner>:<token>`, with an expiry. */
  lease: string;
  /** The last fencing token handed out (INCR). */
  epoch: string;
  /** Set for a lease time when a lease is given up cleanly: a standby may take it at once. */
  released: string;
  /** Events saved with the state and not yet acknowledged as emitted (a hash: `batch`, `events`). */
  outbox: string;
  /** The quota's sliding window: a sorted set of request stamps. */
  quota: string;
  /** The window's generation: changes when Redis lost the window. */
  quotaGen: string;
}

export function accountKeys(prefix: string, accountSid: string): AccountKeys {
  const base = `${prefix}${accountSid}:`;
  return {
    state: `${base}state`,
    lease: `${base}lease`,
    epoch: `${base}epoch`,
    released: `${base}released`,
    outbox: `${base}outbox`,
    quota: `${base}quota`,
    quotaGen: `${base}quota-gen`,
  };
}
