/**
 * One engine per data dir: two renewers would burn each other's rotating refresh tokens. Node has
 * no flock, so the lock is a file created exclusively (O_CREAT|O_EXCL) naming its owner: the pid,
 * the process's start time as the OS reports it, and the socket it serves, if any.
 *
 * A pid alone is not enough: at a Windows log-off `before-quit` never comes, and a later process
 * that reuses the pid would block every start. So a lock is stale when its pid is gone, or when
 * the live pid started at another time than the recorded owner did (Linux: /proc/<pid>/stat,
 * macOS: `ps -o lstart=`). Where the OS does not tell (Windows), the async variant asks the
 * recorded socket or pipe: an owner that does not answer is gone. A pid that looks gone is asked
 * too, where a socket is recorded: it may live in another pid namespace (a container sharing the
 * data dir), where the pid means nothing here; a record from another namespace is judged by its
 * socket alone, and held while it is young. Anything undecidable is held.
 * The socket is the second line of defence: listen() refuses a path another live agent serves.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connectPipe } from './pipe-auth.js';

export const LOCK_FILE_NAME = 'agent.lock';

/** How long an owner may take between taking the lock and answering on its socket. */
export const LOCK_STARTUP_GRACE_MS = 60_000;
/** How long a socket probe waits for a connection (async variant). */
export const LOCK_PROBE_TIMEOUT_MS = 1_000;
/** A lock file younger than this with no readable content is being written by its owner. */
const WRITE_WINDOW_MS = 5_000;
/** Slack between a process's start and the moment it wrote the lock, for old pid-only locks. */
const START_SLACK_MS = 5_000;
const MAX_LOCK_BYTES = 4096;
const MAX_ATTEMPTS = 5;

export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly lockPath: string,
    readonly pid: number,
    message?: string,
  ) {
    super(
      message ??
        `another agent (pid ${pid}) is already running on this data dir; stop it first ` +
          `(if no agent is running, delete ${lockPath})`,
    );
  }
}

