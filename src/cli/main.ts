#!/usr/bin/env node
/** The `exotel-calls` executable. See docs/cli.md. */
import { processContext } from './context.js';
import { runCli } from './run.js';

// No top-level await: the same file is bundled to CommonJS.
runCli(process.argv.slice(2), processContext()).then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain; if a stray handle keeps the loop alive, leave anyway.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`exotel-calls: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
