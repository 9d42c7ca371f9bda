import { filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Call } from '../exotel/types.js';
import type { CallStreamEvent, CallUpdate } from '../engine/types.js';

/** What `ofEventType(type)` emits for each event type. */
export interface EventPayloads {
  callCompleted: Call;
  callFailed: Call;
  callUpdated: CallUpdate;
}

/**
 * Keeps the events of one `type` and unwraps them: the `Call` of a `callCompleted` or
 * `callFailed`, the `{ call, previous, changes }` of a `callUpdated`.
 *
 * @example
 * stream.events$.pipe(ofEventType('callFailed')).subscribe((call) => alert(call.sid));
 */
export function ofEventType<K extends keyof EventPayloads>(type: K): OperatorFunction<CallStreamEvent, EventPayloads[K]> {
  return (source) =>
    source.pipe(
      filter((event) => event.type === type),
      map((event) => {
        if (event.type === 'callUpdated') {
          const { call, previous, changes } = event;
          return { call, previous, changes } as EventPayloads[K];
        }
        return event.call as EventPayloads[K];
      }),
    );
}
