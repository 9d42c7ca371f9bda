import type { Call } from '../exotel/types.js';

/** The event a call is first emitted as: `completed` → `callCompleted`; `failed`, `busy`, `no-answer`, `canceled` → `callFailed`. */
export function classifyCall(call: Call): 'callCompleted' | 'callFailed' {
  // Anything but `completed` is a failed call; normalization has already rejected unknown statuses.
  return call.status === 'completed' ? 'callCompleted' : 'callFailed';
}