/** The lock path is not a plain file (a symbolic link, a directory): never followed, never replaced. */
export class LockFileError extends Error {
  override readonly name = 'LockFileError';
  constructor(
    readonly lockPath: string,
    what: string,
  ) {
    super(`refusing to use ${lockPath} as the data dir lock: it is ${what} (remove it yourself)`);
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent; never throws. */
  release(): void;
}

/** When a process started, as the OS reports it. */
export interface ProcessStart {
  /** Compared exactly: the same pid with the same `id` is the same process. */
  id: string;
  /** Wall-clock ms since the epoch (approximate on Linux: boot time + ticks). */
  startedAt: number;
}

export interface LockOptions {
  /** The socket (Windows: the pipe's rendezvous file) the owner serves; recorded so a later start can ask it. */
  socketPath?: string;
  /** How long the async variant waits for the recorded socket to accept a connection. */
  probeTimeoutMs?: number;
  /** Told when a stale lock is taken over, and why. */
  log?: (message: string) => void;
  /** The OS's start time of a pid; defaults to {@link processStartOf}. */
  processStart?: (pid: number) => ProcessStart | null;
  now?: () => number;
  /** This process's pid namespace; defaults to {@link pidNamespace} (tests pass another). */
  pidNamespace?: string | null;
}

/** What the lock file holds (one JSON line; older versions wrote just the pid). */
export interface LockRecord {
  pid: number;
  /** {@link ProcessStart.id} of the owner, or null where the OS does not tell. */
  start: string | null;
  /** The owner's start, wall-clock ms (for people, and for the start-up grace). */
  startedAt: number | null;
  socket: string | null;
  /**
   * The owner's pid namespace (Linux: `/proc/self/ns/pid`, `pid:[4026531836]`), or null. A pid
   * from another namespace (two containers sharing a data-dir volume, `unshare`) says nothing
   * about the owner here: it may be invisible, or another process's.
   */
  pidns: string | null;
}

let ownPidns: string | null | undefined;

/** This process's pid namespace, or null where there is none to read (not Linux, no /proc). */
export function pidNamespace(): string | null {
  if (ownPidns === undefined) {
    try {
      ownPidns = process.platform === 'linux' ? readlinkSync('/proc/self/ns/pid') : null;
    } catch {
      ownPidns = null;
    }
  }
  return ownPidns;
}

/** Our pid namespace as `options` give it (tests), else as /proc tells. */
const namespaceOf = (options: LockOptions): string | null =>
  options.pidNamespace !== undefined ? options.pidNamespace : pidNamespace();

/** Parses a `ps -o lstart=` line (`Mon Jan  1 12:00:00 2024`, local time, C locale) to ms. */
export function parsePsLstart(text: string): number | null {
  const match =
    /^\s*[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/.exec(text);
  if (match === null) return null;
  const [, mon, day, hh, mm, ss, year] = match;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(
    mon ?? '',
  );
  if (month < 0) return null;
  const ms = new Date(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss)).getTime();
  return Number.isFinite(ms) ? ms : null;
}

function readSmall(path: string): string | null {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_LOCK_BYTES);
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.subarray(0, length).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat from field 3 (state) on; the name in field 2 may hold spaces and ')'. */
function linuxStatFields(pid: number): string[] | null {
  const stat = readSmall(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const close = stat.lastIndexOf(')');
  return close < 0 ? null : stat.slice(close + 2).split(' ');
}

function linuxStart(pid: number): ProcessStart | null {
  const fields = linuxStatFields(pid);
  // Field 22: start time in clock ticks after boot. USER_HZ is 100 on every architecture we ship.
  const ticks = fields?.[22 - 3];
  if (ticks === undefined || !/^\d+$/.test(ticks)) return null;
  const bootId = (readSmall('/proc/sys/kernel/random/boot_id') ?? '').trim();
  const btime = /^btime (\d+)$/m.exec(readSmall('/proc/stat') ?? '')?.[1];
  const startedAt = btime === undefined ? Number.NaN : Number(btime) * 1000 + Number(ticks) * 10;
  return { id: `linux:${bootId}:${ticks}`, startedAt };
}

function darwinStart(pid: number): ProcessStart | null {
  const result = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
    encoding: 'utf8',
    timeout: 2_000,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.status !== 0 || typeof result.stdout !== 'string') return null;
  const ms = parsePsLstart(result.stdout);
  return ms === null ? null : { id: `darwin:${ms / 1000}`, startedAt: ms };
}

/** The OS's start time of `pid`, or null where it does not say (Windows, hidden /proc, no such pid). */
export function processStartOf(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): ProcessStart | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (platform === 'linux') return linuxStart(pid);
  if (platform === 'darwin') return darwinStart(pid);
  return null;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie answers kill(0) but serves nothing.
  if (process.platform === 'linux') {
    const state = linuxStatFields(pid)?.[0];
    if (state === 'Z' || state === 'X') return false;
  }
  return true;
}

/** Parses the lock's content; null when it holds neither a record nor a bare pid. */
export function parseLockRecord(text: string): LockRecord | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed))
    return { pid: Number(trimmed), start: null, startedAt: null, socket: null, pidns: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { pid, start, startedAt, socket, pidns } = parsed as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  return {
    pid,
    start: typeof start === 'string' ? start : null,
    startedAt: typeof startedAt === 'number' && Number.isFinite(startedAt) ? startedAt : null,
    socket: typeof socket === 'string' && socket !== '' ? socket : null,
    pidns: typeof pidns === 'string' && pidns !== '' ? pidns : null,
  };
}

interface SeenLock {
  raw: string;
  stats: Stats;
  record: LockRecord | null;
}

/** Reads the lock without following a link; null if there is none. */
function readLock(path: string): SeenLock | null {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (stats.isSymbolicLink()) throw new LockFileError(path, 'a symbolic link');
  if (!stats.isFile()) throw new LockFileError(path, 'not a regular file');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new LockFileError(path, 'a symbolic link');
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    const buffer = Buffer.alloc(MAX_LOCK_BYTES);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const raw = buffer.subarray(0, length).toString('utf8');
    return { raw, stats: opened, record: parseLockRecord(raw) };
  } finally {
    closeSync(fd);
  }
}

