/**
 * A problem with how the command was invoked (or with the credentials it was given), reported
 * as one clear line without a stack trace. `exitCode` is 2 unless said otherwise (3 for missing
 * credentials).
 */
export class UsageError extends Error {
  override name = 'UsageError' as const;
  readonly exitCode: 2 | 3;
  /** Whether to add a pointer to `--help` after the message. */
  readonly showHelpHint: boolean;
  constructor(message: string, options: { exitCode?: 2 | 3; showHelpHint?: boolean } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 2;
    this.showHelpHint = options.showHelpHint ?? true;
  }
}
