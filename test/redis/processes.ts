/**
 * The command line as separate processes for the multi-process Redis tests: `exotel-calls tail
 * --redis …` children (run from the sources as test/cli/helpers.ts does: no build needed), with
 * their NDJSON events and role changes timestamped as the test receives them.
 */
import { startCli, simEnv } from '../cli/helpers.js';
import type { CliRun } from '../cli/helpers.js';

export interface TailEvent {
  type: string;
  id: string;
  redelivered: boolean;
  accountSid: string;
  call: { sid: string };
}

export interface TailProcess {
  readonly name: string;
  readonly run: CliRun;
  /** Every stderr line, with the time the test received it. */
  readonly notes: Array<{ at: number; line: string }>;
  /** Events in the order printed, with the time the test received each (ms, performance.now()). */
  readonly events: Array<{ at: number; event: TailEvent }>;
  /** Times (performance.now()) this process said it leads, and said it stands by. */
  readonly led: number[];
  readonly stoodBy: number[];
  readonly pid: number;
  /** Whether the process has said it leads and has not said it stands by since. */
  readonly leading: boolean;
}

export function startTail(name: string, args: string[], env: Record<string, string> = {}): TailProcess {
  return startCommand('tail', name, args, env);
}

/** `exotel-calls <command> …` (tail or fleet), its NDJSON events and stderr lines timestamped. */
export function startCommand(command: string, name: string, args: string[], env: Record<string, string> = {}): TailProcess {
  const run = startCli([command, ...args], { env: simEnv(env) });
  const events: TailProcess['events'] = [];
  const notes: TailProcess['notes'] = [];
  const led: number[] = [];
  const stoodBy: number[] = [];
  let outBuffer = '';
  let errBuffer = '';
  run.child.stdout!.on('data', (chunk: string) => {
    outBuffer += chunk;
    const lines = outBuffer.split('\n');
    outBuffer = lines.pop()!;
    const at = performance.now();
    for (const line of lines) if (line.length > 0) events.push({ at, event: JSON.parse(line) as TailEvent });
  });
  run.child.stderr!.on('data', (chunk: string) => {
    errBuffer += chunk;
    const lines = errBuffer.split('\n');
    errBuffer = lines.pop()!;
    const at = performance.now();
    for (const line of lines) {
      notes.push({ at, line });
      if (line.startsWith('tail: leading account')) led.push(at);
      if (line.startsWith('tail: standing by')) stoodBy.push(at);
    }
  });
  return {
    name,
    run,
    notes,
    events,
    led,
    stoodBy,
    get pid() {
      return run.child.pid!;
    },
    get leading() {
      return led.length > 0 && (stoodBy.length === 0 || stoodBy.at(-1)! < led.at(-1)!);
    },
  };
}
