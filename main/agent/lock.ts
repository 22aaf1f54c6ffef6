/**
 * One engine per data dir: two renewers would burn each other's rotating refresh tokens. Node has
 * no flock, so the lock is a file created exclusively holding the owner's pid; a lock whose pid is
 * gone is stale and taken over. The socket is the second line of defence: listen() refuses a path
 * that another live agent already serves.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'agent.lock';

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(
      `another agent (pid ${pid}) is already running on this data dir; stop it first ` +
        `(if no agent is running, delete ${lockPath})`,
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isNaN(pid) ? null : pid;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Takes the data dir's lock or throws LockHeldError naming the live owner. */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  const content = `${process.pid}\n`;
  try {
    writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = readPid(path);
    if (owner !== null && isAlive(owner)) throw new LockHeldError(path, owner);
    // Stale (its agent was killed): replace it in one rename, then make sure we won any race.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, content, { mode: 0o600 });
    renameSync(temp, path);
    const now = readPid(path);
    if (now !== process.pid) throw new LockHeldError(path, now ?? -1);
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (readPid(path) === process.pid) unlinkSync(path);
    },
  };
}
