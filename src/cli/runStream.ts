/**
 * Runs a call stream until SIGINT/SIGTERM, `--duration`, a fatal error, or a closed stdout,
 * then stops it (which saves its store) before the command returns.
 */
import type { ExotelError } from '../exotel/errors.js';
import type { CallStreamEvent, CallStreamLike } from '../stream/types.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exitCodes.js';

export interface RunStreamOptions {
  context: CliContext;
  create: () => CallStreamLike;
  onEvent: (event: CallStreamEvent) => void;
  /** No warnings for non-fatal errors. */
  quiet: boolean;
  /** Stop by itself after this long. */
  durationMs?: number | undefined;
  /** Command name, for messages. */
  label: string;
  /** Called once the stream is subscribed (the demo starts its wallboard here). */
  onStarted?: (stream: CallStreamLike) => Promise<void> | void;
  /** Called after the stream stopped, before returning. */
  onStopping?: () => Promise<void> | void;
}

/** Resolves to exit code 0 after a clean stop; throws the fatal error that ended the stream. */
export async function runStream(options: RunStreamOptions): Promise<number> {
  const { context, onEvent, quiet, durationMs, label } = options;
  const stream = options.create();
  let fatal: unknown;
  let endStream!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => {
    endStream = resolve;
  });

  const errors = stream.errors$.subscribe((error: ExotelError) => {
    if (error.fatal) return; // reported once, when the command ends
    if (!quiet) context.stderr.write(`${label}: warning: ${error.message} [${error.code}]\n`);
  });
  const events = stream.events$.subscribe({
    next: (event) => {
      try {
        onEvent(event);
      } catch (error) {
        fatal = error;
        endStream('output');
      }
    },
    error: (error: unknown) => {
      fatal = error;
      endStream('fatal');
    },
    complete: () => endStream('complete'),
  });

  // `| head` closes the pipe: stop quietly, as other tools do.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') fatal = error;
    endStream('stdout');
  };
  context.stdout.on('error', onStdoutError);

  const timer = durationMs === undefined ? undefined : setTimeout(() => endStream('duration'), durationMs);
  void context.shutdown.then((signal) => endStream(signal));

  try {
    if (options.onStarted) await options.onStarted(stream);
    const reason = await ended;
    if (!quiet && (reason === 'SIGINT' || reason === 'SIGTERM')) context.stderr.write(`${label}: ${reason}, stopping...\n`);
  } catch (error) {
    fatal ??= error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await stream.stop();
    events.unsubscribe();
    errors.unsubscribe();
    context.stdout.off('error', onStdoutError);
    if (options.onStopping) await options.onStopping();
  }
  if (fatal !== undefined) throw fatal;
  return ExitCode.ok;
}
