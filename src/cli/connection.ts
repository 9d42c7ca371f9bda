/**
 * Where a command finds the account, the credentials and the API host: flags first, then the
 * environment. The token is read only from EXOTEL_API_TOKEN, a file or stdin, never from a flag
 * value (which `ps` and shell history would show).
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidOptionError } from '../exotel/errors.js';
import type { OptionSpecs } from './parse.js';
import { UsageError } from './UsageError.js';

/** The flags every command that talks to the API accepts. */
export const connectionOptions = {
  'account-sid': { type: 'string' },
  'api-key': { type: 'string' },
  'api-token-file': { type: 'string' },
  'api-token-stdin': { type: 'boolean' },
  subdomain: { type: 'string' },
  'base-url': { type: 'string' },
} as const satisfies OptionSpecs;

export const connectionHelp = `Account and credentials (flags win over the environment):
  --account-sid SID       or EXOTEL_ACCOUNT_SID
  --api-key KEY           or EXOTEL_API_KEY
  --api-token-file FILE   read the API token from FILE (first line), or EXOTEL_API_TOKEN
  --api-token-stdin       read the API token from standard input
                          (there is no --api-token flag: \`ps\` would show it)
  --subdomain HOST        api.exotel.com (Singapore, default) or api.in.exotel.com (Mumbai),
                          or EXOTEL_SUBDOMAIN
  --base-url URL          instead of --subdomain: a full URL, http only for 127.0.0.1/localhost
                          (the simulator), or EXOTEL_BASE_URL`;

export interface Connection {
  accountSid: string;
  apiKey: string;
  apiToken: string;
  subdomain?: string;
  baseUrl?: string;
}

/** The account and credential options of a client or stream, for a resolved connection. */
export function clientConnection(connection: Connection) {
  return {
    accountSid: connection.accountSid,
    apiKey: connection.apiKey,
    apiToken: connection.apiToken,
    ...(connection.baseUrl === undefined ? { subdomain: connection.subdomain ?? 'api.exotel.com' } : { baseUrl: connection.baseUrl }),
  };
}

export interface ConnectionValues {
  'account-sid'?: string | undefined;
  'api-key'?: string | undefined;
  'api-token-file'?: string | undefined;
  'api-token-stdin'?: boolean | undefined;
  subdomain?: string | undefined;
  'base-url'?: string | undefined;
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

/** Reads all of a stream as text (for `--api-token-stdin`). */
async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The first non-empty line, which is what a token file or a piped `echo` holds. */
const firstLine = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);

/**
 * Resolves the connection from flags and environment. Missing credentials are a `UsageError` with
 * exit code 3 that says where each one can come from.
 */
export async function resolveConnection(
  values: ConnectionValues,
  env: NodeJS.ProcessEnv,
  stdin: Readable,
): Promise<Connection> {
  if (values['api-token-file'] !== undefined && values['api-token-stdin']) {
    throw new UsageError('Pass either `--api-token-file` or `--api-token-stdin`, not both.');
  }
  const accountSid = nonEmpty(values['account-sid']) ?? nonEmpty(env.EXOTEL_ACCOUNT_SID);
  const apiKey = nonEmpty(values['api-key']) ?? nonEmpty(env.EXOTEL_API_KEY);
  let apiToken: string | undefined;
  if (values['api-token-file'] !== undefined) {
    const file = values['api-token-file'];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the API token from \`--api-token-file\` ${JSON.stringify(file)}: ${(error as Error).message}`, {
        exitCode: 3,
        showHelpHint: false,
      });
    }
    apiToken = firstLine(text);
    if (apiToken === undefined) throw new UsageError(`\`--api-token-file\` ${JSON.stringify(file)} is empty.`, { exitCode: 3, showHelpHint: false });
  } else if (values['api-token-stdin']) {
    apiToken = firstLine(await readAll(stdin));
    if (apiToken === undefined) throw new UsageError('`--api-token-stdin` was given but standard input held no token.', { exitCode: 3, showHelpHint: false });
  } else {
    apiToken = nonEmpty(env.EXOTEL_API_TOKEN);
  }

  const missing = [
    accountSid === undefined && '`--account-sid` or EXOTEL_ACCOUNT_SID',
    apiKey === undefined && '`--api-key` or EXOTEL_API_KEY',
    apiToken === undefined && 'EXOTEL_API_TOKEN, `--api-token-file FILE` or `--api-token-stdin`',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0) {
    throw new UsageError(`Missing credentials: set ${missing.join('; ')}.`, { exitCode: 3 });
  }

  const baseUrl = nonEmpty(values['base-url']) ?? (values.subdomain === undefined ? nonEmpty(env.EXOTEL_BASE_URL) : undefined);
  const subdomain = nonEmpty(values.subdomain) ?? (values['base-url'] === undefined ? nonEmpty(env.EXOTEL_SUBDOMAIN) : undefined);
  if (values['base-url'] !== undefined && values.subdomain !== undefined) {
    throw new UsageError('Pass either `--base-url` or `--subdomain`, not both.');
  }
  const connection: Connection = { accountSid: accountSid!, apiKey: apiKey!, apiToken: apiToken! };
  if (baseUrl !== undefined) {
    checkBaseUrl(baseUrl);
    connection.baseUrl = baseUrl.replace(/\/+$/, '');
  } else if (subdomain !== undefined) {
    connection.subdomain = subdomain;
  }
  return connection;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Refuses a base URL that would send the credentials in clear text off this machine, or carry them. */
function checkBaseUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidOptionError('--base-url', 'an absolute URL such as `http://127.0.0.1:4010`', text);
  }
  if (url.username || url.password) {
    throw new UsageError('`--base-url` must not carry credentials: set them with EXOTEL_API_KEY / EXOTEL_API_TOKEN or the flags.');
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new InvalidOptionError('--base-url', 'an https URL (http only for 127.0.0.1 or localhost)', text);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError('--base-url', 'an http(s) URL', text);
  }
}

/** Where the API lives, for messages (never with credentials). */
export function describeHost(connection: Pick<Connection, 'baseUrl' | 'subdomain'>): string {
  return connection.baseUrl ?? `https://${connection.subdomain ?? 'api.exotel.com'}`;
}
