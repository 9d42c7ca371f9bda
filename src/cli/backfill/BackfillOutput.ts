/** Where a backfill writes its lines: standard output or a file. */
export interface BackfillOutput {
  /** Writes text; resolves to the bytes written once they are handed to the OS. */
  write(text: string): Promise<number>;
  close(): Promise<void>;
}
