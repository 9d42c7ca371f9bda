/**
 * `exotel-calls simulate`: the Exotel API simulator on its own, for local development. Prints
 * its URL and its own test credentials, logs each request on stderr, and runs until SIGINT.
 */
import type { Simulator } from '../../simulator/index.js';
import { formatNaive } from '../../exotel/time.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { ExitCode } from '../exitCodes.js';
import { parseCommandArgs, parseDurationMs, parseIntegerOption, type OptionSpecs } from '../parse.js';
import { simulatorHelp, simulatorOptions, simulatorPlanFrom } from '../simulatorFlags.js';
import { callbackHelp, callbackOptions, statusCallbacksFrom } from '../callbackFlags.js';
import { resolveTimeZone } from '../streamFlags.js';
import { UsageError } from '../UsageError.js';

const options = {
  ...simulatorOptions,
  ...callbackOptions,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'time-zone': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  duration: { type: 'string' },
} as const satisfies OptionSpecs;

const help = `Usage: exotel-calls simulate [options]

Runs a simulator of Exotel's Bulk Call Details API on this machine, with generated traffic,
settling delays, the per-account rate limit and optional faults. It prints its URL and its own
test credentials (account acme1, key sim-key, token sim-token) and runs until Ctrl-C.

  -p, --port N            port (default 4010; 0 for any free port)
  --host HOST             interface (default 127.0.0.1)
  --time-zone ZONE        zone of the naive timestamps (default Asia/Kolkata)
  --json                  print the URL and credentials as one JSON line (for scripts)
  -q, --quiet             do not log requests on stderr
  --duration DUR          stop by itself after DUR

${simulatorHelp}

${callbackHelp}

Defaults: 20 calls/minute since 1h ago, settling after 60-180s.

Example:
  exotel-calls simulate --calls-per-minute 120 --fault-rate 0.05 --fault-kind status,reset
  EXOTEL_ACCOUNT_SID=acme1 EXOTEL_API_KEY=sim-key EXOTEL_API_TOKEN=sim-token \\
    exotel-calls tail --base-url http://127.0.0.1:4010
`;

/** Request log kept this long in memory: the simulator records every request. */
const HISTORY_KEEP = 1_000;

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('simulate', options, argv);
  const timeZone = resolveTimeZone(values['time-zone'], context.env);
  const port = values.port === undefined ? 4010 : parseIntegerOption(values.port, '--port', 0, 65_535);
  const host = values.host ?? '127.0.0.1';
  const durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration, '--duration');
  const plan = simulatorPlanFrom(values, { callsPerMinute: 20, historyMs: 3_600_000, settleDelayMs: { min: 60_000, max: 180_000 } }, context.now(), timeZone);

  const callbacks = statusCallbacksFrom(values);
  const { createSimulator } = await import('../../simulator/index.js');
  let sim: Simulator;
  try {
    sim = createSimulator({ ...plan.options, ...(callbacks ? { statusCallbacks: callbacks.options } : {}) });
    for (const fault of plan.faults) sim.inject(fault);
  } catch (error) {
    // The flags were checked; what is left is the simulator naming its own option.
    throw new UsageError((error as Error).message);
  }
  let url: string;
  try {
    ({ url } = await sim.listen({ port, host }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`Port ${port} on ${host} is in use. Pass \`--port 0\` for any free port, or another port.`, { showHelpHint: false });
    throw error;
  }

  const credentials = { url, accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' };
  if (values.json) {
    context.stdout.write(`${JSON.stringify(credentials)}\n`);
  } else {
    context.stdout.write(
      `Exotel API simulator listening on ${url}\n` +
        `  account sid  ${credentials.accountSid}\n  api key      ${credentials.apiKey}${values['sid-as-key'] ? ` (or ${credentials.accountSid})` : ''}\n  api token    ${credentials.apiToken}   (the simulator's own test credentials)\n` +
        `  traffic      ${plan.summary}\n` +
        (callbacks ? `  callbacks    ${callbacks.summary}\n` : '') +
        '\n' +
        `Try:\n  EXOTEL_ACCOUNT_SID=acme1 EXOTEL_API_KEY=sim-key EXOTEL_API_TOKEN=sim-token exotel-calls tail --base-url ${url}\n\n` +
        'Ctrl-C to stop.\n',
    );
  }

  // Log new requests once a second, and keep the simulator's request history bounded.
  let logged = 0;
  let attemptsLogged = new Map<string, number>();
  const flushLog = () => {
    const history = sim.history;
    if (!values.quiet) {
      for (let i = logged; i < history.length; i++) {
        const r = history[i]!;
        const query = Object.entries(r.query).map(([k, v]) => `${k}=${v}`).join('&');
        context.stderr.write(
          `${formatNaive(r.at, timeZone).slice(11)} ${r.method} ${r.path}${query ? `?${query}` : ''} -> ${r.status}` +
            `${r.records > 0 ? ` (${r.records} records)` : ''}${r.fault ? ` [fault: ${r.fault}]` : ''}\n`,
        );
      }
    }
    logged = history.length;
    if (callbacks && !values.quiet) {
      // One line per callback attempt since the last look (the URL's path, maybe a secret, is not shown).
      const next = new Map<string, number>();
      for (const r of sim.callbacks.records()) {
        const seen = attemptsLogged.get(`${r.sid}|${r.event}`) ?? 0;
        for (const a of r.attempts.slice(seen)) {
          context.stderr.write(
            `${formatNaive(a.at, timeZone).slice(11)} callback ${r.event} ${r.sid}${a.duplicate ? ' (again)' : ''} -> ${a.status ?? a.error ?? '?'}${r.late ? ' [late]' : ''}\n`,
          );
        }
        next.set(`${r.sid}|${r.event}`, r.attempts.length);
      }
      // Only the records still kept: the map stays as small as they are.
      attemptsLogged = next;
    }
    if (history.length > HISTORY_KEEP * 2) {
      history.splice(0, history.length - HISTORY_KEEP);
      logged = history.length;
    }
  };
  const logTimer = setInterval(flushLog, 1000);

  const stopped = await Promise.race([
    context.shutdown,
    ...(durationMs === undefined ? [] : [new Promise<string>((resolve) => setTimeout(resolve, durationMs, 'duration').unref())]),
  ]);
  clearInterval(logTimer);
  flushLog();
  if (!values.quiet && stopped !== 'duration') context.stderr.write(`simulate: ${stopped}, stopping...\n`);
  await sim.close();
  return ExitCode.ok;
}

export const simulateCommand: Command = { name: 'simulate', summary: 'run the Exotel API simulator locally (prints URL and test credentials)', help, run };
