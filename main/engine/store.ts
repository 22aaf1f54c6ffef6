/**
 * The account store on `conf` (atomic, fsynced writes through an O_EXCL temp file that never
 * follows a link; mode 0600; a schema version with migrations). Secrets and tokens are kept as
 * envelopes `{c: cipher id, d: base64}`; the store never decrypts anything itself. A file that
 * does not parse is moved aside, never overwritten.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Conf from 'conf';
import { StoreError } from './errors.js';
import type { ActivityEntry, FieldValue } from './types.js';

export const STORE_FILE = 'accounts.json';
export const STORE_FORMAT_VERSION = '1.0.0';

/** An encrypted value and the cipher that wrote it. */
export interface Envelope {
  c: string;
  d: string;
}

export interface StoredToken {
  access: Envelope;
  refresh: Envelope | null;
  tokenType: string;
  scope: string | null;
  obtainedAt: string;
  expiresAt: string | null;
  expirySource: string | null;
  grant: string;
}

export interface StoredError {
  code: string;
  message: string;
  serverMessage: string | null;
  status: number | null;
  kind: string;
  at: string;
}

export interface AccountRecord {
  settings: Record<string, FieldValue>;
  secrets: Record<string, Envelope>;
  token: StoredToken | null;
  lastRefreshAt: string | null;
  error: StoredError | null;
  activity: ActivityEntry[];
  createdAt: string;
  updatedAt: string;
}

interface StoreShape {
  accounts: Record<string, AccountRecord>;
  [key: string]: unknown;
}

export interface StoreChanges {
  put?: [string, AccountRecord][];
  remove?: string[];
}

export interface OpenedStore {
  store: AccountStore;
  /** Problems found while opening (a file moved aside), for the host to show. */
  warnings: string[];
}

/** Secrets and tokens stay in memory only: used when the OS offers no real protection. */
export interface StoreOptions {
  persistSecrets?: boolean;
  /** Names the moved-aside file (the engine's clock). */
  now?: () => number;
}

/** Waits `ms` without returning to the event loop (a sync writer's retry). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Renames, retrying briefly where Windows refuses while another process (a scanner) has the file open. */
function renameRetrying(from: string, to: string): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (process.platform !== 'win32' || attempt >= 10 || !['EPERM', 'EACCES', 'EBUSY'].includes(code))
        throw error;
      sleepSync(attempt * 20);
    }
  }
}

/** Writes all of `data` at the start of the file. */
function writeAll(fd: number, data: string | Uint8Array): void {
  // A string is written straight from V8, without a Buffer copy of a store that may be megabytes;
  // a short write (rare on a regular file) is finished from a Buffer.
  let bytes: Uint8Array;
  let at: number;
  if (typeof data === 'string') {
    at = writeSync(fd, data, 0, 'utf8');
    if (at === Buffer.byteLength(data, 'utf8')) return;
    bytes = Buffer.from(data, 'utf8');
  } else {
    bytes = data;
    at = 0;
  }
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at, at);
}

/**
 * Replaces `path` with `data` so that a crash leaves the old or the new version, and never writes
 * through a link (issue #12): the temp file beside it is created with O_CREAT|O_EXCL|O_NOFOLLOW
 * (never an existing file, never a link's target), set to `mode`, fsynced and renamed over `path`;
 * then the directory is fsynced where that is supported. A symbolic link at `path` is refused,
 * naming it (the rename would replace the link, but a link there is not ours to replace).
 * Temp files are named `<path>.tmp-<pid>-<random>`; the store's open() removes leftovers.
 */
