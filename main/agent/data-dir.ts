/**
 * The headless agent's data dir, made safe before anything reads or writes in it (issue #12): the
 * lock, the key file, the store and the socket all live there, and a folder that others could
 * write lets them plant a link where one of those files goes. So, first of all: the folder is
 * created 0700 or checked (a directory, not a link, ours, not a folder shared with others:
 * socket-path.ts sharedFolderReason) and tightened to 0700; once it is, nobody
 * else can add entries, and what is already there is checked: an entry named like one of ours
 * that is a symbolic link, belongs to another user or is of the wrong type is refused, naming its
 * path. Every file is then created with O_CREAT|O_EXCL (the lock, the store's and the key file's
 * temp files; the socket by bind(), which never follows a link either).
 */
import { chmodSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_FILE } from '../engine/passphrase-cipher.js';
import { STORE_FILE } from '../engine/store.js';
import { LOCK_FILE_NAME } from './lock.js';
import { ensurePrivateDir, SOCKET_FILE_NAME } from './socket-path.js';

/** An entry of the data dir the agent will not use; the message names it and what is wrong. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly code: 'symlink' | 'not_owned' | 'wrong_type' | 'not_private',
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
