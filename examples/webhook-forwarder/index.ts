/**
 * Call events as signed webhooks: the Exotel simulator, a call stream polling it, the forwarder
 * posting each event to a receiver that verifies and de-duplicates them.
 *
 *   npx tsx examples/webhook-forwarder/index.ts      # Ctrl-C stops; run again to see the outbox resume
 *
 * Environment: WEBHOOK_SECRET (default: a demo secret), OUTBOX (default ./webhooks.outbox.jsonl).
 */
import { pathToFileURL } from 'node:url';
import { createCallStream, createWebhookForwarder, type EventBody, type WebhookForwarder } from 'exotel-call-stream';
import { createSimulator } from 'exotel-call-stream/simulator';
import { createWebhookReceiver, type WebhookReceiver } from './createWebhookReceiver.js';

export interface WebhookDemoOptions {
  outboxPath: string;
  secret?: string;
  callsPerMinute?: number;
  pollIntervalMs?: number;
  /** Called for each event the receiver accepts. */
  onReceived?: (event: EventBody) => void;
}

export interface WebhookDemo {
  forwarder: WebhookForwarder;
  receiver: WebhookReceiver;
  receiverUrl: string;
  close(): Promise<void>;
}

export async function startWebhookDemo(options: WebhookDemoOptions): Promise<WebhookDemo> {
  const secret = options.secret ?? 'demo-secret-change-me-0123456789';
  const sim = createSimulator({
    traffic: { callsPerMinute: options.callsPerMinute ?? 30, startAt: Date.now() - 10 * 60_000, mix: { meanTalkSec: 30, longShare: 0, veryLongShare: 0 } },
    settleDelayMs: { min: 1_000, max: 5_000 },
    rateLimit: false,
  });
  const { url: apiUrl } = await sim.listen();
  const receiver = createWebhookReceiver({ secret, onEvent: (event) => options.onReceived?.(event) });
  const target = await receiver.listen();
  const stream = createCallStream({
    accountSid: 'acme1',
    apiKey: 'sim-key',
    apiToken: 'sim-token',
    baseUrl: apiUrl,
    pollIntervalMs: options.pollIntervalMs ?? 2_000,
    settleMs: 30_000,
    lookbackMs: 3600_000,
    maxRequestsPerMinute: 1_000,
  });
  const forwarder = createWebhookForwarder({ stream, url: target.url, secret, outboxPath: options.outboxPath });
  return {
    forwarder,
    receiver,
    receiverUrl: target.url,
    async close() {
      await forwarder.stop();
      await stream.stop();
      await target.close();
      await sim.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outboxPath = process.env.OUTBOX ?? './webhooks.outbox.jsonl';
  const demo = await startWebhookDemo({
    outboxPath,
    ...(process.env.WEBHOOK_SECRET ? { secret: process.env.WEBHOOK_SECRET } : {}),
    onReceived: (e) => console.log(`received ${e.type.padEnd(13)} ${e.call.sid} ${e.call.status} ${e.changes ? `changed ${e.changes.join(',')}` : ''}`),
  });
  demo.forwarder.on('retry', (c) => console.log(`retry ${c.key} in ${c.delayMs} ms (${c.status ?? c.error?.message})`));
  demo.forwarder.on('deadLetter', (c) => console.log(`gave up on ${c.key} (${c.reason})`));
  console.log(`Forwarding to ${demo.receiverUrl} with outbox ${outboxPath} (${demo.forwarder.pending} pending from a previous run). Ctrl-C to stop.`);
  const stop = () => {
    void demo.close().then(() => {
      console.log(`stopped; received ${demo.receiver.counts.accepted}, duplicates ${demo.receiver.counts.duplicates}`);
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
