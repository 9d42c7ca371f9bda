// Builds normalized calls and stream events for wallboard tests.
import { Subject } from 'rxjs';
import type { Call, CallStatus, RawCall } from '../../src/exotel/types.js';
import type { ExotelError } from '../../src/exotel/errors.js';
import type { CallStreamEvent } from '../../src/stream/types.js';

let counter = 0;

export interface CallSpec {
  sid?: string;
  status?: CallStatus;
  end: number;
  duration?: number | null;
  price?: number | null;
  direction?: Call['direction'];
  from?: string;
  to?: string;
  conversation?: number | null;
  /** The ExoPhone (the line). */
  phoneNumber?: string;
}

export function makeCall(spec: CallSpec): Call {
  counter += 1;
  const sid = spec.sid ?? `sid${String(counter).padStart(6, '0')}`;
  const duration = spec.duration === undefined ? 60 : spec.duration;
  const start = spec.end - (duration ?? 30) * 1000;
  const raw: RawCall = { Sid: sid, DateCreated: 'x', Status: spec.status ?? 'completed', RecordingUrl: 'https://recordings.example/secret-token-xyz' };
  const call: Call = {
    sid,
    parentCallSid: null,
    accountSid: 'acme1',
    to: spec.to ?? '+918047000001',
    from: spec.from ?? '+919876543210',
    phoneNumber: spec.phoneNumber ?? '+918047000001',
    phoneNumberSid: null,
    status: spec.status ?? 'completed',
    direction: spec.direction === undefined ? 'inbound' : spec.direction,
    dateCreated: new Date(start),
    dateUpdated: new Date(spec.end),
    startTime: new Date(start),
    endTime: new Date(spec.end),
    duration,
    price: spec.price === undefined ? 1.5 : spec.price,
    answeredBy: null,
    forwardedFrom: null,
    callerName: null,
    uri: `/v1/Accounts/acme1/Calls/${sid}.json`,
    recordingUrl: 'https://recordings.example/secret-token-xyz',
    raw,
  };
  if (spec.conversation !== undefined) {
    call.details = { conversationDuration: spec.conversation, leg1Status: null, leg2Status: null, legs: [] };
  }
  return call;
}

export function ended(call: Call): CallStreamEvent {
  return call.status === 'completed' ? { type: 'callCompleted', call } : { type: 'callFailed', call };
}

export function updated(previous: Call, patch: Partial<Call>): CallStreamEvent {
  const call = { ...previous, ...patch };
  return { type: 'callUpdated', call, previous, changes: Object.keys(patch) };
}

/** A CallStreamLike-shaped source driven by hand. */
export function subjectStream() {
  const events$ = new Subject<CallStreamEvent>();
  const errors$ = new Subject<ExotelError>();
  return { events$, errors$ };
}
