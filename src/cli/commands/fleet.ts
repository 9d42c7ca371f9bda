/**
 * `exotel-calls fleet`: one worker of a fleet. The accounts of a file are spread over every
 * worker on the same Redis; this one runs its share and prints their events (NDJSON on a pipe,
 * with `accountSid`; a line per event on a terminal). SIGINT/SIGTERM (or `--duration`) stop it
 * cleanly: its accounts' states are saved and the other workers take them at once.
 */
import { readFile } from 'node:fs/promises';
import { InvalidOptionError } from '../../exotel/errors.js';
import type { CallFleetAccount } from '../../redis/types.js';
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { eventToJsonLine, formatEventLine } from '../format.js';
import { OWNER } from '../../redis/options.js';
import { parseCommandArgs, parseDurationMs, type OptionSpecs } from '../parse.js';
import { connectRedis, redisHelp, redisOptions, redisSettingsFrom } from '../redisFlags.js';
import { FLAG_OF_OPTION, resolveTimeZone, streamHelp, streamOptions, streamOptionsFrom } from '../streamFlags.js';
import { UsageError } from '../UsageError.js';

const options = {
  ...streamOptions,
  ...redisOptions,
  accounts: { type: 'string' },
  fleet: { type: 'string' },
  worker: { type: 'string' },
  subdomain: { type: 'string' },
  'base-url': { type: 'string' },
  format: { type: 'string' },
  raw: { type: 'boolean' },
  duration: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionSpecs;

const help = `Usage: exotel-calls fleet --redis URL --accounts FILE [options]

Runs one worker of a fleet: the accounts of FILE are spread over every worker on the same
Redis (and --fleet), each account run by exactly one worker at a time; a worker that joins,
leaves or dies moves its fair share. This worker prints the events of the accounts it runs:
on a pipe one JSON object per line, {"type", "accountSid", "id", "redelivered", "call", ...}.

  --accounts FILE         JSON: [{"accountSid": "...", "apiKey": "...", "apiToken": "...",
                          "subdomain"?: "...", "baseUrl"?: "..."}, ...], or {"accounts": [...]};
                          the same on every worker. It holds tokens: keep it private (chmod 600)
  --fleet NAME            workers with the same name (and --redis-prefix) share the accounts
                          (default: default)
  --worker NAME           this worker's name (default: <host>-<pid>-<random>)
  --subdomain HOST        the API host of accounts that do not say (default api.exotel.com)
  --base-url URL          instead: a full URL, http only for 127.0.0.1/localhost (the simulator)
  --format ndjson|text    force the output format (default: text on a terminal, else ndjson)
  --no-raw                leave \`call.raw\` out of the JSON
  --duration DUR          stop by itself after DUR
  -q, --quiet             no notes or warnings on stderr (fatal errors are still reported)

${redisHelp}

${streamHelp}

Stops cleanly on SIGINT/SIGTERM: the other workers take this one's accounts at once.
Exit codes: 0 stopped, 1 failure, 2 bad usage, 4 Redis unreachable.
`;

async function readAccounts(path: string): Promise<CallFleetAccount[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read \`--accounts\` ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`\`--accounts\` ${JSON.stringify(path)} is not JSON.`);
  }
  const list = Array.isArray(value) ? value : (value as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) throw new UsageError(`\`--accounts\` ${JSON.stringify(path)} holds neither a list of accounts nor {"accounts": [...]}.`);
  return list as CallFleetAccount[];
}

