/**
 * The headless agent's data dir, made safe before anything reads or writes in it (issue #12): the
 * lock, the key file, the store and the socket all live there, and a folder that others could
 * write lets them plant a link where one of those files goes. So, first of all: the folder is
 * created 0700 or checked (a directory, not a link, ours, not a folder shared with others:
 * socket-path.ts sharedFolderReason) and tightened to 0700; once it is, nobody
 * else can add entries, and what is already there is checked: an entry named like one of ours
 * that is a symbolic link, belongs to another user or is of the wrong type is refused, naming its
 * path. Every file is then created with O_CREAT|O_EXCL (the lock, the store's and the key file's
 * temp files; the socket by bind(), which never follows a link either). The folders above it are
 * checked too: one that someone else owns or may write (not sticky) lets them swap the data dir
 * itself for one of theirs while the agent runs (checkFoldersAbove).
 */
import { chmodSync, lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KEY_FILE } from '../engine/passphrase-cipher.js';
import { STORE_FILE } from '../engine/store.js';
import { LOCK_FILE_NAME } from './lock.js';
import { ensurePrivateDir, SOCKET_FILE_NAME } from './socket-path.js';

/** An entry of the data dir the agent will not use; the message names it and what is wrong. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly code: 'symlink' | 'not_owned' | 'wrong_type' | 'not_private' | 'unsafe_parent',
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The files the agent keeps in its data dir; `NAME` and `NAME.*` (temp, moved-aside) are checked. */
export const DATA_DIR_FILES = [STORE_FILE, KEY_FILE, LOCK_FILE_NAME, SOCKET_FILE_NAME] as const;

export interface DataDirOptions {
  platform?: NodeJS.Platform;
  /** Our uid; null where there is none (Windows). */
  uid?: number | null;
  /** Our primary and supplementary groups (a folder they may write is ours too). */
  groups?: readonly number[];
}

/** The folders from `/` down to `dir`'s parent, `dir` made absolute (lexically: links kept). */
function foldersAbove(dir: string): string[] {
  const folders: string[] = [];
  for (let at = dirname(resolve(dir)); ; at = dirname(at)) {
    folders.unshift(at);
    if (dirname(at) === at) return folders;
  }
}

/**
 * Why a folder above the data dir lets someone else swap what lies below it (rename the data dir
 * away and put a folder of their own in its place while the agent runs), or null. Safe: owned by
 * root or us, and writable by no one else, or sticky (`/tmp`'s 1777: there only an entry's owner
 * may rename it). A group of ours writing it counts as us, as for the data dir itself.
 */
function unsafeFolderReason(stats: Stats, uid: number, groups: readonly number[]): string | null {
  if (stats.uid !== 0 && stats.uid !== uid) return `it is owned by uid ${stats.uid}`;
  if ((stats.mode & 0o1000) !== 0) return null;
  const mode = `mode ${(stats.mode & 0o7777).toString(8)}`;
  if ((stats.mode & 0o002) !== 0) return `it is ${mode}, writable by every user`;
  if ((stats.mode & 0o020) !== 0 && !groups.includes(stats.gid)) {
    return `it is ${mode}, writable by group ${stats.gid}, which is not one of ours`;
  }
  return null;
}

/**
 * Refuses a data dir under a folder someone else can write (or owns): every folder from `/` down,
 * and for a folder that is a symbolic link (macOS's `/var`, a home moved elsewhere) the link
 * itself (owned by root or us) and every folder of where it leads. POSIX only.
 */
function checkFoldersAbove(dataDir: string, uid: number, groups: readonly number[]): void {
  const refuse = (folder: string, reason: string) => {
    throw new DataDirError(
      'unsafe_parent',
      folder,
      `refusing to start: ${folder}, above the data dir ${dataDir}, is not safe: ${reason}, so ` +
        `another user could put a folder of theirs in the data dir's place while the agent runs; ` +
        'use a data dir under folders only you (or root) can write, such as your home',
    );
  };
  for (const folder of foldersAbove(dataDir)) {
    const entry = lstatSync(folder);
    if (!entry.isSymbolicLink()) {
      const reason = unsafeFolderReason(entry, uid, groups);
      if (reason !== null) refuse(folder, reason);
      continue;
    }
    if (entry.uid !== 0 && entry.uid !== uid) refuse(folder, `it is a link owned by uid ${entry.uid}`);
    // Where it leads holds no links (realpath): each folder of it, the target itself included.
    const target = realpathSync(folder);
    for (const real of [...foldersAbove(target), target]) {
      const reason = unsafeFolderReason(statSync(real), uid, groups);
      if (reason !== null) refuse(`${real} (where ${folder} leads)`, reason);
    }
  }
}

function describeLink(path: string): string {
  try {
    return ` (to ${readlinkSync(path)})`;
  } catch {
    return '';
  }
}

/**
 * Checks and tightens `dataDir` (creating it 0700 if missing), then checks the entries named like
 * ours. Throws SocketPathError for the folder itself (a link, not a directory, another user's) and
 * DataDirError for an entry; returns warnings worth logging (what was tightened).
 */
export function prepareDataDir(dataDir: string, options: DataDirOptions = {}): string[] {
  const platform = options.platform ?? process.platform;
  const uid =
    options.uid !== undefined ? options.uid : typeof process.getuid === 'function' ? process.getuid() : null;
  const posix = platform !== 'win32';
  const warnings: string[] = [];
  const tightened = ensurePrivateDir(dataDir, true);
  if (tightened !== null) warnings.push(tightened);
  if (posix && uid !== null) {
    const groups = options.groups ?? [
      ...(typeof process.getgid === 'function' ? [process.getgid()] : []),
      ...(typeof process.getgroups === 'function' ? process.getgroups() : []),
    ];
    checkFoldersAbove(dataDir, uid, groups);
  }
  const mode = lstatSync(dataDir).mode & 0o777;
  if (posix && (mode & 0o077) !== 0) {
    throw new DataDirError(
      'not_private',
      dataDir,
      `refusing to start: ${dataDir} is still mode ${mode.toString(8)} after chmod 700`,
    );
  }
  for (const name of readdirSync(dataDir).sort()) {
    const own = DATA_DIR_FILES.find((file) => name === file || name.startsWith(`${file}.`));
    if (own === undefined) continue;
    const path = join(dataDir, name);
    const entry = lstatSync(path);
    if (entry.isSymbolicLink()) {
      throw new DataDirError(
        'symlink',
        path,
        `refusing to start: ${path} is a symbolic link${describeLink(path)}; the agent creates its ` +
          'own files and follows no links in its data dir (remove it)',
      );
    }
    if (uid !== null && entry.uid !== uid) {
      throw new DataDirError(
        'not_owned',
        path,
        `refusing to start: ${path} is owned by uid ${entry.uid}, not by us (uid ${uid}); ` +
          'another user may have planted it while the folder was open to them (remove it)',
      );
    }
    const socket = name === SOCKET_FILE_NAME && posix;
    if (socket ? !entry.isSocket() : !entry.isFile()) {
      throw new DataDirError(
        'wrong_type',
        path,
        `refusing to start: ${path} is not a ${socket ? 'socket' : 'regular file'} (remove it if it is not needed)`,
      );
    }
    if (posix && !socket && (entry.mode & 0o077) !== 0) {
      chmodSync(path, 0o600);
      warnings.push(`tightened ${path} from mode ${(entry.mode & 0o777).toString(8)} to 600`);
    }
  }
  return warnings;
}
