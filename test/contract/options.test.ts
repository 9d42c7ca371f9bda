/**
 * The options of `createCallStream`, as DESIGN.md's public contract writes them: every name there is
 * accepted, nothing is sent at creation, and a bad value throws at once, naming the option in
 * backticks with the value received (never a token).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import Bottleneck from 'bottleneck';
import { InvalidOptionError, createCallStream, fileStore, isExotelError } from 'exotel-call-stream';
import type { CallStreamOptions } from 'exotel-call-stream';
import { SimulatorDispatcher, createSimulator } from 'exotel-call-stream/simulator';
import { ACCOUNT, everythingAbout } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'contract-options-'));
afterEach(() => {
  vi.unstubAllEnvs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error `createCallStream(options)` throws (fails the test when it does not throw). */
function rejection(options: unknown): InvalidOptionError {
  try {
    createCallStream(options as CallStreamOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(isExotelError(error)).toBe(true);
    return error as InvalidOptionError;
  }
  throw new Error(`createCallStream accepted ${JSON.stringify(options)}`);
}

describe('the options of the design, as written', () => {
  it('accepts the whole snippet (subdomain, filters, details, fileStore, quota) and sends nothing at creation', async () => {
    const sim = createSimulator();
    const dispatcher = new SimulatorDispatcher(sim);
    const stream = createCallStream({
      accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token',
      subdomain: 'api.in.exotel.com',
      pollIntervalMs: 15_000,
      lookbackMs: 2 * 3600_000,
      settleMs: 300_000,
      timeZone: 'Asia/Kolkata',
      pageSize: 100,
      maxRequestsPerMinute: 200,
      filters: { direction: 'inbound', phoneNumber: ['+918047000001'] },
      details: true,
      store: fileStore(join(dir, 'calls.checkpoint.json')),
      // Keeps the test off the network should anything be sent.
      dispatcher,
    });
    expect(sim.history).toHaveLength(0);
    await stream.stop();
    expect(sim.history).toHaveLength(0);
  });

  it('accepts `limiter: new Bottleneck(...)` in place of `maxRequestsPerMinute`', async () => {
    const limiter = new Bottleneck({ maxConcurrent: 2, minTime: 300 });
    const stream = createCallStream({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:9', limiter });
    await stream.stop();
    // The caller owns the limiter: stop() leaves it usable.
    await expect(limiter.schedule(async () => 'still running')).resolves.toBe('still running');
    await limiter.stop();
  });

  it('takes `baseUrl` over http only for loopback hosts, https anywhere, and never with `subdomain`', async () => {
    for (const baseUrl of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010', 'https://exotel.example.com', 'https://127.0.0.1:4010']) {
      await createCallStream({ ...ACCOUNT, baseUrl }).stop();
    }
    for (const baseUrl of ['http://api.exotel.com', 'http://10.0.0.5:4010', 'http://127.0.0.1.example.com']) {
      const error = rejection({ ...ACCOUNT, baseUrl });
      expect(error.message).toContain('`baseUrl`');
      expect(error.message).toContain(baseUrl);
    }
    const both = rejection({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:4010', subdomain: 'api.in.exotel.com' });
    expect(both.message).toMatch(/`baseUrl`|`subdomain`/);
  });

  it('takes `subdomain` as a host name only', () => {
    const error = rejection({ ...ACCOUNT, subdomain: 'https://api.in.exotel.com/v1' });
    expect(error.option).toBe('subdomain');
    expect(error.message).toContain('`subdomain`');
    expect(error.message).toContain('https://api.in.exotel.com/v1');
  });
});

describe('bad options: a clear error naming the field and the value', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['pageSize above 100', { pageSize: 250 }, 'pageSize', '`250` (number)'],
    ['pageSize not an integer', { pageSize: 2.5 }, 'pageSize', '`2.5` (number)'],
    ['pollIntervalMs as a string', { pollIntervalMs: '15s' }, 'pollIntervalMs', '`"15s"` (string)'],
    ['negative lookbackMs', { lookbackMs: -1 }, 'lookbackMs', '`-1` (number)'],
    ['settleMs not a number', { settleMs: null }, 'settleMs', '`null`'],
    ['an unknown time zone', { timeZone: 'India/Mumbai' }, 'timeZone', '`"India/Mumbai"` (string)'],
    ['maxRequestsPerMinute zero', { maxRequestsPerMinute: 0 }, 'maxRequestsPerMinute', '`0` (number)'],
    ['details not a boolean', { details: 'yes' }, 'details', '`"yes"` (string)'],
    ['an unknown direction', { filters: { direction: 'outgoing' } }, 'filters.direction', '`"outgoing"` (string)'],
    ['a phone number not E.164', { filters: { phoneNumber: ['08047000001'] } }, 'filters.phoneNumber[0]', '`"08047000001"` (string)'],
    ['more than 5 phone numbers', { filters: { phoneNumber: ['+918047000001', '+918047000002', '+918047000003', '+918047000004', '+918047000005', '+918047000006'] } }, 'filters.phoneNumber', 'an array of 6'],
    ['an unknown filter', { filters: { direction: 'inbound', callerId: '+918047000001' } }, 'filters.callerId', '+918047000001'],
    ['a store without load/save', { store: { get: () => undefined } }, 'store', 'object'],
    ['a limiter that is not a Bottleneck', { limiter: 200 }, 'limiter', '`200` (number)'],
    ['a typo in an option name', { pollIntervalMS: 15_000 }, 'pollIntervalMS', '`15000` (number)'],
    ['an empty accountSid', { accountSid: '' }, 'accountSid', '`""` (string)'],
  ];
  for (const [what, patch, option, shown] of cases) {
    it(`${what} → names \`${option}\` and shows ${shown}`, () => {
      const error = rejection({ ...ACCOUNT, baseUrl: 'http://127.0.0.1:9', ...patch });
      expect(error.code).toBe('ERR_INVALID_OPTION');
      expect(error.option).toBe(option);
      expect(error.message).toContain(`\`${option}\``);
      expect(error.message).toContain(shown);
    });
  }

  it('never shows the token, whatever is wrong', () => {
    const token = 'tok-3f9a1c77e2';
    const errors = [
      rejection({ ...ACCOUNT, apiToken: token, pageSize: 0, baseUrl: 'http://127.0.0.1:9' }),
      rejection({ ...ACCOUNT, apiToken: token, baseUrl: `http://acme1:${token}@127.0.0.1:9` }),
      rejection({ ...ACCOUNT, apiToken: { secret: token }, baseUrl: 'http://127.0.0.1:9' }),
      rejection({ ...ACCOUNT, apiToken: `${token}\n`, baseUrl: 'http://127.0.0.1:9' }),
    ];
    expect(errors.map((e) => e.option)).toEqual(['pageSize', 'baseUrl', 'apiToken', 'apiToken']);
    for (const error of errors) expect(everythingAbout(error)).not.toContain(token);
  });

  it('takes the key and token from EXOTEL_API_KEY / EXOTEL_API_TOKEN when not given, and names them when missing', async () => {
    vi.stubEnv('EXOTEL_API_KEY', '');
    vi.stubEnv('EXOTEL_API_TOKEN', '');
    delete process.env.EXOTEL_API_KEY;
    delete process.env.EXOTEL_API_TOKEN;
    expect(rejection({ accountSid: 'acme1', baseUrl: 'http://127.0.0.1:9' }).option).toBe('apiKey');
    expect(rejection({ accountSid: 'acme1', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }).option).toBe('apiToken');
    vi.stubEnv('EXOTEL_API_KEY', 'sim-key');
    vi.stubEnv('EXOTEL_API_TOKEN', 'sim-token');
    await createCallStream({ accountSid: 'acme1', baseUrl: 'http://127.0.0.1:9' }).stop();
  });

  it('rejects options that are not an object', () => {
    expect(rejection(undefined).option).toBe('options');
    expect(rejection('acme1').message).toContain('`"acme1"` (string)');
  });
});
