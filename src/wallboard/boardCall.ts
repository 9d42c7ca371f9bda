/**
 * The slice of a call that the wallboard shows. Everything else (raw record, URIs, recording
 * links that may carry signed tokens, the account Sid) stays on the server.
 */
import type { Call, CallStatus } from '../exotel/types.js';

/** A call as the wallboard page receives it: JSON-safe, no raw record, customer number masked. */
export interface BoardCall {
  sid: string;
  status: CallStatus;
  direction: string | null;
  /** The customer's number (`from` for inbound calls, `to` otherwise), masked: `+9198•••••210`. */
  customer: string | null;
  /** The ExoPhone the call went through. */
  exophone: string | null;
  /** When the call ended (or started, when the end is not known yet), epoch ms. */
  at: number;
  /** Seconds of talk: leg-wise conversation duration when known, else the call's duration. */
  talkSeconds: number | null;
  price: number | null;
}

/** Keeps the first 5 and the last 3 characters of a number, dots in between. */
export function maskNumber(value: string | null): string | null {
  if (value === null || value === '') return null;
  if (value.length <= 8) return `${value.slice(0, 2)}${'•'.repeat(Math.max(0, value.length - 2))}`;
  return `${value.slice(0, 5)}${'•'.repeat(value.length - 8)}${value.slice(-3)}`;
}

/** The instant a call is counted at: its end, else its start, else its creation. */
export function callInstant(call: Call): number {
  const at = call.endTime ?? call.startTime ?? call.dateCreated;
  return at.getTime();
}

/** Talk time: conversation duration from the leg details when present, else `duration`. */
export function talkSeconds(call: Call): number | null {
  const conversation = call.details?.conversationDuration;
  if (typeof conversation === 'number' && Number.isFinite(conversation)) return conversation;
  return typeof call.duration === 'number' && Number.isFinite(call.duration) ? call.duration : null;
}

/** Reduces a call to what the wallboard shows. */
export function toBoardCall(call: Call, maskNumbers = true): BoardCall {
  const customerRaw = call.direction === 'inbound' || call.direction === null ? call.from : call.to;
  return {
    sid: call.sid,
    status: call.status,
    direction: call.direction,
    customer: maskNumbers ? maskNumber(customerRaw) : customerRaw,
    exophone: call.phoneNumber,
    at: callInstant(call),
    talkSeconds: talkSeconds(call),
    price: typeof call.price === 'number' && Number.isFinite(call.price) ? call.price : null,
  };
}
