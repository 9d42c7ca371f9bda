/**
 * Builds a call pipeline from the exported parts instead of `createCallStream`: here, only
 * inbound calls, emitted as one line each, with the state kept in memory. Runs against the
 * simulator and exits after a few events.
 * Run: npx tsx examples/custom-pipeline.ts
 */
import { defer, filter, from, map, share, take } from 'rxjs';
import { ExotelClient, CallTracker, ReadPlanner, defaultIsSettled, memoryStore, pollEvery, readPlanned, normalizeRecords, trackCalls, persistState, ofEventType } from 'exotel-call-stream';
import { createSimulator } from 'exotel-call-stream/simulator';

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
      normalizeRecords({
        timeZone,
        details: false,
        onError: (error) => console.warn('skipped:', error.message),
        // Re-reads with nothing tracked changed (most reads) are dropped before a Call is built.
        unchanged: (raw) => tracker.unchanged(raw, { timeZone, details: false }),
      }),
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