/** Creates the lock with O_CREAT|O_EXCL (never through a link); false if something is already there. */
function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

/** Removes the stale lock only if it is still the file that was judged; a changed one is judged again. */
function removeIfUnchanged(path: string, seen: SeenLock): void {
  const now = readLock(path);
  if (now === null) return;
  if (now.raw !== seen.raw || now.stats.ino !== seen.stats.ino || now.stats.mtimeMs !== seen.stats.mtimeMs)
    return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

type Verdict =
  | { kind: 'held'; pid: number; message?: string }
  | { kind: 'stale'; why: string }
  /** Ask the socket: if it answers the lock is held, else stale for `why`. Without asking: `otherwise`. */
  | { kind: 'ask'; pid: number; socket: string; why: string; otherwise: 'held' | 'stale' };

function iso(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? 'unknown' : new Date(ms).toISOString();
}

/** Decides from the lock's content and the live process whether the lock is held. */
function judge(path: string, seen: SeenLock, options: LockOptions): Verdict {
  const now = options.now?.() ?? Date.now();
  const record = seen.record;
  if (record === null) {
    // The owner creates the file and then writes it: a young empty file is someone starting.
    if (now - seen.stats.mtimeMs < WRITE_WINDOW_MS) {
      return {
        kind: 'held',
        pid: -1,
        message: `another agent is starting on this data dir (it is writing ${path}); try again in a moment`,
      };
    }
    return { kind: 'stale', why: 'it names no owner' };
  }
  const { pid } = record;
  const ours = namespaceOf(options);
  if (record.pidns !== null && ours !== null && record.pidns !== ours) {
    // Another namespace's pid is not ours to look up: only the owner's socket can tell.
    const young = now - seen.stats.mtimeMs <= LOCK_STARTUP_GRACE_MS;
    if (record.socket === null || young) {
      return {
        kind: 'held',
        pid,
        message:
          `another agent (pid ${pid} in another pid namespace, ${record.pidns}) ` +
          `${young ? 'took this data dir moments ago and may still be starting' : 'holds this data dir'}; ` +
          `stop it first (if no agent is running, delete ${path})`,
      };
    }
    // The path it recorded is in its own mounts (a container's /data): ours is the one to ask.
    const socket = options.socketPath ?? record.socket;
    return {
      kind: 'ask',
      pid,
      socket,
      why: `its owner (pid ${pid} in another pid namespace) does not answer on ${socket}`,
      otherwise: 'held',
    };
  }
  if (!isAlive(pid)) {
    // Even a pid that looks gone may be a live owner we cannot see (an older record that names no
    // namespace): where it recorded a socket, that socket must not answer either.
    const why = `pid ${pid} is no longer running`;
    return record.socket === null
      ? { kind: 'stale', why }
      : {
          kind: 'ask',
          pid,
          socket: record.socket,
          why: `${why} and nothing answers on ${record.socket}`,
          otherwise: 'stale',
        };
  }
  const live = (options.processStart ?? processStartOf)(pid);
  let mismatch: string | null = null;
  if (live !== null && record.start !== null) {
    if (live.id === record.start) return { kind: 'held', pid };
    mismatch =
      `pid ${pid} is now another process (it started ${iso(live.startedAt)}, ` +
      `the lock's owner ${iso(record.startedAt)})`;
  } else if (live !== null && live.startedAt > seen.stats.mtimeMs + START_SLACK_MS) {
    // A lock without a start time (an older version's) cannot have been written by a later process.
    mismatch = `pid ${pid} started ${iso(live.startedAt)}, after the lock was written (${iso(seen.stats.mtimeMs)})`;
  }
  if (mismatch !== null) {
    return record.socket === null
      ? { kind: 'stale', why: mismatch }
      : {
          kind: 'ask',
          pid,
          socket: record.socket,
          why: `${mismatch} and nothing answers on ${record.socket}`,
          otherwise: 'stale',
        };
  }
  // The OS does not say who the pid is: only the owner's socket can, once it had time to open it.
  if (record.socket !== null && now - seen.stats.mtimeMs > LOCK_STARTUP_GRACE_MS) {
    return {
      kind: 'ask',
      pid,
      socket: record.socket,
      why: `pid ${pid} does not answer on ${record.socket}`,
      otherwise: 'held',
    };
  }
  return { kind: 'held', pid };
}

/** Resolves true if `socketPath` (Windows: a pipe rendezvous file) accepts a connection within `timeoutMs`. */
export function socketAnswers(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    let socket: Socket;
    try {
      socket = process.platform === 'win32' ? connectPipe(socketPath) : connect({ path: socketPath });
    } catch {
      done(false);
      return;
    }
    const finish = (answered: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      done(answered);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function ownRecord(socketPath: string | undefined, options: LockOptions): string {
  const start = (options.processStart ?? processStartOf)(process.pid);
  const record: LockRecord = {
    pid: process.pid,
    start: start?.id ?? null,
    startedAt: start?.startedAt ?? Math.round(Date.now() - process.uptime() * 1000),
    socket: socketPath ?? null,
    pidns: namespaceOf(options),
  };
  return `${JSON.stringify(record)}\n`;
}

function handle(path: string, content: string): DataDirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        if (readLock(path)?.raw === content) unlinkSync(path);
      } catch {
        // Not ours any more, or already gone: leave it.
      }
    },
  };
}

