/**
 * Record and page shapes of Exotel's Bulk Call Details API (v1), as received on the wire, and the
 * normalized `Call` this library emits. Shared by the client (`src/exotel`) and the simulator.
 */

/** Overall status of an ended call. `completed` is a completed call; the others are failed calls. */
export type CallStatus = 'completed' | 'failed' | 'busy' | 'no-answer' | 'canceled';

/** Statuses of calls still in progress: accepted by the `Status` filter, never listed by the API. */
export type OngoingCallStatus = 'queued' | 'ringing' | 'in-progress';

/** `inbound`, `outbound-dial` (dialled from the dashboard) or `outbound-api` (API, campaigns). */
export type CallDirection = 'inbound' | 'outbound-dial' | 'outbound-api';

/** Status of one leg of a call; `null` when the leg was never attempted. */
export type LegStatus = 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

/** Values arrive as strings in some responses and as numbers in others; empty ones as `""` or null. */
export type RawNumber = string | number | null;

/** `Details` of a record when the request asked for `details=true`. */
export interface RawCallDetails {
  ConversationDuration?: RawNumber;
  Legs?: Array<{ Leg: { Id: RawNumber; OnCallDuration: RawNumber } }>;
  Leg1Status?: string | null;
  Leg2Status?: string | null;
  [field: string]: unknown;
}

/** One call record exactly as the API sends it (JSON). Naive timestamps `YYYY-MM-DD HH:mm:ss`. */
export interface RawCall {
  Sid: string;
  ParentCallSid?: string | null;
  DateCreated: string;
  DateUpdated?: string | null;
  AccountSid?: string;
  To?: string;
  From?: string;
  PhoneNumber?: string | null;
  PhoneNumberSid?: string | null;
  Status: string;
  StartTime?: string | null;
  EndTime?: string | null;
  Duration?: RawNumber;
  Price?: RawNumber;
  Direction?: string;
  AnsweredBy?: string | null;
  ForwardedFrom?: string | null;
  CallerName?: string | null;
  Uri?: string;
  RecordingUrl?: string | null;
  Details?: RawCallDetails;
  [field: string]: unknown;
}

/** `Metadata` of a list page. Some responses put the page URIs at the top level instead. */
export interface CallListMetadata {
  Total?: number;
  PageSize?: number;
  FirstPageUri?: string | null;
  PrevPageUri?: string | null;
  NextPageUri?: string | null;
}

/** The JSON body of `GET /v1/Accounts/<sid>/Calls.json`. */
export interface RawCallListResponse {
  Metadata?: CallListMetadata;
  Calls: RawCall[];
  FirstPageUri?: string | null;
  PrevPageUri?: string | null;
  NextPageUri?: string | null;
}

/** The JSON body of `GET /v1/Accounts/<sid>/Calls/<CallSid>.json`. */
export interface RawCallResponse {
  Call: RawCall;
}

/** The JSON body of an error: `{"RestException": {"Status": 400, "Message": "..."}}`. */
export interface RawRestException {
  RestException: { Status: number; Message: string; Code?: number | string };
}

/** Leg-wise details, normalized. */
export interface CallDetails {
  conversationDuration: number | null;
  leg1Status: LegStatus | null;
  leg2Status: LegStatus | null;
  legs: Array<{ id: number; onCallDuration: number | null }>;
}

/**
 * A call record, normalized: camelCase keys, numbers as numbers or null, empty strings as null,
 * timestamps as `Date` (read in the account's `timeZone`), and `raw`, the record exactly as received.
 */
export interface Call {
  sid: string;
  parentCallSid: string | null;
  accountSid: string | null;
  to: string | null;
  from: string | null;
  phoneNumber: string | null;
  phoneNumberSid: string | null;
  status: CallStatus;
  direction: CallDirection | null;
  dateCreated: Date;
  dateUpdated: Date | null;
  startTime: Date | null;
  endTime: Date | null;
  /** Seconds; null until the API has filled it in. */
  duration: number | null;
  /** In the account's billing currency; null until the API has filled it in. */
  price: number | null;
  /** Lower-cased (`human`): the API's casing varies (`HUMAN`, `Human`); `raw.AnsweredBy` keeps it. */
  answeredBy: string | null;
  forwardedFrom: string | null;
  callerName: string | null;
  uri: string | null;
  recordingUrl: string | null;
  /** Present when the stream or request asked for `details`. */
  details?: CallDetails;
  /** The record exactly as received. */
  raw: RawCall;
}
