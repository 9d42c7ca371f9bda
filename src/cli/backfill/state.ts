/**
 * The resume file of a backfill, kept next to `--out`. After each page it records how many bytes
 * of the output are complete, how many windows are done, the cursor of the last page, and how many
 * bytes of the Sid log (the Sids written in the current window, one a line, in a file beside it)
 * are complete. On resume both files are cut back to those lengths (dropping a half-written line
 * and anything written after the last save), the listing goes on from the cursor, and the Sids
 * already written are skipped: nothing is lost and nothing is written twice.
 *
 * The Sids live in an append-only file rather than in the JSON so that each page costs a small
 * write, not a rewrite of every Sid of a month-long window.
 */
import { open, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

export interface BackfillParams {
  /** Inclusive range, epoch ms. */
  fromMs: number;
  toMs: number;
  timeZone: string;
  /** The filters and output shape, canonicalized: a resume must ask for the same thing. */
  query: Record<string, unknown>;
}

export interface BackfillState {
  version: 1;
  params: BackfillParams;
  /** Windows completed, counting from the first. */
  windowsDone: number;
  /** Bytes of the output file that hold complete, recorded lines. */
  bytes: number;
  /** Records written so far, over all windows. */
  records: number;
  /** Pages read so far, over all windows. */
  pages: number;
  /** The `NextPageUri` of the last page completed in the current window; null at a window's start. */
  cursor: string | null;
  /** Bytes of the Sid log (Sids written in the current window) that are complete. */
  sidsBytes: number;
  /** Set once every window is done. */
  complete: boolean;
}

export function initialState(params: BackfillParams): BackfillState {
  return { version: 1, params, windowsDone: 0, bytes: 0, records: 0, pages: 0, cursor: null, sidsBytes: 0, complete: false };
}

/** Reads a state file; undefined when there is none. Throws on a file that is not a state. */
export async function loadState(path: string): Promise<BackfillState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new Error(`The backfill state file ${JSON.stringify(path)} is not valid JSON; delete it to start over.`);
  }
  const s = state as Partial<BackfillState> | null;
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (
    s?.version !== 1 ||
    typeof s.params !== 'object' ||
    s.params === null ||
    !isCount(s.windowsDone) ||
    !isCount(s.bytes) ||
    !isCount(s.records) ||
    !isCount(s.pages) ||
    !isCount(s.sidsBytes) ||
    !(s.cursor === null || typeof s.cursor === 'string') ||
    typeof s.complete !== 'boolean'
  ) {
    throw new Error(`The backfill state file ${JSON.stringify(path)} is not one this version wrote; delete it to start over.`);
  }
  return s as BackfillState;
}

/** Replaces the state file atomically (write-file-atomic: temp file, fsync, rename), so a kill never leaves half a file. */
export async function saveState(path: string, state: BackfillState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state)}\n`);
}

/** The Sids written in the current window: an in-memory set backed by an append-only file. */
export class SidLog {
  readonly sids: Set<string>;
  #handle: FileHandle;
  /** Complete bytes in the file. */
  bytes: number;

  private constructor(handle: FileHandle, sids: Set<string>, bytes: number) {
    this.#handle = handle;
    this.sids = sids;
    this.bytes = bytes;
  }

  /** Opens the log at `path`, keeping its first `keepBytes` bytes (what the state recorded). */
  static async open(path: string, keepBytes: number): Promise<SidLog> {
    const sids = new Set<string>();
    if (keepBytes > 0) {
      const content = await readFile(path).catch(() => Buffer.alloc(0));
      if (content.length < keepBytes) {
        throw new Error(`The Sid log ${JSON.stringify(path)} is shorter than its backfill state says (${content.length} < ${keepBytes} bytes); pass \`--overwrite\` to start over.`);
      }
      const text = content.subarray(0, keepBytes).toString('utf8');
      for (const sid of text.split('\n')) if (sid.length > 0) sids.add(sid);
      await truncate(path, keepBytes);
    }
    const handle = await open(path, keepBytes > 0 ? 'a' : 'w');
    return new SidLog(handle, sids, keepBytes);
  }

  /** Records Sids as written. */
  async append(sids: readonly string[]): Promise<void> {
    if (sids.length === 0) return;
    const buffer = Buffer.from(`${sids.join('\n')}\n`);
    await this.#handle.appendFile(buffer);
    this.bytes += buffer.length;
    for (const sid of sids) this.sids.add(sid);
  }

  /** Empties the log when a window is complete. */
  async reset(): Promise<void> {
    await this.#handle.truncate(0);
    this.bytes = 0;
    this.sids.clear();
  }

  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
