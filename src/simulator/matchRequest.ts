/**
 * Matching a request to what the API serves: the route (the call list or one call, JSON or XML)
 * and the account whose key and token the Basic auth carries. Credentials are compared, never echoed.
 */
import type { Format } from './render.js';
import type { SimulatorAccount } from './types.js';

const ROUTE = /^\/v1\/Accounts\/([^/]+)\/Calls(?:\/([^/]+?))?(\.json)?$/;

/** A path the API serves. */
export interface Route {
  /** The account of the path, decoded. */
  accountSid: string;
  /** The call of `/Calls/<CallSid>`, as it came (undecoded); undefined for the list. */
  callSid: string | undefined;
  /** `.json` asked for; without it the v1 API answers XML. */
  json: boolean;
}

/** The route of `path`, or undefined when the API serves nothing there. */
export function matchRoute(path: string): Route | undefined {
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  let accountSid: string;
  try {
    accountSid = decodeURIComponent(m[1]!);
  } catch {
    accountSid = m[1]!;
  }
  return { accountSid, callSid: m[2], json: m[3] !== undefined };
}

/** The format an answer to `path` takes: XML for a route without `.json`, JSON otherwise. */
export const formatOf = (route: Route | undefined): Format => (route && !route.json ? 'xml' : 'json');

/**
 * The account whose key and token the `Authorization` header carries; `missing` when there is no
 * Basic auth at all (the two get different messages), undefined when the key or token is wrong.
 * The accounts of `bySid` may log in with their Sid in place of the key, as older clients
 * (exotel-node, exotel-py) do (the simulator's `sidAsApiKey`).
 */
export function authenticate(
  headers: Record<string, string | undefined> | undefined,
  byKey: ReadonlyMap<string, SimulatorAccount>,
  bySid: readonly SimulatorAccount[] = [],
): SimulatorAccount | 'missing' | undefined {
  const header = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const m = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return 'missing';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  const account = byKey.get(user) ?? bySid.find((a) => a.accountSid === user && a.apiToken === token);
  return account && account.apiToken === token ? account : undefined;
}
