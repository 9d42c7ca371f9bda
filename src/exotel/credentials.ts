/**
 * Where requests go and how they authenticate. The credentials end up in one place only: the
 * `Authorization` header value, built once and kept in a private field of the client.
 */
import { redacted } from './assert.js';
import { InvalidOptionError } from './errors.js';
import { SID } from './limits.js';

const HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// Control characters would split or corrupt the header; a colon would split key from token.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateAccountSid(value: unknown): string {
  if (typeof value !== 'string' || !SID.test(value)) {
    throw new InvalidOptionError('accountSid', 'the account Sid from the API settings page (letters, digits, `_` or `-`)', value);
  }
  return value;
}

/** `Basic base64(key:token)`. Throws naming `apiKey`/`apiToken`, never showing the token. */
export function basicAuthorization(apiKey: unknown, apiToken: unknown): string {
  if (typeof apiKey !== 'string' || apiKey === '' || CONTROL.test(apiKey) || apiKey.includes(':')) {
    throw new InvalidOptionError('apiKey', 'a non-empty string without `:` or control characters (or `EXOTEL_API_KEY` set)', redacted(apiKey));
  }
  if (typeof apiToken !== 'string' || apiToken === '' || CONTROL.test(apiToken)) {
    throw new InvalidOptionError('apiToken', 'a non-empty string without control characters (or `EXOTEL_API_TOKEN` set)', redacted(apiToken));
  }
  return `Basic ${Buffer.from(`${apiKey}:${apiToken}`, 'utf8').toString('base64')}`;
}

/**
 * A host or URL as it may be shown in an error: redacted when it looks like it holds credentials
 * (`key:token@host`, or the reference's `https://<key>:<token><subdomain>` pasted as is), that is,
 * an `@` or a `:` not followed by a port in its authority.
 */
function shownHost(value: string): string {
  const authority = value.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '').split('/')[0] ?? '';
  return authority.includes('@') || /:(?!\d*$)/.test(authority) ? '<redacted string>' : value;
}

const isLoopback = (hostname: string): boolean => {
  const h = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
};

/** A validated base: `origin` (`https://api.exotel.com`) and a path prefix without trailing `/`. */
export interface BaseLocation {
  origin: string;
  pathPrefix: string;
}

/**
 * Resolves `baseUrl` or `subdomain` (a host name such as `api.in.exotel.com`). `http:` only for
 * loopback hosts; no credentials, query or fragment in the URL.
 */
export function resolveBase(baseUrl: unknown, subdomain: unknown): BaseLocation {
  if (baseUrl !== undefined) {
    if (subdomain !== undefined) throw new InvalidOptionError('subdomain', 'absent when `baseUrl` is given', subdomain);
    if (typeof baseUrl !== 'string') throw new InvalidOptionError('baseUrl', 'a URL string', baseUrl);
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      // The text could hold credentials: show it redacted.
      throw new InvalidOptionError('baseUrl', 'an absolute URL such as `https://api.exotel.com`', shownHost(baseUrl));
    }
    if (url.username || url.password) {
      throw new InvalidOptionError('baseUrl', 'a URL without credentials (pass `apiKey` and `apiToken` instead)', '<redacted URL with credentials>');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new InvalidOptionError('baseUrl', 'an `https:` URL (`http:` only for 127.0.0.0/8, ::1 or localhost)', shownHost(baseUrl));
    }
    // The query is where some put a token (`?token=`): shown only as far as the path.
    if (url.search || url.hash) throw new InvalidOptionError('baseUrl', 'a URL without query or fragment', `${url.origin}${url.pathname}${url.search ? '?<redacted query>' : ''}${url.hash ? '#<redacted fragment>' : ''}`);
    return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
  }
  const host = subdomain ?? process.env.EXOTEL_SUBDOMAIN ?? 'api.exotel.com';
  if (typeof host !== 'string' || !HOST.test(host)) {
    throw new InvalidOptionError(
      'subdomain',
      'a host name such as `api.exotel.com` or `api.in.exotel.com` (credentials go in `apiKey` and `apiToken`)',
      typeof host === 'string' ? shownHost(host) : host,
    );
  }
  return { origin: `https://${host.toLowerCase()}`, pathPrefix: '' };
}
