import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { Store, StoreState } from './types.js';
import { ExotelError, InvalidOptionError } from '../exotel/errors.js';
import { invalidStateReason } from './validateState.js';
import { acquireLock, describeErrno } from './lockFile.js';
import type { HeldLock } from './lockFile.js';

const TEMP_SUFFIX = '.tmp';

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;

/**
 * A store that keeps the state in a JSON file, so that a restart resumes from the checkpoint and
 * never emits a remembered Sid again. One process writes a given file.
 *
 * Each save writes a temporary file beside the target, fsyncs it, renames it over the target and
 * fsyncs the directory: the target is always either the previous or the new state, whatever the
 * moment of a crash. A temporary file left by a crash is ignored and removed. A target that is
 * unreadable or not a valid state (truncated by another writer, edited by hand) is an `ERR_STORE`
 * error, never an empty store; so is a target that vanished after this store saved it.
 *
 * The store owns `<path>.lock` from its first `load()` (or `save()`) until `close()`: a second
 * store on the same file, in this process or another, is refused with an `ERR_STORE` naming the
 * process that holds it (pid, host, since when). A lock left by a process that died is taken over
 * when that process is known to be gone (same host, pid not running). A directory where the lock
 * cannot be created (read-only, full) is refused on load. A failed save (a full disk) leaves the
 * previous state in place and rejects with the errno (`ENOSPC (no space left on device)`); the
 * next save writes the whole state again.
 *
 * @param path The file, created on the first save; its directory must exist.
 * @example
 * createCallStream({ …, store: fileStore('./calls.checkpoint.json') });
 */
export function fileStore(path: string): Store {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new InvalidOptionError('path', 'a non-empty file path', path);
  }
  const directory = dirname(path);
  const lockPath = `${resolve(path)}.lock`;
  const tempPrefix = `${basename(path)}.`;
  // Only names this store makes: `<file>.<pid>.<8 hex>.tmp`; anything else in the directory is left alone.
  const tempName = new RegExp(`^${tempPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+\\.[0-9a-f]{8}\\${TEMP_SUFFIX}$`);
  let savedOnce = false;
  let cleaned = false;
  let lock: HeldLock | undefined;
  let locking: Promise<HeldLock> | undefined;
  const writing = new Set<string>();
  // Saves run one after the other, in call order: the last one called is the one that stays.
  let queue: Promise<unknown> = Promise.resolve();

  const storeError = (message: string, cause?: unknown) => new ExotelError('ERR_STORE', `${message} (${path})`, { cause });

  /** Takes the lock once; a failure is not remembered, so a later load may try again. */
  async function locked(): Promise<HeldLock> {
    if (lock) return lock;
    locking ??= acquireLock(lockPath, path).then(
      (held) => (lock = held),
      (error: unknown) => {
        locking = undefined;
        throw new ExotelError('ERR_STORE', error instanceof Error ? error.message : String(error), { cause: error });
      },
    );
    return locking;
  }

  async function removeLeftovers(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    let names: string[];
    try {
      names = await readdir(directory);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((name) => tempName.test(name) && !writing.has(name))
        .map((name) => unlink(join(directory, name)).catch(() => undefined)),
    );
  }

  async function load(): Promise<StoreState | undefined> {
    await queue.catch(() => undefined);
    await locked();
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        if (savedOnce) throw storeError('The call stream state file was removed after it was saved', error);
        await removeLeftovers();
        return undefined;
      }
      throw storeError(`Cannot read the call stream state file: ${describeErrno(error)}`, error);
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (error) {
      throw storeError(
        `The call stream state file is not valid JSON (${text.length} characters; truncated or written by something else?). ` +
          'Move it aside to start fresh, reading back over the lookback once',
        error,
      );
    }
    const reason = invalidStateReason(state);
    if (reason !== undefined) throw storeError(`The call stream state file is not a valid state: ${reason}`);
    await removeLeftovers();
    return state as StoreState;
  }

  async function write(text: string): Promise<void> {
    const held = await locked();
    const name = `${tempPrefix}${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    const temp = join(directory, name);
    writing.add(name);
    try {
      const file = await open(temp, 'wx');
      try {
        await file.writeFile(text, 'utf8');
        await file.sync();
      } finally {
        await file.close();
      }
      // Checked last, right before the state replaces the file: another process may have taken
      // the lock (someone removed this one by hand), and its state must not be overwritten.
      try {
        await held.verify();
      } catch (error) {
        throw storeError(error instanceof Error ? error.message : String(error), error);
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (error instanceof ExotelError) throw error;
      throw storeError(`Cannot write the call stream state file: ${describeErrno(error)}`, error);
    } finally {
      writing.delete(name);
    }
    // Makes the rename itself durable; some platforms cannot fsync a directory, which is fine.
    try {
      const dir = await open(directory, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch {
      // best effort
    }
    savedOnce = true;
  }

  function save(state: StoreState): Promise<void> {
    const reason = invalidStateReason(state);
    if (reason !== undefined) return Promise.reject(storeError(`Cannot save the call stream state: ${reason}`));
    // Serialized now, so a caller mutating `state` after calling save changes nothing.
    const text = `${JSON.stringify(state)}\n`;
    const run = queue.catch(() => undefined).then(() => write(text));
    queue = run;
    return run;
  }

  return {
    load,
    save,
    async close() {
      await queue.catch(() => undefined);
      await locking?.catch(() => undefined);
      const held = lock;
      lock = undefined;
      locking = undefined;
      await held?.release();
    },
  };
}
