/**
 * Subscribes to a call stream fed by the simulator, prints a few events and stops.
 * Run: npx tsx examples/subscribe.ts
 */
import { createCallStream } from 'exotel-call-stream';
import { createSimulator } from 'exotel-call-stream/simulator';

const sim = createSimulator({ seed: 42, settleDelayMs: 1_500 });
const { url } = await sim.listen();

// A few calls that ended a while ago (settled by now), and one that ends in a moment.
const now = Date.now();
sim.addCall({ startAt: now - 600_000, talkMs: 95_000 });
sim.addCall({ startAt: now - 420_000, status: 'busy' });
sim.addCall({ startAt: now - 300_000, talkMs: 30_000 });
// Ends in a second, settles 1.5 s later, and its price is corrected 2 s after that.
sim.addCall({ startAt: now - 1_000, ringMs: 1_000, talkMs: 1_000, corrections: [{ afterMs: 2_000, fields: { Price: 2.5 } }] });

const stream = createCallStream({
  accountSid: 'acme1',
  apiKey: 'sim-key',
  apiToken: 'sim-token',
  baseUrl: url,
  pollIntervalMs: 1_000,
  settleMs: 30_000,
});

let seen = 0;
const done = async () => {
  await stream.stop();
  await sim.close();
};
stream.events$.subscribe((event) => {
  const { call } = event;
  const what = event.type === 'callUpdated' ? `changed ${event.changes.join(', ')}` : `${call.status}, ${call.duration}s, price ${call.price}`;
  console.log(`${event.type.padEnd(13)} ${call.sid} ${what}`);
  // Four first emissions and the correction of one of them.
  if (++seen === 5) void done();
});
stream.errors$.subscribe((error) => console.warn(`${error.code}: ${error.message}`));
// Never wait forever, whatever happens.
setTimeout(() => void done(), 15_000).unref();
