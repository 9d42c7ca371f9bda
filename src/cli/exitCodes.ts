import { isExotelError } from '../exotel/errors.js';
import { UsageError } from './UsageError.js';

/** The exit codes of `exotel-calls`, documented in docs/cli.md. */
export const ExitCode = {
  /** Finished, or stopped by SIGINT/SIGTERM after a clean shutdown. */
  ok: 0,
  /** Any other failure (a 402, a store that cannot be written, a bug). */
  failure: 1,
  /** Bad usage: unknown flag, missing or invalid value, a range the API refuses. */
  usage: 2,
  /** The API refused the credentials (401, 403) or they are missing. */
  auth: 3,
  /** The API (or, with `--redis`, Redis) could not be reached (connection refused, DNS, timeouts) after retries. */
  unreachable: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Chooses the exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof UsageError) return error.exitCode;
  if (isExotelError(error)) {
    switch (error.code) {
      case 'ERR_INVALID_OPTION':
        return ExitCode.usage;
      case 'ERR_EXOTEL_UNAUTHORIZED':
      case 'ERR_EXOTEL_FORBIDDEN':
        return ExitCode.auth;
      case 'ERR_EXOTEL_NETWORK':
      case 'ERR_EXOTEL_TIMEOUT':
      case 'ERR_REDIS':
        return ExitCode.unreachable;
      default:
        return ExitCode.failure;
    }
  }
  return ExitCode.failure;
}
