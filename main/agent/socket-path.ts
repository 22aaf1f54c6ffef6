/**
 * Where the local API socket lives and how its directory is made safe. Where a client looks for it
 * is socket-location.ts (re-exported here), the only part the CLI loads.
 *
 * POSIX: a Unix socket in a directory only the user can enter. Windows: Node cannot set a named
 * pipe's ACL, so the "socket path" is a user-only file that names a pipe with a random 128-bit
 * part and holds the per-run cookie a client must send first (see pipe-auth.ts).
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync, type Stats } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { shellQuote } from './shell-quote.js';

/** macOS limits `sun_path` to 104 bytes including the NUL; Linux to 108. Keep under the smaller. */
export const MAX_SOCKET_PATH_BYTES = 103;

/** A problem with the socket location that the user must fix; the message says how. */
export class SocketPathError extends Error {
  override readonly name = 'SocketPathError';
  constructor(
    readonly code:
      'too_long' | 'symlink' | 'not_owned' | 'not_directory' | 'shared' | 'not_socket' | 'in_use',
    message: string,
  ) {
    super(message);
  }
}

export {
  APP_DIR_NAME,
  clientSocketPath,
  dataDirSocketPath,
  defaultAppDataDir,
  defaultSocketPath,
  SOCKET_FILE_NAME,
  type LocateOptions,
} from './socket-location.js';

/** Throws unless `path` fits in `sun_path` on every POSIX system we support. */
export function checkSocketPathLength(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new SocketPathError(
      'too_long',
      `socket path is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit of Unix sockets: ${path} ` +
        `(use a shorter --data-dir)`,
    );
  }
}

/** `lstat`, or null when nothing is there. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

function supplementaryGroups(): number[] {
  return typeof process.getgroups === 'function' ? process.getgroups() : [];
}

function currentGid(): number | null {
  return typeof process.getgid === 'function' ? process.getgid() : null;
}

/** Our primary group and our supplementary groups (none where there are no groups: Windows). */
export function ourGroups(): number[] {
  const gid = currentGid();
  return [...(gid === null ? [] : [gid]), ...supplementaryGroups()];
}

/**
 * Why `stats` (our own directory) is a folder shared with others, or null. Shared means others are
 * meant to add files there: writable by every user (`/tmp`'s 1777), or writable by
 * a group that is not our own primary group (a team folder, 2775 root:devs). Tightening such a
 * folder to 0700 would break it for everyone else, and whatever they already put there cannot be
 * trusted, so it is refused. A folder writable only by our own primary group is not: with Debian's
 * and Ubuntu's user private groups (umask 002) that group is us alone, and `mkdir` makes 0775.
 */
export function sharedFolderReason(
  stats: Stats,
  gid: number | null = currentGid(),
  groups: readonly number[] = supplementaryGroups(),
): string | null {
  const mode = `mode ${(stats.mode & 0o7777).toString(8)}`;
  if ((stats.mode & 0o002) !== 0) return `${mode}, writable by every user`;
  // Sticky and writable by a group: a drop folder for a team, even one whose group is ours (a
  // shared primary group such as `users`). Sticky alone (1700) shares nothing.
  if ((stats.mode & 0o1020) === 0o1020) return `${mode}, a sticky folder its group may write`;
  // Our supplementary groups count as ours too (a Kubernetes fsGroup volume is 2770, group fsGroup).
  if ((stats.mode & 0o020) !== 0 && gid !== null && stats.gid !== gid && !groups.includes(stats.gid)) {
    return `${mode}, writable by group ${stats.gid}, which is not one of ours (${gid})`;
  }
  return null;
}

/** `/tmp` and its kin: folders every user shares by design, never to be closed to them. */
function isSystemTempFolder(dir: string): boolean {
  const path = resolve(dir);
  return ['/tmp', '/var/tmp', '/dev/shm', resolve(tmpdir())].includes(path);
}

/**
 * Makes `dir` a directory only we can enter: created 0700 if missing; refused if it is a symlink,
 * not a directory, owned by another user or a folder shared with others (sharedFolderReason);
 * group/other bits on our own directory are removed unless `tighten` is false (then only checked).
 * Returns a warning when it tightened the mode.
 */
export function ensurePrivateDir(dir: string, tighten = true): string | null {
  let stats = lstatOrNull(dir);
  if (stats === null) {
    mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    stats = lstatSync(dir);
  }
  if (stats.isSymbolicLink()) {
    throw new SocketPathError('symlink', `refusing to use ${dir}: it is a symbolic link`);
  }
  if (!stats.isDirectory()) {
    throw new SocketPathError('not_directory', `refusing to use ${dir}: it is not a directory`);
  }
  const uid = currentUid();
  if (uid !== null && stats.uid !== uid) {
    throw new SocketPathError(
      'not_owned',
      `refusing to use ${dir}: it is owned by uid ${stats.uid}, not by us (uid ${uid})`,
    );
  }
  const shared = process.platform === 'win32' ? null : sharedFolderReason(stats);
  if (shared !== null) {
    throw new SocketPathError(
      'shared',
      `refusing to use ${dir}: it is a shared folder (${shared}); Tokentray's files need a folder ` +
        'of its own: give a new path (it is created 0700)' +
        // The system's temp folders are everyone's, whoever runs this (root owns them): no chmod.
        (isSystemTempFolder(dir)
          ? `, such as ${shellQuote(join(dir, 'tokentray'))}`
          : `, or if this folder is yours alone: chmod 700 ${shellQuote(dir)}`),
    );
  }
  if (tighten && process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    return `tightened ${dir} from mode ${(stats.mode & 0o7777).toString(8)} to 700`;
  }
  return null;
}

/** Resolves true if something accepts connections on the Unix socket `path`. */
export function isSocketLive(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ path });
    const finish = (live: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      done(live);
    };
    // A listener that accepts but is too busy to answer still counts as live: never steal its path.
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT'),
    );
  });
}

/**
 * Prepares `socketPath` for `listen` (POSIX): checks its length, makes its directory private,
 * removes a stale socket left by a killed agent, and refuses a live one or a non-socket file.
 * Returns warnings worth logging.
 */
export async function prepareSocketPath(socketPath: string): Promise<string[]> {
  const warnings: string[] = [];
  checkSocketPathLength(socketPath);
  const tightened = ensurePrivateDir(dirname(socketPath));
  if (tightened !== null) warnings.push(tightened);
  const existing = lstatOrNull(socketPath);
  if (existing === null) return warnings;
  if (existing.isSymbolicLink()) {
    throw new SocketPathError(
      'symlink',
      `refusing to replace ${socketPath}: it is a symbolic link (remove it yourself if it is not needed)`,
    );
  }
  if (!existing.isSocket()) {
    throw new SocketPathError(
      'not_socket',
      `refusing to replace ${socketPath}: it exists and is not a socket (remove it yourself if it is not needed)`,
    );
  }
  if (await isSocketLive(socketPath)) {
    throw new SocketPathError('in_use', `another agent is already serving ${socketPath}`);
  }
  unlinkSync(socketPath);
  warnings.push(`removed stale socket ${socketPath}`);
  return warnings;
}
