// listAll resumed: from a cursor an earlier listing handed out, skipping the Sids it already took.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExotelClient } from '../../src/exotel/ExotelClient.js';
import { json, listBody, startServer, type ScriptedServer } from './helpers/scriptedServer.js';

let server: ScriptedServer;
let client: ExotelClient;
beforeEach(async () => {
  server = await startServer();
  client = new ExotelClient({ accountSid: 'acme1', apiKey: 'k', apiToken: 't', baseUrl: server.url, retryMinTimeoutMs: 1, retryMaxTimeoutMs: 5 });
});
afterEach(async () => {
  await client.close();
  await server.close();
});

describe('ExotelClient.listAll with startCursor and seen', () => {
  it('starts at the cursor without sending the query again, and drops the Sids in `seen`, adding the new ones', async () => {
    server.next(json(200, listBody(['b', 'c'], '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mw%3D%3D')), json(200, listBody(['c', 'd'], null)));
    const seen = new Set(['a', 'b']);
    const pages: string[][] = [];
    for await (const page of client.listAll({ pageSize: 2, direction: 'inbound' }, { startCursor: '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mg%3D%3D', seen })) {
      pages.push(page.calls.map((r) => String(r.Sid)));
    }
    expect(pages).toEqual([['c'], ['d']]);
    expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mg%3D%3D', '/v1/Accounts/acme1/Calls.json?PageSize=2&After=Mw%3D%3D']);
  });

  it('without a cursor sends the query, as before; a null cursor is no cursor', async () => {
    server.next(json(200, listBody(['a'], null)));
    const sids: string[] = [];
    for await (const page of client.listAll({ pageSize: 5 }, { startCursor: null })) sids.push(...page.calls.map((r) => String(r.Sid)));
    expect(sids).toEqual(['a']);
    expect(server.requests.map((r) => r.url)).toEqual(['/v1/Accounts/acme1/Calls.json?PageSize=5']);
  });

  it("refuses a cursor that is not this account's call list, before any request", async () => {
    const listing = client.listAll({}, { startCursor: '/v1/Accounts/other/Calls.json?After=x' });
    await expect(listing.next()).rejects.toThrow();
    expect(server.requests).toHaveLength(0);
  });
});
