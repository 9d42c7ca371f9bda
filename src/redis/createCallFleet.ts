import { CallFleet } from './CallFleet.js';
import type { CallFleetOptions } from './types.js';

/**
 * A fleet worker: run it in each of several processes or machines sharing one Redis, and the
 * accounts are spread over them, each run by exactly one worker at a time (it holds the
 * account's lease), moved when workers join, leave or die. Each worker's `events$` merges the
 * events of the accounts it runs, each with its `accountSid`.
 *
 * @example
 * import Redis from 'ioredis';
 * const fleet = createCallFleet({
 *   redis: new Redis(process.env.REDIS_URL),
 *   accounts: () => db.exotelAccounts(),                    // [{ accountSid, subdomain? }, …], the same on every worker
 *   credentials: ({ accountSid }) => vault.exotel(accountSid), // { apiKey, apiToken }
 *   stream: { pollIntervalMs: 15_000 },
 * });
 * fleet.events$.subscribe((event) => crm.record(event.accountSid, event));
 */
export function createCallFleet(options: CallFleetOptions): CallFleet {
  return new CallFleet(options);
}
