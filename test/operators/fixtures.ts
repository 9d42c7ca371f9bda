import { normalizeCall } from '../../src/exotel/normalizeCall.js';
import type { Call, RawCall } from '../../src/exotel/types.js';

export const TZ = 'Asia/Kolkata';

/** A wire record; settled (Duration, Price, EndTime filled in) unless overridden. */
export function rawCall(sid: string, overrides: Partial<RawCall> = {}): RawCall {
  return {
    Sid: sid,
    DateCreated: '2026-01-15 10:00:00',
    DateUpdated: '2026-01-15 10:03:00',
    AccountSid: 'acme1',
    To: '+918047000001',
    From: '+919800000001',
    PhoneNumber: '+918047000001',
    Status: 'completed',
    StartTime: '2026-01-15 10:00:00',
    EndTime: '2026-01-15 10:01:00',
    Duration: '60',
    Price: '1.500',
    Direction: 'inbound',
    AnsweredBy: 'human',
    RecordingUrl: null,
    ...overrides,
  };
}

/** An ended call whose Duration/Price/EndTime have not been filled in yet. */
export function unsettledRaw(sid: string, overrides: Partial<RawCall> = {}): RawCall {
  return rawCall(sid, { Duration: '', Price: null, EndTime: '', ...overrides });
}

export function call(raw: RawCall): Call {
  return normalizeCall(raw, { timeZone: TZ });
}