/** The acquisition, shared by both variants: yields each 'ask' verdict and resumes with whether the socket answered. */
function* acquiring(
  dataDir: string,
  options: LockOptions,
): Generator<Extract<Verdict, { kind: 'ask' }>, DataDirLock, boolean> {
  const path = join(dataDir, LOCK_FILE_NAME);
  const content = ownRecord(options.socketPath, options);
  let lastPid = -1;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (tryCreate(path, content)) return handle(path, content);
    const seen = readLock(path);
    if (seen === null) continue;
    let verdict = judge(path, seen, options);
    if (verdict.kind === 'ask') {
      const answered = yield verdict;
      verdict = answered ? { kind: 'held', pid: verdict.pid } : { kind: 'stale', why: verdict.why };
    }
    if (verdict.kind === 'held') throw new LockHeldError(path, verdict.pid, verdict.message);
    lastPid = seen.record?.pid ?? -1;
    options.log?.(`taking over the stale lock ${path}: ${verdict.why}`);
    removeIfUnchanged(path, seen);
  }
  throw new LockHeldError(
    path,
    lastPid,
    `could not take ${path}: it kept changing (is another agent starting on this data dir?)`,
  );
}

/**
 * Takes the data dir's lock or throws LockHeldError naming the live owner and the lock file.
 * Synchronous, so it cannot ask a socket: a live pid whose start the OS does not report (Windows)
 * keeps its lock; one whose start differs from the recorded owner's is stale.
 */
export function acquireDataDirLock(dataDir: string, options: LockOptions = {}): DataDirLock {
  const run = acquiring(dataDir, options);
  let step = run.next();
  while (step.done !== true) step = run.next(step.value.otherwise === 'held');
  return step.value;
}

/**
 * Like {@link acquireDataDirLock}, and where the pid alone cannot tell (Windows, or a start-time
 * mismatch), asks the socket recorded in the lock: an owner that does not accept a connection
 * within `probeTimeoutMs` is gone. Pass `socketPath` so the next start can ask this one.
 */
export async function acquireDataDirLockAsync(
  dataDir: string,
  options: LockOptions = {},
): Promise<DataDirLock> {
  const run = acquiring(dataDir, options);
  let step = run.next();
  while (step.done !== true) {
    const answered = await socketAnswers(step.value.socket, options.probeTimeoutMs ?? LOCK_PROBE_TIMEOUT_MS);
    step = run.next(answered);
  }
  return step.value;
}
