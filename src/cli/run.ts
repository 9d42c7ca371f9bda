/**
 * The `exotel-calls` dispatcher: picks the command, prints help and version, and turns whatever
 * ends a command into one clear message on stderr and a documented exit code.
 */
import { isExotelError } from '../exotel/errors.js';
import type { Command } from './command.js';
import { backfillCommand } from './commands/backfill.js';
import { demoCommand } from './commands/demo.js';
import { fleetCommand } from './commands/fleet.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { tailCommand } from './commands/tail.js';
import type { CliContext } from './context.js';
import { ExitCode, exitCodeFor } from './exitCodes.js';
import { UsageError } from './UsageError.js';
import { readVersion } from './version.js';

const commands: Command[] = [tailCommand, backfillCommand, serveCommand, fleetCommand, simulateCommand, demoCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `exotel-calls ${readVersion()}: live call events and history from Exotel's Bulk Call Details API

Usage: exotel-calls <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`exotel-calls <command> --help\` for the options of a command.

Options:
  -h, --help     this help
  -v, --version  the version

Exit codes: 0 done (or stopped by SIGINT/SIGTERM), 1 other failure, 2 bad usage,
            3 bad or missing credentials, 4 API (or Redis) unreachable.
`;
}

/** Runs `exotel-calls` with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    // Without a command it is a usage error: the help goes to stderr then.
    (first === undefined ? context.stderr : context.stdout).write(topic ? topic.help : mainHelp());
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === '-v' || first === '--version') {
    context.stdout.write(`${readVersion()}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    context.stderr.write(`exotel-calls: unknown command ${JSON.stringify(first)}. Commands: ${commands.map((c) => c.name).join(', ')}.\nRun \`exotel-calls --help\` for usage.\n`);
    return ExitCode.usage;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    context.stdout.write(command.help);
    return ExitCode.ok;
  }
  if (rest.includes('--version')) {
    context.stdout.write(`${readVersion()}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    const code = exitCodeFor(error);
    context.stderr.write(`exotel-calls ${command.name}: ${describeError(error)}\n`);
    if (code === ExitCode.usage && (!(error instanceof UsageError) || error.showHelpHint)) {
      context.stderr.write(`Run \`exotel-calls ${command.name} --help\` for usage.\n`);
    }
    if (code === ExitCode.failure && !isExotelError(error) && !(error instanceof UsageError) && context.env.EXOTEL_CALLS_DEBUG) {
      context.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    }
    return code;
  }
}

/** One line that says what went wrong and, for the API's errors, what to check. */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  if (isExotelError(error)) {
    const hint =
      error.code === 'ERR_EXOTEL_UNAUTHORIZED' || error.code === 'ERR_EXOTEL_FORBIDDEN'
        ? ' Check the account SID, API key and token (and that the key belongs to this account).'
        : error.code === 'ERR_EXOTEL_NETWORK' || error.code === 'ERR_EXOTEL_TIMEOUT'
          ? ' Check the network and `--subdomain`/`--base-url`.'
          : error.code === 'ERR_EXOTEL_PAYMENT_REQUIRED'
            ? ' The account plan or usage limit refused the request.'
            : '';
    return hint === '' ? error.message : `${error.message}${/[.!?]$/.test(error.message) ? '' : '.'}${hint}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