async function run(argv: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs('fleet', options, argv);
  const settings = redisSettingsFrom(values, context.env);
  if (settings === undefined) throw new UsageError('`fleet` needs `--redis URL` (or EXOTEL_REDIS_URL): the workers meet there.');
  if (values.accounts === undefined) throw new UsageError('`fleet` needs `--accounts FILE`.');
  if (values.worker !== undefined && !OWNER.test(values.worker)) throw new InvalidOptionError('--worker', 'a name of letters, digits, `.`, `_` or `-`', values.worker);
  const timeZone = resolveTimeZone(values['time-zone'], context.env);
  const stream = streamOptionsFrom(values, timeZone, (m) => {
    if (!values.quiet) context.stderr.write(`fleet: warning: ${m}\n`);
  });
  if (values['base-url'] !== undefined && values.subdomain !== undefined) throw new UsageError('Pass either `--base-url` or `--subdomain`, not both.');
  if (values['base-url'] !== undefined) stream.baseUrl = values['base-url'];
  else if (values.subdomain !== undefined) stream.subdomain = values.subdomain;
  const format = values.format ?? (context.stdout.isTTY ? 'text' : 'ndjson');
  if (format !== 'text' && format !== 'ndjson') throw new InvalidOptionError('--format', '`ndjson` or `text`', format);
  const durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration, '--duration');
  const accounts = await readAccounts(values.accounts);

  const { createCallFleet } = await import('../../redis/createCallFleet.js');
  const redis = await connectRedis(settings);
  let fleet;
  try {
    fleet = createCallFleet({
      redis: redis.client,
      accounts,
      stream,
      prefix: settings.prefix,
      ...(values.fleet === undefined ? {} : { fleet: values.fleet }),
      ...(values.worker === undefined ? {} : { worker: values.worker }),
      ...(settings.leaseMs === undefined ? {} : { leaseMs: settings.leaseMs }),
    });
  } catch (error) {
    await redis.close();
    if (error instanceof InvalidOptionError) {
      const flag = error.option === 'leaseMs' ? '--lease' : FLAG_OF_OPTION[error.option.replace(/^stream\./, '').split('.')[0] ?? ''];
      throw new UsageError(`${error.message} (${flag ? `set with \`${flag}\`` : `in \`--accounts\` ${JSON.stringify(values.accounts)}`})`);
    }
    throw error;
  }

  const quiet = values.quiet ?? false;
  const color = format === 'text' && Boolean(context.stdout.isTTY) && !context.env.NO_COLOR;
  let outputError: unknown;
  let end!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (end = resolve));
  fleet.events$.subscribe((event) => {
    try {
      context.stdout.write(format === 'ndjson' ? eventToJsonLine(event, { raw: values.raw ?? true }) : `${event.accountSid}  ${formatEventLine(event, { timeZone, color })}`);
    } catch (error) {
      outputError = error;
      end('output');
    }
  });
  fleet.errors$.subscribe(({ accountSid, error }) => {
    if (!quiet) context.stderr.write(`fleet: warning: ${accountSid === null ? '' : `${accountSid}: `}${error.message} [${error.code}]\n`);
  });
  let previous = new Set<string>();
  fleet.holdings$.subscribe(({ accounts: held, workers }) => {
    const now = new Set(held);
    const added = held.filter((a) => !previous.has(a)).length;
    const removed = [...previous].filter((a) => !now.has(a)).length;
    previous = now;
    if (!quiet) context.stderr.write(`fleet: worker ${fleet.worker} runs ${held.length} of ${accounts.length} accounts (+${added} -${removed}); ${workers.length} workers\n`);
  });
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') outputError = error;
    end('stdout');
  };
  context.stdout.on('error', onStdoutError);
  const timer = durationMs === undefined ? undefined : setTimeout(() => end('duration'), durationMs);
  void context.shutdown.then((signal) => end(signal));
  const reason = await ended;
  if (!quiet && (reason === 'SIGINT' || reason === 'SIGTERM')) context.stderr.write(`fleet: ${reason}, handing the accounts over...\n`);
  if (timer !== undefined) clearTimeout(timer);
  await fleet.stop();
  await redis.close();
  context.stdout.off('error', onStdoutError);
  if (outputError !== undefined) throw outputError;
  return 0;
}

export const fleetCommand: Command = { name: 'fleet', summary: 'run one worker of a fleet of accounts shared through Redis', help, run };
