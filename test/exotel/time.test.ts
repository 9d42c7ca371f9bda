import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseNaiveMs, zoneShiftMs } from '../../src/exotel/time.js';

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

// The reader of naive timestamps against a model that shares none of its code: a regex,
// `Date.UTC` and the zone's offset straight from Intl (two passes around a change), as the
// timestamps were first read. The reader takes the digits itself and remembers offsets per
// quarter-hour; whatever the text, zone or year, both must agree.
describe('parseNaiveMs', () => {
  const offsetAt = (utcMs: number, timeZone: string): number => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(Math.floor(utcMs / 900_000) * 900_000));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utcMs / 900_000) * 900_000;
  };
  const model = (text: string, timeZone: string): number | undefined => {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text);
    if (!m) return undefined;
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
    const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
    if (new Date(asUtc).getUTCDate() !== d) return undefined;
    return asUtc - offsetAt(asUtc - offsetAt(asUtc, timeZone), timeZone);
  };
  const zones = ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Monrovia'];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  it('reads every timestamp as the model does: any date and time, daylight-saving changes, invalid days and digits', () => {
    const texts = fc.oneof(
      // Plausible timestamps, including 30 February, hour 24, minute 60 and the years before 1980.
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom(' ', 'T', '_'))
        .map(([y, mo, d, h, mi, s, sep]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${sep}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`),
      // Around the daylight-saving changes of recent years, minute by minute.
      fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ')),
      // Anything 19 characters long, and shorter or longer.
      fc.string({ minLength: 17, maxLength: 21 }),
    );
    fc.assert(
      fc.property(texts, fc.constantFrom(...zones), (text, zone) => {
        expect(parseNaiveMs(text, zone)).toBe(model(text, zone));
      }),
      { numRuns: 3000, seed: 7 },
    );
  });

  it('reads the hours a daylight-saving change skips and repeats as the model does', () => {
    // New York: 2026-03-08 02:00 does not exist, 2026-11-01 01:00 to 02:00 happens twice.
    for (const text of ['2026-03-08 01:59:59', '2026-03-08 02:00:00', '2026-03-08 02:30:00', '2026-03-08 03:00:00', '2026-11-01 00:59:59', '2026-11-01 01:00:00', '2026-11-01 01:30:00', '2026-11-01 02:00:00']) {
      expect(parseNaiveMs(text, 'America/New_York'), text).toBe(model(text, 'America/New_York'));
    }
    expect(parseNaiveMs('2026-03-08 03:00:00', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7));
  });
});
