/**
 * Fuzzing every option of `createCallStream` and of `ExotelClient`, every filter of the stream and
 * every field of a `CallQuery`: whatever the value, either it is taken, or the error is
 * `ERR_INVALID_OPTION` naming the option in backticks, thrown where the value enters, never a crash
 * deep inside (a TypeError from Intl, a RangeError from a Date, a hang).
 *
 * The option names come from the documentation's tables (README.md, docs/client.md), so an option
 * documented there is fuzzed, and one added without a row in the table fails the "accepted as an
 * option" check here.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import Bottleneck from 'bottleneck';
import { ExotelClient, buildCallQuery, createCallStream, memoryStore } from '../../src/index.js';
import type { CallStreamOptions, ExotelClientOptions } from '../../src/index.js';
import { SimulatorDispatcher, createSimulator } from '../../src/simulator/index.js';

const RUNS = process.env.SOAK ? 2_000 : 150;
const root = new URL('../../', import.meta.url);

/** The option names in the first column of the first table under `heading` in a markdown file. */
function documentedOptions(file: string, heading: string): string[] {
  const text = readFileSync(new URL(file, root), 'utf8');
  const section = text.slice(text.indexOf(heading));
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0]!;
  return [...table.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);
}

/**
 * Keys of generated objects: names a user could type. (A key made of a backtick, or empty, is
 * refused too, but its message quotes it as it is: `` `filters.`` ``.)
 */
const key = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,11}$/);

/** Values of every kind, the odd ones (NaN, -0, huge, control characters, symbols, functions) included. */
const anyValue = fc.oneof(
  fc.anything({ key, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }),
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, -1, 0, 0.5, 1, 2 ** 31, 2 ** 53, Number.MAX_VALUE, '', ' ', '\u0000', 'x'.repeat(10_000), [], {}, () => 1, Symbol('s'), 10n, new Date(NaN), new Date(0), null, true, false, [1, 2], ['inbound'], { gte: 1 }),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.array(fc.string(), { maxLength: 8 }),
);

/**
 * Either returns, or throws an ERR_INVALID_OPTION whose message names an option in backticks
 * (`Expected \`x\` to be …`) and mentions `name` (or a part of it: `filters.to`): a bound that
 * depends on another option may be reported on the other one, naming both (`lookbackMs` larger
 * than `pollIntervalMs`). With `name` undefined, any option may be named.
 */
function expectClearOrAccepted(attempt: () => void, name: string | undefined, value: unknown): void {
  try {
    attempt();
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    const shown = (() => {
      try {
        return String(value);
      } catch {
        return typeof value;
      }
    })();
    const context = `${name ?? 'options'} = ${shown}: ${String(e.message)}\n${(error as Error).stack}`;
    expect(e.code, context).toBe('ERR_INVALID_OPTION');
    expect(String(e.message), context).toMatch(/^Expected `[^`]+` to be /);
    if (name !== undefined) expect(String(e.message), context).toMatch(new RegExp(`\`${name}(\\.|\\[|\`)`));
  }
}

const sim = createSimulator();
const dispatcher = new SimulatorDispatcher(sim);
const base: CallStreamOptions = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:9', dispatcher, store: memoryStore() };

