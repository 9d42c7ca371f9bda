/**
 * Number arbitraries that cover the middle of their range. fast-check's own crowd the ends: its
 * doubles are even over the floats' bit patterns (most drawn from [0, 1] are under 1e-100), its
 * integers lean to the bounds. Good at corners, blind to the middle. These keep that lean one draw
 * in four; the rest are even in value (`fc.noBias` of an integer).
 */
import fc from 'fast-check';

const STEPS = 2 ** 30;

/** `arb` one draw in four, else `fc.noBias(arb)` (for integers: even over the range). */
export const spread = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 1, arbitrary: arb }, { weight: 3, arbitrary: fc.noBias(arb) });

/** A number in `[min, max]`: near the ends one draw in four, else even over the range. */
export const evenNumber = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
    { weight: 3, arbitrary: fc.noBias(fc.integer({ min: 0, max: STEPS })).map((k) => Math.min(max, min + ((max - min) * k) / STEPS)) },
  );

/** An integer spread evenly over the logarithm of `[min, max]` (both > 0). */
export const logInteger = (min: number, max: number): fc.Arbitrary<number> =>
  evenNumber(Math.log(min), Math.log(max)).map((x) => Math.min(max, Math.max(min, Math.round(Math.exp(x)))));
