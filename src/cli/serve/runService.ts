/**
 * Runs the service: the call stream, the sinks, the wallboard and the health/metrics port, until
 * SIGTERM/SIGINT or a fatal error. Shutdown drains: the stream stops first (no new events, the
 * store saved), then the sinks deliver what they hold for up to `shutdown.drainTimeout`, then
 * everything closes. What a sink could not deliver stays in its outbox for the next start.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Sink } from '../../sinks/types.js';
import type { CallStreamEvent, CallStreamOptions } from '../../stream/types.js';
import type { WallboardServer } from '../../wallboard/createWallboardServer.js';
import type { CliContext } from '../context.js';
import { ExitCode, exitCodeFor } from '../exitCodes.js';
import type { ServiceConfig } from './loadServiceConfig.js';
import { startHealthServer, type HealthServer } from './startHealthServer.js';
import { readiness } from './readiness.js';
import { createServiceMetrics } from './createServiceMetrics.js';
import { connectRedis } from './connectRedis.js';
import { startCallbackServer, type CallbackServer } from './startCallbackServer.js';
import type { StatusCallbackHandler } from '../../hints/types.js';

export async function runService(config: ServiceConfig, context: CliContext, log: Logger): Promise<number> {
  const [{ createCallStream }, { fileStore }, { createWebhookForwarder }, { ndjsonFileSink }, { createWallboardServer }] = await Promise.all([
    import('../../stream/createCallStream.js'),
    import('../../stores/fileStore.js'),
    import('../../sinks/createWebhookForwarder.js'),
    import('../../sinks/ndjsonFileSink.js'),
    import('../../wallboard/createWallboardServer.js'),
  ]);
  await mkdir(config.dataDir, { recursive: true });

  const { account } = config;
  const options: CallStreamOptions = {
    accountSid: account.accountSid,
    apiKey: account.apiKey,
    apiToken: account.apiToken,
    ...(account.baseUrl === undefined ? { subdomain: account.subdomain ?? 'api.exotel.com' } : { baseUrl: account.baseUrl }),
    timeZone: account.timeZone,
    ...config.stream,
    store: fileStore(config.storePath),
  };
  const stream = createCallStream(options);
  const sinks: Sink[] = [];
  let board: WallboardServer | undefined;
  let health: HealthServer | undefined;
  let callbackServer: CallbackServer | undefined;
  let redisClose: (() => Promise<void>) | undefined;
  let fatal: unknown;
  let endService!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => {
    endService = resolve;
  });

  const ready = () => readiness(stream.status(), config.readiness.maxLagMs);
  try {
    const redis = config.redis ? await connectRedis(config.redis.url, log) : undefined;
    redisClose = redis?.close;
    const { redisStreamOutbox } = await import('../../sinks/RedisStreamOutbox.js');
    const { redisStreamSink } = await import('../../sinks/redisStreamSink.js');
    for (const w of config.sinks.webhooks) {
      // On Redis the outbox is a Redis Stream: a replacement process delivers what this one left.
      const outbox = redis ? redisStreamOutbox({ redis: redis.client, key: `exotel-calls:${account.accountSid}:${w.name}:outbox` }) : undefined;
      if (outbox) log.info({ sink: w.name, outbox: outbox.key, pending: await outbox.refresh() }, 'webhook outbox on Redis');
      sinks.push(
        createWebhookForwarder({
          name: w.name,
          url: w.url,
          secret: w.secret,
          ...(outbox ? { outbox, deadLetterPath: `${w.outboxPath}.dead.ndjson` } : { outboxPath: w.outboxPath }),
          maxAttempts: w.maxAttempts,
          requestTimeoutMs: w.timeoutMs,
          retry: { minDelayMs: w.minDelayMs, maxDelayMs: w.maxDelayMs },
        }),
      );
    }
    for (const f of config.sinks.files) {
      sinks.push(ndjsonFileSink({ name: f.name, path: f.path, rotate: f.rotate === false ? false : { ...f.rotate } }));
    }
    for (const r of config.sinks.redisStreams) {
      sinks.push(
        redisStreamSink({ name: r.name, redis: redis!.client, key: r.key, maxLen: r.maxLen, ...(r.group ? { group: r.group } : {}), outboxPath: r.outboxPath, maxAttempts: r.maxAttempts }),
      );
    }
    for (const sink of sinks) {
      sink.on('retry', (c) => log.warn({ sink: c.sink, key: c.key, attempt: c.attempt, status: c.status, delayMs: c.delayMs, reason: c.reason }, 'delivery failed, retrying'));
      sink.on('deadLetter', (c) => log.error({ sink: c.sink, key: c.key, attempt: c.attempt, status: c.status, reason: c.reason }, 'delivery given up: dead-letter record written'));
      sink.on('delivered', (c) => log.debug({ sink: c.sink, key: c.key, attempt: c.attempt }, 'delivered'));
      sink.on('error', (error) => log.error({ sink: sink.name, err: error }, 'sink error'));
    }
    let callbacks: StatusCallbackHandler | undefined;
    if (config.hints.enabled) {
      const { createStatusCallbackHandler } = await import('../../hints/createStatusCallbackHandler.js');
      callbacks = createStatusCallbackHandler(stream, {
        timeZone: account.timeZone,
        ...(config.hints.secret === undefined ? {} : { secret: config.hints.secret }),
        onResult: (r) => {
          // The Sid and the reason, never the URL (its secret) nor the body.
          const fields = { sid: r.hint?.sid, status: r.status, reason: r.reason, eventType: r.eventType };
          if (r.outcome === 'accepted' || r.status === 200) log.debug(fields, r.outcome === 'accepted' ? 'hint taken' : (r.message ?? 'hint not taken'));
          else log.warn(fields, `status callback refused: ${r.message ?? r.reason}`);
        },
      });
    }
    const metrics = createServiceMetrics({ prefix: config.metrics.prefix, stream, sinks, leaseHeld: () => true, ready: () => ready().ready, hints: callbacks?.stats });
    // Each sink is handed every event before the stream saves its store (the stream emits, then saves).
    const deliver = (event: CallStreamEvent) => {
      metrics.observe(event);
      for (const sink of sinks) {
        sink.enqueue(event).catch((error: unknown) => log.error({ sink: sink.name, err: error, type: event.type, sid: event.call.sid }, 'the sink could not accept an event'));
      }
    };
    const events = stream.events$.subscribe({
      next: deliver,
      error: (error: unknown) => {
        fatal = error;
        endService('fatal');
      },
      complete: () => endService('complete'),
    });
    const errors = stream.errors$.subscribe((error) => {
      const fields = { code: error.code, status: error.status, fatal: error.fatal };
      if (error.fatal) log.fatal(fields, error.message);
      else log.warn(fields, error.message);
    });

    const onOwnPort = callbacks !== undefined && config.hints.port !== undefined;
    health = await startHealthServer({
      host: config.http.host,
      port: config.http.port,
      status: () => stream.status(),
      readiness: ready,
      metrics,
      callbacks: callbacks && !onOwnPort ? { path: config.hints.path, handler: callbacks } : undefined,
    });
    if (callbacks && onOwnPort) {
      callbackServer = await startCallbackServer({ host: config.hints.host ?? config.http.host, port: config.hints.port!, path: config.hints.path, handler: callbacks });
    }
    if (config.wallboard.enabled) {
      board = await createWallboardServer({ stream, host: config.wallboard.host, port: config.wallboard.port, timeZone: account.timeZone, title: config.wallboard.title, theme: config.wallboard.theme });
    }
    log.info(
      {
        account: account.accountSid,
        api: account.baseUrl ?? `https://${account.subdomain ?? 'api.exotel.com'}`,
        http: health.url,
        // The path only: the secret that follows it stays out of the log.
        statusCallbacks: callbacks ? (callbackServer?.url ?? `${health.url.replace(/\/$/, '')}${config.hints.path}`) : null,
        wallboard: board?.url ?? null,
        sinks: sinks.map((s) => s.name),
        pending: Object.fromEntries(sinks.map((s) => [s.name, s.pending])),
        store: config.storePath,
        maxLagMs: config.readiness.maxLagMs,
      },
      'serving',
    );
    void context.shutdown.then((signal) => endService(signal));
    const reason = await ended;
    log.info({ reason }, reason === 'fatal' ? 'the stream failed, stopping' : 'stopping');
    // 1. No new events; the store is saved.
    await stream.stop();
    events.unsubscribe();
    errors.unsubscribe();
    // 2. Deliver what is held, within the drain timeout.
    const pendingBefore = Object.fromEntries(sinks.map((s) => [s.name, s.pending]));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([
      Promise.all(sinks.map((s) => s.drain())).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdown.drainTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    log.info({ drained, pendingBefore, pendingAfter: Object.fromEntries(sinks.map((s) => [s.name, s.pending])) }, drained ? 'sinks drained' : 'drain timed out: undelivered events stay in the outboxes for the next start');
  } catch (error) {
    fatal ??= error;
  } finally {
    await stream.stop().catch(() => undefined);
    for (const sink of sinks) await sink.stop().catch((error: unknown) => log.error({ sink: sink.name, err: error }, 'sink stop failed'));
    await redisClose?.().catch(() => undefined);
    await board?.close();
    await callbackServer?.close();
    await health?.close();
  }
  if (fatal !== undefined) {
    const code = exitCodeFor(fatal);
    log.fatal({ err: fatal, exitCode: code }, 'stopped on an error');
    throw fatal;
  }
  log.info({ exitCode: ExitCode.ok }, 'stopped');
  return ExitCode.ok;
}
