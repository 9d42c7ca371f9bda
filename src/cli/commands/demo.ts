/**
 * `exotel-calls demo` (what `npm start` runs): a busy simulated account, the call stream on it,
 * a line per event in the terminal and the wallboard on a local URL. With EXOTEL_ACCOUNT_SID,
 * EXOTEL_API_KEY and EXOTEL_API_TOKEN set, the real account instead of the simulator.
 */
import type { Simulator } from '../../simulator/index.js';
import type { WallboardServer } from '../../wallboard/createWallboardServer.js';
import { InvalidOptionError } from '../../exotel/errors.js';
import type { CallStreamEvent, CallStreamOptions } from '../../stream/types.js';
import type { Command } from '../command.js';
import { clientConnection, connectionHelp, connectionOptions, describeHost, resolveConnection, type Connection } from '../connection.js';
import type { CliContext } from '../context.js';
import { eventToJsonLine, formatEventLine } from '../format.js';
import { parseCommandArgs, parseDurationMs, parseIntegerOption, type OptionSpecs } from '../parse.js';
import { probeApi } from '../probe.js';
import { runStream } from '../runStream.js';
import { simulatorHelp, simulatorOptions, simulatorPlanFrom } from '../simulatorFlags.js';
import { resolveTimeZone, streamHelp, streamOptions, streamOptionsFrom } from '../streamFlags.js';
import { createStreamChecked } from './tail.js';
import { UsageError } from '../UsageError.js';