export function writeFileNoFollow(path: string, data: string | Uint8Array, mode = 0o600): void {
  const refuseLink = (): void => {
    let link = false;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (link) throw new Error(`refusing to write ${path}: it is a symbolic link (remove it yourself)`);
  };
  refuseLink();
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fd = openSync(temp, flags, mode);
  try {
    try {
      // The umask may have taken bits off `mode`; it never adds any.
      fchmodSync(fd, mode);
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    refuseLink();
    renameRetrying(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Directory fsync is not supported everywhere (Windows); the rename itself is atomic.
  }
}

/**
 * conf with its one write replaced by writeFileNoFollow: conf writes through `atomically`, which
 * opens its temp file with a plain 'w' (following a link planted at that name) and resolves a
 * symlinked store to write its target. conf declares `_write` private, hence defineProperty.
 */
class StoreConf extends Conf<StoreShape> {}
Object.defineProperty(StoreConf.prototype, '_write', {
  configurable: true,
  writable: true,
  value(this: StoreConf, value: StoreShape): void {
    // conf's own serialization (JSON with tabs), so a file reads the same whichever wrote it.
    writeFileNoFollow(this.path, JSON.stringify(value, undefined, '\t'), 0o600);
  },
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a parsed file is not a format-1 store, or null when it is one. */
export function shapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.accounts === undefined) return null;
  if (!isObject(value.accounts)) return '"accounts" is not an object';
  for (const [name, record] of Object.entries(value.accounts)) {
    const valid =
      isObject(record) &&
      isObject(record.settings) &&
      typeof record.settings.preset === 'string' &&
      isObject(record.secrets) &&
      (record.token === null || isObject(record.token)) &&
      (record.error === null || isObject(record.error)) &&
      Array.isArray(record.activity);
    if (!valid) return `the account "${name}" is not an account record`;
  }
  return null;
}

export class AccountStore {
  readonly path: string;
  private readonly conf: Conf<StoreShape>;
  private readonly records: Map<string, AccountRecord>;
  private readonly internal: unknown;
  /** Secrets and tokens as read from disk: what a memory-only store writes back untouched. */
  private readonly fromDisk: Map<string, Pick<AccountRecord, 'secrets' | 'token'>>;

  private constructor(
    conf: Conf<StoreShape>,
    private readonly persistSecrets: boolean,
  ) {
    this.conf = conf;
    this.path = conf.path;
    // conf re-reads the file on every access: read it once and keep the records in memory.
    const data = conf.store;
    this.internal = data.__internal__;
    this.records = new Map(Object.entries(data.accounts ?? {}));
    this.fromDisk = new Map(
      [...this.records].map(([name, r]) => [name, { secrets: r.secrets, token: r.token }]),
    );
  }

  /** Opens (or creates) the store in `dataDir`; an unparsable file is moved aside and reported. */
  static open(dataDir: string, options: StoreOptions = {}): OpenedStore {
    const warnings: string[] = [];
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // A writer killed mid-write leaves its temp file behind; the store itself is intact (the
    // rename never happened), so the leftovers are garbage.
    for (const name of readdirSync(dataDir)) {
      if (name.startsWith(`${STORE_FILE}.tmp-`)) rmSync(join(dataDir, name), { force: true });
    }
    // conf parses the file several times while opening (defaults, migrations, validation): parse
    // each distinct text once. conf only replaces top-level keys, so sharing the result is safe.
    let lastText: string | null = null;
    let lastValue: StoreShape | null = null;
    const deserialize = (text: string): StoreShape => {
      if (text !== lastText || lastValue === null) {
        lastValue = JSON.parse(text) as StoreShape;
        lastText = text;
      }
      return lastValue;
    };
    const path = join(dataDir, STORE_FILE);
    const moveAside = (why: string) => {
      const aside = `${path}.unreadable-${new Date(options.now?.() ?? Date.now()).toISOString().replace(/[:.]/g, '-')}`;
      renameSync(path, aside);
      warnings.push(
        `${path} could not be read (${why}); it was moved to ${aside} and a new store was started`,
      );
    };
    // Checked before conf sees the file: conf rewrites a file it can read but we cannot use
    // (`null`, missing defaults), and a record of the wrong shape would stop the engine from starting.
    if (existsSync(path)) {
      let problem: string | null;
      try {
        const text = readFileSync(path, 'utf8');
        const value: unknown = JSON.parse(text);
        problem = shapeProblem(value);
        if (problem === null) [lastText, lastValue] = [text, value as StoreShape];
      } catch (error) {
        problem = (error as Error).message;
      }
      if (problem !== null) moveAside(problem);
    }
    const make = () =>
      new StoreConf({
        deserialize,
        cwd: dataDir,
        configName: 'accounts',
        projectName: 'tokentray',
        projectVersion: STORE_FORMAT_VERSION,
        configFileMode: 0o600,
        clearInvalidConfig: false,
        watch: false,
        accessPropertiesByDotNotation: false,
        defaults: { accounts: {} },
        migrations: {
          // Format 1: accounts keyed by name. Later formats add steps here.
          '1.0.0': (store) => {
            if (!store.has('accounts')) store.set('accounts', {});
          },
        },
      });
    // The file's text and shape were checked above, so a failure here is not the file's fault (a
    // broken install, a permission, a newer format): say so and leave the file exactly where it is.
    // Moving it aside here once turned a packaging bug into "your accounts are gone".
    let conf: Conf<StoreShape>;
    try {
      conf = make();
    } catch (error) {
      const kept = existsSync(path) ? `; ${path} was left as it is` : '';
      throw new StoreError('io', `cannot open the store in ${dataDir}: ${(error as Error).message}${kept}`);
    }
    const store = new AccountStore(conf, options.persistSecrets ?? true);
    // conf keeps the deserializer for its life: drop the file's text and parse (MBs for 10k accounts).
    [lastText, lastValue] = [null, null];
    return { store, warnings };
  }

  names(): string[] {
    return [...this.records.keys()];
  }

  get(name: string): AccountRecord | undefined {
    return this.records.get(name);
  }

  /**
   * The stored name matching `name`: itself when stored so, else one matching it ignoring case.
   * (Names are unique ignoring case, but a hand-edited store may hold `work` and `Work`.)
   */
  findName(name: string): string | undefined {
    if (this.records.has(name)) return name;
    const lower = name.toLowerCase();
    for (const key of this.records.keys()) if (key.toLowerCase() === lower) return key;
    return undefined;
  }

  private queued: { changes: StoreChanges; resolve: () => void; reject: (error: unknown) => void }[] = [];

  /**
   * Like `write`, but changes made in the same turn of the event loop share one write: many
   * renewals finishing together cost one fsync, and each caller still resumes only once its
   * change is on disk.
   */
  commit(changes: StoreChanges): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ changes, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.flushQueued());
    });
  }

  private flushQueued(): void {
    const batch = this.queued;
    this.queued = [];
    const merged: Required<StoreChanges> = { put: [], remove: [] };
    for (const { changes } of batch) {
      merged.remove.push(...(changes.remove ?? []));
      merged.put.push(...(changes.put ?? []));
    }
    try {
      this.write(merged);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) item.resolve();
  }

  /** Replaces records and writes them to disk before returning. */
  write(changes: StoreChanges): void {
    const next = new Map(this.records);
    for (const name of changes.remove ?? []) next.delete(name);
    for (const [name, record] of changes.put ?? []) next.set(name, record);
    this.persist(next);
    this.records.clear();
    for (const [name, record] of next) this.records.set(name, record);
  }

  private persist(records: Map<string, AccountRecord>): void {
    const accounts: Record<string, AccountRecord> = {};
    for (const [name, record] of records) {
      // Memory-only: nothing new is written, and what an earlier session stored (under a keyring
      // that is not here now) is written back as it was, never dropped (B3).
      const kept = this.fromDisk.get(name);
      accounts[name] = this.persistSecrets
        ? record
        : { ...record, secrets: kept?.secrets ?? {}, token: kept?.token ?? null };
    }
    const data: StoreShape = { accounts };
    if (this.internal !== undefined) data.__internal__ = this.internal;
    try {
      this.conf.store = data;
    } catch (error) {
      throw new StoreError('io', `could not write ${this.path}: ${(error as Error).message}`);
    }
  }
}
