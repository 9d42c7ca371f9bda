import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/cli/connection.js';
import { catchUpStore } from '../../src/cli/catchUpStore.js';
import { UsageError } from '../../src/cli/UsageError.js';
import { memoryStore } from '../../src/stores/memoryStore.js';

const noStdin = () => Readable.from([]);
const env = { EXOTEL_ACCOUNT_SID: 'env-sid', EXOTEL_API_KEY: 'env-key', EXOTEL_API_TOKEN: 'env-token' };

describe('resolveConnection', () => {
  it('takes flags over the environment, and the token from stdin when asked', async () => {
    const c = await resolveConnection({ 'account-sid': 'flag-sid', 'api-token-stdin': true, subdomain: 'api.in.exotel.com' }, env, Readable.from(['\n  piped-token  \nignored\n']));
    expect(c).toEqual({ accountSid: 'flag-sid', apiKey: 'env-key', apiToken: 'piped-token', subdomain: 'api.in.exotel.com' });
  });

  it('reads EXOTEL_SUBDOMAIN and EXOTEL_BASE_URL', async () => {
    expect((await resolveConnection({}, { ...env, EXOTEL_SUBDOMAIN: 'api.in.exotel.com' }, noStdin())).subdomain).toBe('api.in.exotel.com');
    expect((await resolveConnection({}, { ...env, EXOTEL_BASE_URL: 'http://127.0.0.1:4010/' }, noStdin())).baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('lists every missing credential with exit code 3', async () => {
    const error = await resolveConnection({}, {}, noStdin()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/EXOTEL_ACCOUNT_SID.*EXOTEL_API_KEY.*EXOTEL_API_TOKEN/);
  });

  it('refuses plain http off this machine, credentials in the URL, and two hosts at once', async () => {
    await expect(resolveConnection({ 'base-url': 'http://api.exotel.com' }, env, noStdin())).rejects.toThrow(/`--base-url`.*https/);
    const withCreds = await resolveConnection({ 'base-url': 'https://key:s3cret@api.exotel.com' }, env, noStdin()).catch((e: Error) => e);
    expect((withCreds as Error).message).toContain('must not carry credentials');
    expect((withCreds as Error).message).not.toContain('s3cret');
    await expect(resolveConnection({ 'base-url': 'https://a', subdomain: 'b' }, env, noStdin())).rejects.toThrow(/not both/);
    await expect(resolveConnection({ 'api-token-file': 'x', 'api-token-stdin': true }, env, noStdin())).rejects.toThrow(/not both/);
  });
});

describe('catchUpStore', () => {
  it('moves the first checkpoint back to --since, and says whether it resumes', async () => {
    const inner = memoryStore();
    const info = { resumed: false };
    expect(await catchUpStore(inner, 1000, info).load()).toEqual({ version: 1, checkpoint: 1000, emitted: {} });
    expect(info.resumed).toBe(false);
    expect(await catchUpStore(inner, undefined, info).load()).toBeUndefined();

    await inner.save({ version: 1, checkpoint: 5000, emitted: { a: { dateCreated: 1, fingerprint: 'f' } } });
    expect(await catchUpStore(inner, 1000, info).load()).toEqual({ version: 1, checkpoint: 1000, emitted: { a: { dateCreated: 1, fingerprint: 'f' } } });
    expect(info.resumed).toBe(true);
    // An older checkpoint already reaches further back than --since.
    expect((await catchUpStore(inner, 9000, info).load())?.checkpoint).toBe(5000);
    // Saves go through unchanged.
    await catchUpStore(inner, 1000, info).save({ version: 1, checkpoint: 7000, emitted: {} });
    expect((await inner.load())?.checkpoint).toBe(7000);
  });

  it("is saved as often as the store it wraps asks", () => {
    expect(catchUpStore(memoryStore(), undefined, { resumed: false }).saveIntervalMs).toBe(Number.POSITIVE_INFINITY);
    const everyCycle = { load: async () => undefined, save: async () => {} };
    expect('saveIntervalMs' in catchUpStore(everyCycle, undefined, { resumed: false })).toBe(false);
  });
});