const options = {
  ...connectionOptions,
  ...streamOptions,
  ...simulatorOptions,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  title: { type: 'string' },
  theme: { type: 'string' },
  wallboard: { type: 'boolean' },
  format: { type: 'string' },
  duration: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionSpecs;

const DEFAULT_BOARD_PORT = 8080;

const help = `Usage: exotel-calls demo [options]

Shows the library at work. Starts the API simulator with a busy account (seeded traffic that began
an hour ago, so calls end and settle all the time), streams its call events, prints a line per
event, and serves the live wallboard at a local URL. Runs until Ctrl-C or --duration.

With EXOTEL_ACCOUNT_SID, EXOTEL_API_KEY and EXOTEL_API_TOKEN set (and EXOTEL_SUBDOMAIN, or the
flags below), it streams that real account instead of the simulator.

  -p, --port N            wallboard port (default ${DEFAULT_BOARD_PORT}, or a free one when it is taken; 0 for any)
  --host ADDR             interface of the wallboard (default 127.0.0.1); 0.0.0.0 to open it
                          on a TV or another machine of the network
  --title TEXT            heading of the wallboard (default "Calls (<account>)")
  --theme dark|light|auto wallboard colours (default dark; auto follows the screen;
                          ?theme= on the page's URL overrides)
  --no-wallboard          no wallboard, only the terminal
  --format text|ndjson    event lines (default: text on a terminal, else ndjson)
  --duration DUR          stop by itself after DUR (e.g. 20s)
  -q, --quiet             no warnings

${simulatorHelp}

Demo defaults: 40 calls/minute since 1h ago, settling after 5-20s, polled every 2s.

${streamHelp}

${connectionHelp}
`;

/** True when the environment or flags name a real account (then the demo does not simulate). */
function wantsRealAccount(values: { 'account-sid'?: string | undefined }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(values['account-sid'] ?? env.EXOTEL_ACCOUNT_SID);
}

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('demo', options, argv);
  const timeZone = resolveTimeZone(values['time-zone'], context.env);
  const format = values.format ?? (context.stdout.isTTY ? 'text' : 'ndjson');
  if (format !== 'text' && format !== 'ndjson') throw new InvalidOptionError('--format', '`ndjson` or `text`', format);
  const durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration, '--duration');
  const boardPort = values.port === undefined ? DEFAULT_BOARD_PORT : parseIntegerOption(values.port, '--port', 0, 65_535);
  const quiet = values.quiet ?? false;
  const info = (text: string) => context.stderr.write(`${text}\n`);
  const startedAt = context.now();
  const flagSettings = streamOptionsFrom(values, timeZone, quiet ? undefined : (m) => info(`demo: warning: ${m}`));
  const host = values.host?.trim() || '127.0.0.1';
  if (/[\s/]/.test(host)) throw new InvalidOptionError('--host', 'a host name or IP address such as `0.0.0.0`', values.host);
  if (values.title !== undefined && (values.title.trim().length === 0 || values.title.length > 80)) throw new InvalidOptionError('--title', 'a heading of 1 to 80 characters', values.title);
  const theme = values.theme ?? 'dark';
  if (theme !== 'dark' && theme !== 'light' && theme !== 'auto') throw new InvalidOptionError('--theme', '`dark`, `light` or `auto`', values.theme);
  // Loaded here, not at the top: `--help` and usage errors answer without loading the engine.
  const [{ createSimulator }, { createWallboardServer }, { createCallStream }] = await Promise.all([
    import('../../simulator/index.js'),
    import('../../wallboard/createWallboardServer.js'),
    import('../../stream/createCallStream.js'),
  ]);

  let sim: Simulator | undefined;
  let connection: Connection;
  let streamSettings: Partial<CallStreamOptions>;
  let source: string;
  if (wantsRealAccount(values, context.env)) {
    const simFlags = Object.keys(simulatorOptions).filter((k) => (values as Record<string, unknown>)[k] !== undefined);
    if (simFlags.length > 0) throw new UsageError(`\`--${simFlags[0]}\` shapes the simulator, which a demo on a real account does not run.`);
    streamSettings = flagSettings;
    connection = await resolveConnection(values, context.env, context.stdin);
    source = `account ${connection.accountSid} at ${describeHost(connection)}`;
  } else {
    const plan = simulatorPlanFrom(values, { callsPerMinute: 40, historyMs: 3_600_000, settleDelayMs: { min: 5_000, max: 20_000 } }, startedAt, timeZone);
    try {
      sim = createSimulator(plan.options);
      for (const fault of plan.faults) sim.inject(fault);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { url } = await sim.listen({ port: 0 });
    connection = { accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token', baseUrl: url };
    // The simulated calls settle within seconds: poll often and hold briefly.
    streamSettings = { pollIntervalMs: 2_000, settleMs: 60_000, ...flagSettings };
    source = `simulated account acme1 at ${url} (${plan.summary})`;
  }

  try {
    const streamOptionsAll: CallStreamOptions = {
      ...streamSettings,
      ...clientConnection(connection),
    };

    // Created (and so validated) before the probe: a rejected option costs no request.
    const stream = createStreamChecked(createCallStream, streamOptionsAll);
    if (!sim) {
      try {
        await probeApi(connection, timeZone, startedAt, quiet ? undefined : (m) => info(`demo: warning: ${m}`));
      } catch (error) {
        await stream.stop();
        throw error;
      }
    }

    const color = format === 'text' && Boolean(context.stdout.isTTY) && !context.env.NO_COLOR;
    // The first read covers the stream's lookback: calls that ended before the demo started go to
    // the wallboard's totals, and the terminal shows them as one count instead of a flood of lines.
    let caughtUp = 0;
    let announcedCatchUp = false;
    const onEvent = (event: CallStreamEvent) => {
      const ended = (event.call.endTime ?? event.call.dateUpdated ?? event.call.dateCreated).getTime();
      if (ended < startedAt) {
        caughtUp++;
        return;
      }
      if (!announcedCatchUp && caughtUp > 0) {
        announcedCatchUp = true;
        info(`demo: caught up on ${caughtUp} calls that ended before the demo started (counted on the wallboard); new calls follow.`);
      }
      context.stdout.write(format === 'ndjson' ? eventToJsonLine(event, { raw: false }) : formatEventLine(event, { timeZone, color }));
    };

    let board: WallboardServer | undefined;
    info(`demo: streaming ${source}`);
    return await runStream({
      context,
      create: () => stream,
      onEvent,
      quiet,
      durationMs,
      label: 'demo',
      onStarted: async (started) => {
        if (values.wallboard === false) return;
        const title = values.title ?? (sim ? 'Calls (simulated account acme1)' : `Calls (${connection.accountSid})`);
        const boardOptions = { stream: started, host, timeZone, title, theme } as const;
        try {
          board = await createWallboardServer({ ...boardOptions, port: boardPort });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || values.port !== undefined) throw error;
          board = await createWallboardServer({ ...boardOptions, port: 0 });
        }
        info(`demo: wallboard at ${board.url}`);
        if (!['127.0.0.1', 'localhost', '::1'].includes(host)) info(`demo: the wallboard listens on ${host}: anyone on the network can open it (numbers masked).`);
        info('demo: Ctrl-C to stop.');
      },
      onStopping: async () => {
        await board?.close();
      },
    });
  } finally {
    await sim?.close();
  }
}

export const demoCommand: Command = { name: 'demo', summary: 'simulated busy account + live stream + wallboard (npm start)', help, run };
