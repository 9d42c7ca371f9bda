/**
 * A whole listing: the first page, then each `NextPageUri` as the API handed it, with every Sid
 * kept once (a listing that shifts under inserts can repeat a record on the next page).
 */
import { ExotelResponseError } from './errors.js';
import { pathOf } from './http.js';
import { resolvePageUri } from './paging.js';
import type { CallPage } from './paging.js';
import type { RawCall } from './types.js';

/**
 * Yields `first` and the pages after it (`next(pageUri)` fetches one), stopping on a missing,
 * empty or null `NextPageUri` or on an empty page. Every page answered is yielded, an empty one
 * too (one request each). A Sid repeated within the listing is dropped from the later page (a page
 * left empty by that is yielded with no calls). A `NextPageUri` that is not this
 * account's call list, or that repeats, ends the listing with an `ExotelResponseError`. `seen`
 * holds the Sids already taken (by an earlier run of a resumed listing): they are dropped too,
 * and every Sid yielded is added to it.
 */
export async function* followPages(
  first: Promise<CallPage>,
  next: (pageUri: string) => Promise<CallPage>,
  accountSid: string,
  seen: Set<string> = new Set<string>(),
): AsyncGenerator<CallPage> {
  const visited = new Set<string>();
  let page = await first;
  for (;;) {
    const received = page.calls.length;
    if (received > 0) {
      const fresh: RawCall[] = [];
      for (const raw of page.calls) {
        const sid = (raw as { Sid?: unknown } | null)?.Sid;
        // A record without a usable Sid is passed on: normalizing it reports it as malformed.
        if (typeof sid === 'string' && sid !== '') {
          if (seen.has(sid)) continue;
          seen.add(sid);
        }
        fresh.push(raw);
      }
      yield fresh.length === received ? page : { ...page, calls: fresh };
    } else {
      yield page;
    }
    const uri = page.nextPageUri;
    if (received === 0 || uri === null) return;
    let path: string;
    try {
      path = resolvePageUri(uri, accountSid);
    } catch {
      throw new ExotelResponseError(`Exotel API handed a NextPageUri that is not this account's call list: ${JSON.stringify(uri.slice(0, 200))}`, {
        method: 'GET',
        url: page.requestUrl,
      });
    }
    if (visited.has(path)) {
      throw new ExotelResponseError(`Exotel API handed the same NextPageUri twice in one listing (${pathOf(path)}): the listing would never end`, {
        method: 'GET',
        url: page.requestUrl,
      });
    }
    visited.add(path);
    page = await next(uri);
  }
}
