import type { CliContext } from './context.js';

/** One `exotel-calls` command. `run` resolves to the exit code. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  run(argv: string[], context: CliContext): Promise<number>;
}
