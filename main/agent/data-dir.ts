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
import { chmodSync, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KEY_FILE } from '../engine/passphrase-cipher.js';
import { STORE_FILE } from '../engine/store.js';
import { LOCK_FILE_NAME } from './lock.js';
import { ensurePrivateDir, lstatOrNull, ourGroups, SOCKET_FILE_NAME } from './socket-path.js';

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
  /** Owners.unmappedRoot (default: read from /proc). */
  unmappedRoot?: number | null;
}

/** Who may own a folder above the data dir: root, us, and root as a user namespace shows it. */
export interface Owners {
  uid: number;
  groups: readonly number[];
  /**
   * In a user namespace that does not map uid 0 (toolbox, distrobox, rootless containers with
   * keep-id, flatpak), files of the host's root show as the overflow uid (65534): that uid then
   * counts as root. Null elsewhere.
   */
  unmappedRoot: number | null;
}

/**
 * The overflow uid when this process's user namespace does not map the host's root (Linux): no
 * line of /proc/self/uid_map (inside, outside, count) covers outside uid 0, so files of the host's
 * root show as the overflow uid (rootless podman maps its own root to a subuid). Else null.
 */
export function unmappedRootUid(platform: NodeJS.Platform = process.platform): number | null {
  if (platform !== 'linux') return null;
  try {
    const map = readFileSync('/proc/self/uid_map', 'utf8');
    const mapsHostRoot = map
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .some(
        ([, outside, count]) =>
          outside !== undefined && count !== undefined && outside <= 0 && 0 < outside + count,
      );
    if (mapsHostRoot) return null;
    return Number.parseInt(readFileSync('/proc/sys/kernel/overflowuid', 'utf8'), 10) || 65534;
  } catch {
    return null;
  }
}

/**
 * Why a folder above the data dir lets someone else swap what lies below it (rename the data dir
 * away and put a folder of their own in its place while the agent runs), or null. Safe: owned by
 * root or us, and writable by no one else, or sticky (`/tmp`'s 1777: there only an entry's owner
 * may rename it). A group of ours writing it counts as us, as for the data dir itself.
 */
function unsafeFolderReason(stats: Stats, owners: Owners): string | null {
  if (!trustedOwner(stats.uid, owners)) return `it is owned by uid ${stats.uid}`;
  if ((stats.mode & 0o1000) !== 0) return null;
  const mode = `mode ${(stats.mode & 0o7777).toString(8)}`;
  if ((stats.mode & 0o002) !== 0) return `it is ${mode}, writable by every user`;
  if ((stats.mode & 0o020) !== 0 && !owners.groups.includes(stats.gid)) {
    return `it is ${mode}, writable by group ${stats.gid}, which is not one of ours`;
  }
  return null;
}

function trustedOwner(uid: number, owners: Owners): boolean {
  return uid === 0 || uid === owners.uid || (owners.unmappedRoot !== null && uid === owners.unmappedRoot);
}

/** Links followed on one path at most, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * Refuses a data dir under a folder someone else can write (or owns). The path to it is walked as
 * the kernel resolves it, one name at a time from `/`: each folder is checked, and each symbolic
 * link on the way (macOS's `/var`, a home moved elsewhere) must be root's or ours, lie in a folder
 * already checked, and is followed one step (a chain of links: every link of it). The walk stops
 * at the first name that does not exist yet: the agent creates the rest, 0700. POSIX only.
 */
function checkFoldersAbove(dataDir: string, owners: Owners, warnings: string[]): void {
  const refuse = (folder: string, reason: string) => {
    throw new DataDirError(
      'unsafe_parent',
      folder,
      `refusing to start: ${folder}, above the data dir ${dataDir}, is not safe: ${reason}, so ` +
        `another user could put a folder of theirs in the data dir's place while the agent runs; ` +
        'use a data dir under folders only you (or root) can write, such as your home',
    );
  };
  const names = (path: string) => path.split('/').filter((name) => name !== '' && name !== '.');
  const root = lstatSync('/');
  const rootReason = unsafeFolderReason(root, owners);
  if (rootReason !== null) refuse('/', rootReason);
  let pending = names(dirname(resolve(dataDir)));
  let current = '/';
  let via: string | null = null;
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, name);
    const entry = lstatOrNull(next);
    if (entry === null) return;
    const shown = via === null ? next : `${next} (where ${via} leads)`;
    if (entry.isSymbolicLink()) {
      if (!trustedOwner(entry.uid, owners)) refuse(shown, `it is a link owned by uid ${entry.uid}`);
      if (++links > MAX_LINKS) refuse(shown, `it leads through more than ${MAX_LINKS} links`);
      const target = readlinkSync(next);
      via = via ?? next;
      if (target.startsWith('/')) current = '/';
      pending = [...names(target), ...pending];
      continue;
    }
    if (!entry.isDirectory()) return; // not a folder: the data dir's own check says so
    const reason = unsafeFolderReason(entry, owners);
    if (reason !== null) refuse(shown, reason);
    if (owners.unmappedRoot !== null && entry.uid === owners.unmappedRoot && entry.uid !== owners.uid) {
      const note = `${shown} shows as owned by uid ${entry.uid}, the host's root as this user namespace sees it; another host user's folder would show so too`;
      if (!warnings.includes(note)) warnings.push(note);
    }
    current = next;
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
  // The folders above first: nothing is created under one that is not safe.
  const owners: Owners | null =
    posix && uid !== null
      ? {
          uid,
          groups: options.groups ?? ourGroups(),
          unmappedRoot: options.unmappedRoot !== undefined ? options.unmappedRoot : unmappedRootUid(platform),
        }
      : null;
  if (owners !== null) checkFoldersAbove(dataDir, owners, warnings);
  const existed = lstatOrNull(dataDir) !== null;
  const tightened = ensurePrivateDir(dataDir, true);
  if (tightened !== null) warnings.push(tightened);
  // What mkdir made can have met a folder someone made meanwhile (a race in a sticky /tmp): the
  // walk again, now that every name exists.
  if (owners !== null && !existed) checkFoldersAbove(dataDir, owners, []);
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
