import { describe, expect, it } from 'vitest';
import { firstValueFrom, of, toArray } from 'rxjs';
import { MalformedRecordError } from '../../src/exotel/errors.js';
import { normalizeRecords } from '../../src/operators/normalizeRecords.js';
import type { RawCall } from '../../src/exotel/types.js';
import { TZ, rawCall } from './fixtures.js';

describe('normalizeRecords', () => {
  it('emits one normalized call per record, reports and skips a malformed one', async () => {
    const errors: MalformedRecordError[] = [];
    const pages = of(
      { calls: [rawCall('CA1'), rawCall('CA2', { Duration: 'twelve' })] },
      { calls: [{ DateCreated: 'x' } as unknown as RawCall, rawCall('CA3', { Details: { Leg1Status: 'completed', Leg2Status: null } })] },
    );
    const calls = await firstValueFrom(pages.pipe(normalizeRecords({ timeZone: TZ, details: true, onError: (e) => errors.push(e) }), toArray()));
    expect(calls.map((c) => c.sid)).toEqual(['CA1', 'CA3']);
    expect(calls[0]?.duration).toBe(60);
    expect(calls[0]?.dateCreated.toISOString()).toBe('2026-01-15T04:30:00.000Z');
    expect(calls[1]?.details?.leg1Status).toBe('completed');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(MalformedRecordError);
    expect(errors[0]?.sid).toBe('CA2');
    expect(errors[0]?.field).toBe('Duration');
    expect(errors[1]?.field).toBe('Sid');
  });

  it('leaves details out unless asked', async () => {
    const calls = await firstValueFrom(of({ calls: [rawCall('CA1', { Details: { Leg1Status: 'completed' } })] }).pipe(normalizeRecords({ timeZone: TZ, details: false }), toArray()));
    expect(calls[0]).not.toHaveProperty('details');
  });
});
