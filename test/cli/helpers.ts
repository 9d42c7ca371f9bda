/** Runs the CLI as a child process (`node --import tsx src/cli/main.ts …`), no build needed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when stdout + stderr satisfy `predicate` (checked on every chunk). */
  waitFor(predicate: (out: { stdout: string; stderr: string }) => boolean, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
  /** What stdout holds so far. */
  stdout(): string;
  /** What stderr holds so far. */
  stderr(): string;
}

/** Simulator credentials, in a minimal environment (nothing inherited from the developer's shell). */
export const simEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  NO_COLOR: '1',
  EXOTEL_ACCOUNT_SID: 'acme1',
  EXOTEL_API_KEY: 'sim-key',
  EXOTEL_API_TOKEN: 'sim-token',
  ...extra,
});

export const bareEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '', NO_COLOR: '1', ...extra });

export function startCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: options.env ?? bareEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const check = () => {
    for (const w of waiters) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    check();
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      check();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`Timed out waiting for the CLI.\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const test = () => {
          if (predicate({ stdout, stderr })) {
            clearTimeout(timer);
            waiters.delete(test);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            // Keep waiting only while the child lives; 'close' calls check() once more.
          }
        };
        waiters.add(test);
        test();
      });
    },
  };
}

export function runCli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Parses NDJSON, failing on any line that is not one JSON object. */
export function parseNdjson(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const value = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Not an object: ${line}`);
      return value as Record<string, any>;
    });
}
