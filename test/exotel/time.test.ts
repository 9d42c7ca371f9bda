import { describe, expect, it } from 'vitest';
import { zoneShiftMs } from '../../src/exotel/time.js';

describe('zoneShiftMs', () => {
  it('is the daylight-saving shift of the zone, 0 where there is none', () => {
    const at = Date.UTC(2026, 6, 1);
    expect(zoneShiftMs('Asia/Kolkata', at)).toBe(0);
    expect(zoneShiftMs('UTC', at)).toBe(0);
    expect(zoneShiftMs('Europe/London', at)).toBe(3_600_000);
    expect(zoneShiftMs('America/New_York', at)).toBe(3_600_000);
    expect(zoneShiftMs('Australia/Lord_Howe', at)).toBe(1_800_000);
  });
});
