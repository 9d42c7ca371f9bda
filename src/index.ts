// The public barrel: every export by name.

// --- exotel/: the API boundary -------------------------------------------------------------
export type {
  Call,
  CallDetails,
  CallDirection,
  CallListMetadata,
  CallStatus,
  LegStatus,
  OngoingCallStatus,
  RawCall,
  RawCallDetails,
  RawCallListResponse,
  RawCallResponse,
  RawNumber,
  RawRestException,
} from './exotel/types.js';
export { formatNaive, parseNaive, parseNaiveMs, zoneOffsetMs } from './exotel/time.js';
