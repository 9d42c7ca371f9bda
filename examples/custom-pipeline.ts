/**
 * Builds a call pipeline from the exported parts instead of `createCallStream`: here, only
 * inbound calls, emitted as one line each, with the state kept in memory. Runs against the
 * simulator and exits after a few events.
 * Run: npx tsx examples/custom-pipeline.ts
 */
import { defer, filter, from, map, share, take } from 'rxjs';
import { createSimulator } from '../src/simulator/index.js';
import { ExotelClient } from '../src/exotel/client.js';
import { CallTracker } from '../src/engine/tracker.js';
import { ReadPlanner } from '../src/engine/planner.js';
import { defaultIsSettled } from '../src/engine/settle.js';
import { memoryStore } from '../src/stores/memoryStore.js';
import { pollEvery } from '../src/operators/pollEvery.js';
import { readPlanned } from '../src/operators/readPlanned.js';
import { normalizeRecords } from '../src/operators/normalizeRecords.js';
import { trackCalls } from '../src/operators/trackCalls.js';
import { persistState } from '../src/operators/persistState.js';
import { ofEventType } from '../src/operators/ofEventType.js';

const sim = createSimulator({ seed: 7, settleDelayMs: 1_000 });
const { url } = await sim.listen();
const started = Date.now();
for (let i = 0; i < 6; i++) {
  sim.addCall({ startAt: started - (12 - i) * 60_000, talkMs: 20_000 + i * 5_000, direction: i % 2 === 0 ? 'inbound' : 'outbound-api' });
}

const timeZone = 'Asia/Kolkata';
const client = new ExotelClient({ accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: url, timeZone });
const planner = new ReadPlanner({ pollIntervalMs: 2_000, lookbackMs: 3_600_000, pageSize: 100, maxRequestsPerMinute: 200, details: false, filters: { direction: 'inbound' } });
const tracker = new CallTracker({ settleMs: 60_000, isSettled: defaultIsSettled, lookbackMs: 3_600_000 });
const store = memoryStore();
// The API's clock: ours plus the offset the client read from the `Date` headers.
const now = () => Date.now() + client.clockOffsetMs;

planner.begin(null, now());
const events$ = pollEvery(2_000, () =>
  defer(() =>
    from(planner.plan(now(), tracker.heldSids())).pipe(
      readPlanned({
        client,
        onComplete: (read, result) => planner.complete(read, result, now()),
        onError: (error) => console.warn('read failed, planned again:', (error as Error).message),
      }),
      normalizeRecords({ timeZone, details: false, onError: (error) => console.warn('skipped:', error.message) }),
      trackCalls(tracker, now, { keepFrom: () => planner.oldestPlanned() }),
      persistState({ store, state: () => ({ version: 1, checkpoint: planner.checkpoint(), emitted: tracker.emittedState() }) }),
    ),
  ),
).pipe(share());

events$
  .pipe(
    ofEventType('callCompleted'),
    filter((call) => call.direction === 'inbound'),
    map((call) => `${call.dateCreated.toISOString()} ${call.from} → ${call.phoneNumber}: ${call.duration}s, ${call.price}`),
    take(3),
  )
  .subscribe({
    next: (line) => console.log(line),
    complete: async () => {
      // take(3) unsubscribed the poller (share() resets on refcount zero): close what it used.
      await client.close();
      await sim.close();
    },
  });
