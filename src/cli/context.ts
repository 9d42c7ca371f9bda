import type { Readable, Writable } from 'node:stream';

/** A writable that may be a terminal. */
export type Output = Writable & { isTTY?: boolean; columns?: number };

/** What a command may touch of its process: passed in so that the wiring stays visible. */
export interface CliContext {
  stdout: Output;
  stderr: Output;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Wall-clock time in epoch ms. */
  now(): number;
  /** Resolves on the first SIGINT or SIGTERM (a second one exits at once). */
  shutdown: Promise<NodeJS.Signals>;
}

/** The context of the running process. */
export function processContext(): CliContext {
  const shutdown = new Promise<NodeJS.Signals>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now": skip the clean shutdown.
        process.stderr.write(`\nReceived ${signal} again, exiting without cleaning up.\n`);
        process.exit(130);
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, now: () => Date.now(), shutdown };
}
