/**
 * `exotel-calls tail`: the account's call events, live. NDJSON on a pipe, a readable line per
 * event on a terminal; non-fatal errors as warnings on stderr; SIGINT/SIGTERM (or `--duration`)
 * stop the stream cleanly, saving `--store`.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidOptionError } from '../../exotel/errors.js';
import type { CallStream } from '../../stream/CallStream.js';
import type { CallStreamEvent, CallStreamLike, CallStreamOptions } from '../../stream/types.js';
import type { Command } from '../command.js';
import { clientConnection, connectionHelp, connectionOptions, describeHost, resolveConnection } from '../connection.js';
import type { CliContext } from '../context.js';
import { catchUpStore, type CatchUpInfo } from '../catchUpStore.js';
import { eventToJsonLine, formatEventLine } from '../format.js';
import { parseCommandArgs, parseDurationMs, type OptionSpecs } from '../parse.js';
import { probeApi } from '../probe.js';
import { joinThroughRedis } from '../joinThroughRedis.js';
import { redisHelp, redisOptions, redisSettingsFrom } from '../redisFlags.js';
import { runStream } from '../runStream.js';
import { FLAG_OF_OPTION, resolveTimeZone, streamHelp, streamOptions, streamOptionsFrom } from '../streamFlags.js';
import { UsageError } from '../UsageError.js';

const options = {
  ...connectionOptions,
  ...streamOptions,
  ...redisOptions,
  since: { type: 'string' },
  store: { type: 'string' },
  format: { type: 'string' },
  raw: { type: 'boolean' },
  duration: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionSpecs;

const help = `Usage: exotel-calls tail [options]

Streams the account's call events as they happen: callCompleted, callFailed, callUpdated.
On a pipe, one JSON object per line, ready for jq: {"type", "call", "previous"?, "changes"?},
timestamps in ISO 8601. On a terminal, one readable line per event.

  --since DUR             first catch up on calls that ended in the last DUR (e.g. 30m), then
                          go live; without it, only calls that end from now on are shown
  --store FILE            remember the checkpoint and emitted Sids in FILE: a restart resumes
                          where the last run stopped, emitting nothing twice
  --format ndjson|text    force the output format (default: text on a terminal, else ndjson)
  --no-raw                leave \`call.raw\` (the record as received) out of the JSON
  --duration DUR          stop by itself after DUR
  -q, --quiet             no warnings on stderr (fatal errors are still reported)

${streamHelp}

${redisHelp}

${connectionHelp}

Stops cleanly on SIGINT/SIGTERM (Ctrl-C), saving --store (with --redis: the state in Redis,
and a standby takes over at once).
Exit codes: 0 stopped, 1 failure, 2 bad usage, 3 bad credentials, 4 API (or Redis) unreachable.

Examples:
  exotel-calls tail --subdomain api.in.exotel.com --status failed,busy | jq .call.sid
  exotel-calls tail --to-number +919876543210 --direction outbound-api
  exotel-calls tail --since 30m --store ./calls.checkpoint.json --direction inbound
  EXOTEL_REDIS_URL=redis://:secret@10.0.0.5:6379 exotel-calls tail   # on each of several hosts
`;

/** A call's end as far as the record tells: EndTime, else the last update, else its start. */
const endedAt = (event: CallStreamEvent) => (event.call.endTime ?? event.call.dateUpdated ?? event.call.startTime ?? event.call.dateCreated).getTime();

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('tail', options, argv);
  const timeZone = resolveTimeZone(values['time-zone'], context.env);
  const warn = (m: string) => {
    if (!values.quiet) context.stderr.write(`tail: warning: ${m}\n`);
  };
  const streamSettings = streamOptionsFrom(values, timeZone, warn);
  const format = values.format ?? (context.stdout.isTTY ? 'text' : 'ndjson');
  if (format !== 'text' && format !== 'ndjson') throw new InvalidOptionError('--format', '`ndjson` or `text`', format);
  const sinceMs = values.since === undefined ? undefined : parseDurationMs(values.since, '--since');
  const durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration, '--duration');
  const redisSettings = redisSettingsFrom(values, context.env);
  if (redisSettings !== undefined && values.store !== undefined) {
    throw new UsageError('Pass either `--store FILE` or `--redis URL`: with --redis the state lives in Redis.');
  }
  const connection = await resolveConnection(values, context.env, context.stdin);
  if (!values.quiet) {
    // A call shows once it has ended and its Duration and Price have settled, which can take
    // minutes: say so, instead of a silent terminal.
    const settle = values.settle ?? '5m';
    context.stderr.write(
      `tail: watching account ${connection.accountSid} at ${describeHost(connection)}` +
        (sinceMs === undefined ? '' : `; first the calls that ended in the last ${values.since}`) +
        `. A call is shown once it has ended and settled (Duration, Price; at most ${settle} later). Ctrl-C stops.\n`,
    );
  }

  const startedAt = context.now();
  // Loaded here, not at the top: `--help` and usage errors answer without loading the engine.
  const [{ memoryStore }, { fileStore }, { createCallStream }] = await Promise.all([
    import('../../stores/memoryStore.js'),
    import('../../stores/fileStore.js'),
    import('../../stream/createCallStream.js'),
  ]);
  if (values.store !== undefined) await checkStorePath(values.store);

  const info: CatchUpInfo = { resumed: false };
  const fromMs = sinceMs === undefined ? undefined : startedAt - sinceMs;
  // Without a checkpoint to resume from, the stream's first read covers its whole lookback:
  // show only what ended since the cutoff, as `tail` promises.
  const cutoffMs = startedAt - (sinceMs ?? 0);

  let stream: CallStreamLike;
  let onStopping: (() => Promise<void>) | undefined;
  if (redisSettings === undefined) {
    const store = catchUpStore(values.store === undefined ? memoryStore() : fileStore(values.store), fromMs, info);
    const streamOptionsAll: CallStreamOptions = {
      ...streamSettings,
      ...clientConnection(connection),
      store,
    };
    // Created (and so validated) before the probe: a rejected option costs no request.
    stream = createStreamChecked(createCallStream, streamOptionsAll);
    try {
      await probeApi(connection, timeZone, startedAt, warn);
    } catch (error) {
      await stream.stop();
      throw error;
    }
  } else {
    const joined = await joinThroughRedis({
      settings: redisSettings,
      options: { ...streamSettings, ...clientConnection(connection) },
      wrapStore: (store) => catchUpStore(store, fromMs, info),
      probe: (limiter) => probeApi(connection, timeZone, startedAt, warn, limiter),
      note: values.quiet ? undefined : (m) => context.stderr.write(`tail: ${m}\n`),
    });
    stream = joined.stream;
    onStopping = joined.close;
  }

  const color = format === 'text' && Boolean(context.stdout.isTTY) && !context.env.NO_COLOR;
  const write = format === 'ndjson'
    ? (event: CallStreamEvent) => eventToJsonLine(event, { raw: values.raw ?? true })
    : (event: CallStreamEvent) => formatEventLine(event, { timeZone, color });

  return runStream({
    context,
    create: () => stream,
    onEvent: (event) => {
      if (!info.resumed && endedAt(event) < cutoffMs) return;
      context.stdout.write(write(event));
    },
    quiet: values.quiet ?? false,
    durationMs,
    label: 'tail',
    ...(onStopping === undefined ? {} : { onStopping }),
  });
}

/** The store's directory must exist (the file is created on the first save). */
async function checkStorePath(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`\`--store\` ${JSON.stringify(path)}: the directory ${JSON.stringify(dir)} does not exist.`);
}

/** `createCallStream`, with an option error pointed at the flag that set it. */
export function createStreamChecked(create: (options: CallStreamOptions) => CallStream, options: CallStreamOptions): CallStream {
  try {
    return create(options);
  } catch (error) {
    if (error instanceof InvalidOptionError) {
      const flag = FLAG_OF_OPTION[error.option.split('.')[0] ?? ''];
      if (flag) throw new UsageError(`${error.message} (set with \`${flag}\`)`);
    }
    throw error;
  }
}

export const tailCommand: Command = { name: 'tail', summary: 'stream call events live (NDJSON on a pipe, lines on a terminal)', help, run };