describe('fuzz: every option of createCallStream', () => {
  const names = documentedOptions('README.md', '## Options');

  it('reads the documented options, and each is an option createCallStream knows', () => {
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      try {
        createCallStream({ ...base, [name]: Symbol('probe') } as never);
      } catch (error) {
        expect((error as Error).message).not.toMatch(/not an option/);
      }
    }
  });

  it.each(names)('`%s`: any value is taken or refused by name', async (name) => {
    const made: Array<{ stop(): Promise<void> }> = [];
    fc.assert(
      fc.property(anyValue, (value) => {
        // `baseUrl` and `subdomain` exclude each other: fuzz `subdomain` without the base's `baseUrl`.
        const options = { ...base, ...(name === 'subdomain' ? { baseUrl: undefined } : {}), [name]: value } as CallStreamOptions;
        expectClearOrAccepted(() => void made.push(createCallStream(options)), name, value);
      }),
      { numRuns: RUNS },
    );
    await Promise.all(made.map((s) => s.stop()));
  });

  it('`filters`: any value of each filter, alone or in lists, is taken or refused by name', async () => {
    const made: Array<{ stop(): Promise<void> }> = [];
    const filter = fc.constantFrom('direction', 'phoneNumber', 'to', 'from', 'status');
    fc.assert(
      fc.property(filter, fc.oneof(anyValue, fc.array(anyValue, { maxLength: 7 })), fc.dictionary(key, anyValue, { maxKeys: 2 }), (key, value, extra) => {
        expectClearOrAccepted(() => void made.push(createCallStream({ ...base, filters: { [key]: value } as never })), 'filters', value);
        expectClearOrAccepted(() => void made.push(createCallStream({ ...base, filters: { ...extra, [key]: value } as never })), 'filters', extra);
      }),
      { numRuns: RUNS },
    );
    await Promise.all(made.map((s) => s.stop()));
  });

  it('options that are not an object, and a limiter or store of the wrong shape', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        expectClearOrAccepted(() => void createCallStream(value as never), undefined, value);
      }),
      { numRuns: RUNS },
    );
    expectClearOrAccepted(() => void createCallStream({ ...base, limiter: new Bottleneck() as never, store: { load: 1 } as never }), 'store', { load: 1 });
  });
});

describe('fuzz: every option of ExotelClient', () => {
  const names = documentedOptions('docs/client.md', '## `new ExotelClient(options)`');
  const clientBase: ExotelClientOptions = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: 'http://127.0.0.1:9', dispatcher };

  it('reads the documented options, and each is an option the client knows', () => {
    expect(names.length).toBeGreaterThan(12);
    for (const name of names) {
      try {
        void new ExotelClient({ ...clientBase, [name]: Symbol('probe') } as never).close();
      } catch (error) {
        expect((error as Error).message).not.toMatch(/not an option/);
      }
    }
  });

  it.each(names)('`%s`: any value is taken or refused by name', async (name) => {
    const made: ExotelClient[] = [];
    fc.assert(
      fc.property(anyValue, (value) => {
        const options = { ...clientBase, ...(name === 'subdomain' ? { baseUrl: undefined } : {}), [name]: value } as ExotelClientOptions;
        expectClearOrAccepted(() => void made.push(new ExotelClient(options)), name, value);
      }),
      { numRuns: RUNS },
    );
    await Promise.all(made.map((c) => c.close()));
  });
});

describe('fuzz: every field of a CallQuery', () => {
  const fields = ['sid', 'dateCreated', 'to', 'from', 'phoneNumber', 'status', 'duration', 'price', 'direction', 'pageSize', 'sortBy', 'before', 'after', 'details'];
  const range = fc.record({ gte: anyValue, lte: anyValue, eq: anyValue }, { requiredKeys: [] });

  it.each(fields)('`query.%s`: any value (and any range) is encoded or refused by name', (field) => {
    fc.assert(
      fc.property(fc.oneof(anyValue, range, fc.array(anyValue, { maxLength: 6 })), (value) => {
        expectClearOrAccepted(() => void buildCallQuery({ [field]: value } as never, { timeZone: 'Asia/Kolkata' }), 'query', value);
      }),
      { numRuns: RUNS },
    );
  });

  it('the query itself, and the context', () => {
    fc.assert(
      fc.property(anyValue, anyValue, (query, zone) => {
        expectClearOrAccepted(() => void buildCallQuery(query as never, { timeZone: 'Asia/Kolkata' }), undefined, query);
        expectClearOrAccepted(() => void buildCallQuery({}, { timeZone: zone as never }), 'timeZone', zone);
      }),
      { numRuns: RUNS },
    );
  });
});
