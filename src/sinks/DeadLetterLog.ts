/**
 * The dead-letter record of a sink: one JSON line per event given up, with the reason, appended
 * (and fsynced) to a file that nothing compacts:
 *   {"at":"2026-…Z","sink":"webhook","key":"…","type":"callCompleted","attempts":3,"reason":"HTTP 410","body":"…"}
 * Replay one by posting its `body` again, or feed the file to `jq`.
 */
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';

export interface DeadLetter {
  sink: string;
  key: string;
  type: string;
  attempts: number;
  reason: string;
  body: string;
}

export class DeadLetterLog {
  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends the record durably before returning. */
  write(letter: DeadLetter): void {
    const line = `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...letter })}\n`;
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
