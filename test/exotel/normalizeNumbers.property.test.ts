import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeCall } from '../../src/exotel/normalizeCall.js';

const record = (price: unknown) => ({ Sid: 'CA1', DateCreated: '2026-01-15 10:00:00', Status: 'completed', Price: price });

/** The documented reading: `-?\d+(\.\d+)?` after trimming, as `Number` reads it; "" and blanks are null. */
function expected(text: string): number | null | 'throws' {
  const t = text.trim();
  if (t === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(t)) return 'throws';
  const n = Number(t);
  return Number.isFinite(n) ? n : 'throws';
}

function actual(text: string): number | null | 'throws' {
  try {
    return normalizeCall(record(text), { timeZone: 'Asia/Kolkata' }).price;
  } catch {
    return 'throws';
  }
}

const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9'), minLength: 1, maxLength: max });

describe('normalizeCall: numeric strings', () => {
  it('reads decimals exactly as Number does, short and long, signed, padded or not', () => {
    const decimal = fc
      .tuple(fc.constantFrom('', '-', ' ', '+'), digits(20), fc.option(digits(20), { nil: undefined }), fc.constantFrom('', ' ', '.'))
      .map(([sign, int, frac, tail]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}${tail}`);
    const noise = fc.string({ unit: fc.constantFrom('0', '7', '.', '-', ':', '/', 'e', ' ', '+'), maxLength: 8 });
    fc.assert(
      fc.property(fc.oneof(decimal, noise), (text) => {
        const want = expected(text);
        const got = actual(text);
        expect(Object.is(got, want) || got === want, `${JSON.stringify(text)}: ${String(got)} vs ${String(want)}`).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the sign of zero and the rounding of long fractions', () => {
    expect(Object.is(actual('-0'), -0)).toBe(true);
    expect(Object.is(actual('-0.000'), -0)).toBe(true);
    expect(actual('0.1')).toBe(0.1);
    expect(actual('123456789012345')).toBe(123456789012345);
    expect(actual('1234567890123456789')).toBe(1234567890123456789);
    expect(actual('9007199254740993')).toBe(Number('9007199254740993'));
    expect(actual('0.30000000000000004')).toBe(0.30000000000000004);
    expect(actual('1.')).toBe('throws');
    expect(actual('.5')).toBe('throws');
    expect(actual('6:')).toBe('throws');
  });
});
