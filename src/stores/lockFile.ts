/**
 * The lock file beside a `fileStore`'s file (`<file>.lock`): which process owns the store. Two
 * streams pointed at one file by mistake would each emit every call and overwrite each other's
 * checkpoint; the second is refused instead, told which process holds the file.
 *
 * The lock is a small JSON file created with `O_EXCL` (`wx`), holding the owner's pid, host name,
 * start time and a random token. It is taken when the store is first loaded (or saved) and given
 * back by `close()` (which `stream.stop()` calls). A process that dies without closing leaves it
 * behind: on the same host, a lock whose pid no longer runs is stale and taken over (on Linux also
 * one whose pid now belongs to another process, told apart by the process's start time and the
 * boot id). On another host nothing can be checked: the lock stands, and the message says how to
 * remove it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/** What a lock file says about its owner. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** Linux: the kernel's boot id, so that a lock from before a reboot is known to be stale. */
  bootId?: string;
  /** Linux: the owner's start time in clock ticks since boot, so that a reused pid is told apart. */
  processStart?: string;
  /** Random: tells this lock from a later one of the same process. */
  token: string;
}

/** Why a lock could not be taken: held by a live process, or the file system refused. */
export class LockError extends Error {
  constructor(
    message: string,
    readonly holder?: LockHolder,
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** Tokens of the locks this process holds, by lock path: a second store on the same file here is refused too. */
const heldHere = new Map<string, string>();

const errnoOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'the path is a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
};

/** `ENOSPC (no space left on device)`: an errno with its meaning, for messages. */
export function describeErrno(error: unknown): string {
  const code = errnoOf(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const text = ERRNO_TEXT[code];
  return text === undefined ? code : `${code} (${text})`;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of `/proc/<pid>/stat` (the process's start time), where there is a /proc. */
function processStartOf(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold blanks: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

const bootId = (): string | undefined => readProc('/proc/sys/kernel/random/boot_id');

function describeHolder(holder: LockHolder): string {
  const self = holder.pid === process.pid && holder.host === hostname() ? ', this very process: another fileStore on the same file' : '';
  return `process ${holder.pid} on host ${JSON.stringify(holder.host)} (since ${holder.since}${self})`;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    if (typeof v !== 'object' || v === null || !Number.isSafeInteger(v.pid) || typeof v.host !== 'string' || typeof v.token !== 'string') return undefined;
    return { pid: v.pid!, host: v.host, since: typeof v.since === 'string' ? v.since : 'an unknown time', token: v.token, ...(typeof v.bootId === 'string' ? { bootId: v.bootId } : {}), ...(typeof v.processStart === 'string' ? { processStart: v.processStart } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether the holder may still be running; false only when that is known not to be so. */
function mayBeAlive(holder: LockHolder, lockPath: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.get(lockPath) === holder.token;
  const now = bootId();
  if (holder.bootId !== undefined && now !== undefined && holder.bootId !== now) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return errnoOf(error) === 'EPERM';
  }
  if (holder.processStart !== undefined) {
    const start = processStartOf(holder.pid);
    if (start !== undefined && start !== holder.processStart) return false;
  }
  return true;
}

async function readHolder(path: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** A lock this process holds. */
export interface HeldLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Throws a `LockError` unless the lock file still names this lock (someone removed or took it). */
  verify(): Promise<void>;
  /** Removes the lock file if it is still this lock's. Idempotent. */
  release(): Promise<void>;
}

/**
 * Takes the lock at `lockPath` for the store `storePath` (named in messages), taking over a stale
 * one. Throws a `LockError` naming the holder when a live process has it, or the errno when the
 * file system refuses (a read-only directory, a full disk).
 */
export async function acquireLock(lockPath: string, storePath: string): Promise<HeldLock> {
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const boot = bootId();
  if (boot !== undefined) me.bootId = boot;
  const start = processStartOf(process.pid);
  if (start !== undefined) me.processStart = start;
  const text = `${JSON.stringify(me)}\n`;

  // A few rounds: each lost race (another process took a stale lock first) is looked at again.
  for (let round = 0; round < 5; round++) {
    let file;
    try {
      file = await open(lockPath, 'wx');
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') {
        throw new LockError(`Cannot create the lock file ${lockPath}: ${describeErrno(error)}; the store ${storePath} could never be saved there`, undefined, errnoOf(error));
      }
      const found = await readHolder(lockPath);
      if (found === undefined) continue; // removed meanwhile: try again
      const { holder } = found;
      if (holder === undefined) {
        // Being written this instant, or left half-written by a crash: not a lock anyone can prove.
        if (round < 2) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
      } else if (mayBeAlive(holder, lockPath)) {
        const remedy = holder.host === hostname() ? 'stop it first, or give this stream another file' : `if that process is gone, delete ${lockPath}`;
        throw new LockError(`The store ${storePath} is in use by ${describeHolder(holder)}: two streams must not share one store file; ${remedy}`, holder);
      }
      // Stale: move it aside, and make sure what was moved is what was judged stale.
      const grave = `${lockPath}.${me.token}.stale`;
      try {
        await rename(lockPath, grave);
      } catch (renameError) {
        if (errnoOf(renameError) === 'ENOENT') continue;
        throw new LockError(`Cannot take over the stale lock file ${lockPath}: ${describeErrno(renameError)}`, holder, errnoOf(renameError));
      }
      const moved = await readHolder(grave).catch(() => undefined);
      if (moved !== undefined && moved.text !== found.text) {
        // Another process took the stale lock between our read and our rename: give its lock back.
        await link(grave, lockPath).catch(() => undefined);
      }
      await unlink(grave).catch(() => undefined);
      continue;
    }
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } catch (error) {
      await file.close().catch(() => undefined);
      await unlink(lockPath).catch(() => undefined);
      throw new LockError(`Cannot write the lock file ${lockPath}: ${describeErrno(error)}`, undefined, errnoOf(error));
    }
    await file.close();
    heldHere.set(lockPath, me.token);
    return heldLock(lockPath, me, text);
  }
  const last = await readHolder(lockPath).catch(() => undefined);
  throw new LockError(
    `Cannot take the lock file ${lockPath}: ${last?.holder ? `held by ${describeHolder(last.holder)}` : 'it changes or stays unreadable'}; if no process uses the store ${storePath}, delete it`,
    last?.holder,
  );
}

function heldLock(path: string, holder: LockHolder, text: string): HeldLock {
  let released = false;
  return {
    path,
    holder,
    async verify() {
      const found = await readHolder(path).catch((error: unknown) => {
        throw new LockError(`Cannot read the lock file ${path}: ${describeErrno(error)}`, undefined, errnoOf(error));
      });
      if (found?.text === text) return;
      const now = found?.holder ? `it now names ${describeHolder(found.holder)}` : found === undefined ? 'it was removed' : 'it was overwritten';
      throw new LockError(`This process no longer holds the lock file ${path} (${now}): the store is not written, so as not to overwrite another process's state`, found?.holder);
    },
    async release() {
      if (released) return;
      released = true;
      if (heldHere.get(path) === holder.token) heldHere.delete(path);
      const found = await readHolder(path).catch(() => undefined);
      if (found?.text === text) await unlink(path).catch(() => undefined);
    },
  };
}
