import type { Call, CallStatus } from '../../src/exotel/types.js';

/** A normalized call for engine tests; unset values are those of a settled completed call. */
export function makeCall(overrides: Partial<Call> & { sid: string }): Call {
  const dateCreated = overrides.dateCreated ?? new Date('2025-01-15T10:00:00Z');
  const status: CallStatus = overrides.status ?? 'completed';
  return {
    parentCallSid: null,
    accountSid: 'acme1',
    to: '+918047000002',
    from: '+919800000001',
    phoneNumber: '+918047000001',
    phoneNumberSid: null,
    status,
    direction: 'inbound',
    dateCreated,
    dateUpdated: new Date(dateCreated.getTime() + 90_000),
    startTime: dateCreated,
    endTime: new Date(dateCreated.getTime() + 30_000),
    duration: 30,
    price: 1.5,
    answeredBy: 'human',
    forwardedFrom: null,
    callerName: null,
    uri: `/v1/Accounts/acme1/Calls/${overrides.sid}`,
    recordingUrl: null,
    raw: { Sid: overrides.sid, DateCreated: '2025-01-15 15:30:00', Status: status },
    ...overrides,
  };
}

/** The same call before the API filled in its asynchronous fields. */
export function unsettled(call: Call): Call {
  return { ...call, duration: null, price: null, endTime: null };
}
