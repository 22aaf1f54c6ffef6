import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireDataDirLock,
  acquireDataDirLockAsync,
  LOCK_FILE_NAME,
  LockFileError,
  LockHeldError,
  parseLockRecord,
  parsePsLstart,
  processStartOf,
  type LockOptions,
} from '../../main/agent/lock.js';

const LOCK_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../main/agent/lock.ts');
const onLinux = process.platform === 'linux';

let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tokentray-lock-'));
  lockPath = path.join(dir, LOCK_FILE_NAME);
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  rmSync(dir, { recursive: true, force: true });
});

/** A long-lived process that has nothing to do with the lock. */
function sleeper(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child.pid;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((done) => child.once('exit', done));
  if (child.pid === undefined) throw new Error('node did not start');
  return child.pid;
}

function writeLock(record: Record<string, unknown> | string, ageMs = 0): void {
  writeFileSync(lockPath, typeof record === 'string' ? record : `${JSON.stringify(record)}\n`, {
    mode: 0o600,
  });
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    utimesSync(lockPath, then, then);
  }
}

function lockOwner(): number | undefined {
  return parseLockRecord(readFileSync(lockPath, 'utf8'))?.pid;
}

async function listeningSocket(): Promise<string> {
  const socketPath = path.join(dir, 'owner.sock');
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((done) => server.listen(socketPath, done));
  return socketPath;
}

/** Another process that takes the lock through lock.ts itself and keeps it until killed. */
async function realOwner(options: { socketPath?: string } = {}): Promise<ChildProcess> {
  const script = path.join(dir, 'owner.mts');
  writeFileSync(
    script,
    `import { acquireDataDirLock } from ${JSON.stringify(pathToFileURL(LOCK_MODULE).href)};
const lock = acquireDataDirLock(process.argv[2], ${JSON.stringify(options)});
process.on('SIGTERM', () => { lock.release(); process.exit(0); });
process.stdout.write('ready\\n');
setInterval(() => undefined, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) done();
    });
    child.once('exit', (code) => fail(new Error(`the owner exited (${code}): ${stderr}`)));
  });
  return child;
}

describe('data dir lock', () => {
  it('creates the lock 0600 with our pid, our start time and the socket we serve; release removes it', () => {
    const lock = acquireDataDirLock(dir, { socketPath: '/run/x/agent.sock' });
    const record = parseLockRecord(readFileSync(lockPath, 'utf8'));
    expect(record?.pid).toBe(process.pid);
    expect(record?.socket).toBe('/run/x/agent.sock');
    expect(record?.startedAt).toBeGreaterThan(Date.now() - process.uptime() * 1000 - 5_000);
    if (onLinux) expect(record?.start).toBe(processStartOf(process.pid)?.id);
    if (process.platform !== 'win32') expect(statSync(lockPath).mode & 0o777).toBe(0o600);
    lock.release();
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over a lock left by a dead pid, old format and new, and says why', async () => {
    const logged: string[] = [];
    const gone = await deadPid();
    writeLock(`${gone}\n`);
    acquireDataDirLock(dir, { log: (m) => logged.push(m) });
    expect(lockOwner()).toBe(process.pid);
    writeLock({ pid: gone, start: 'linux:boot:1', startedAt: 1, socket: null });
    const lock = await acquireDataDirLockAsync(dir, { log: (m) => logged.push(m) });
    expect(lockOwner()).toBe(process.pid);
    expect(logged).toEqual([
      `taking over the stale lock ${lockPath}: pid ${gone} is no longer running`,
      `taking over the stale lock ${lockPath}: pid ${gone} is no longer running`,
    ]);
    lock.release();
  });

  it.skipIf(!onLinux)('takes over a lock whose live pid is another process (wrong start time)', async () => {
    const pid = sleeper();
    const logged: string[] = [];
    writeLock({ pid, start: 'linux:some-old-boot:12345', startedAt: Date.now() - 86_400_000, socket: null });
    acquireDataDirLock(dir, { log: (m) => logged.push(m) });
    expect(lockOwner()).toBe(process.pid);
    expect(logged[0]).toMatch(new RegExp(`pid ${pid} is now another process`));
    // The async variant too, and with a recorded socket that no longer answers.
    writeLock({ pid, start: 'linux:some-old-boot:12345', startedAt: 0, socket: path.join(dir, 'gone.sock') });
    await acquireDataDirLockAsync(dir, { log: (m) => logged.push(m) });
    expect(lockOwner()).toBe(process.pid);
    expect(logged[1]).toMatch(/is now another process .* and nothing answers on .*gone\.sock/);
  });

  it.skipIf(!onLinux)(
    'takes over an old pid-only lock whose live pid started after the lock was written',
    () => {
      const pid = sleeper();
      writeLock(`${pid}\n`, 3_600_000);
      acquireDataDirLock(dir);
      expect(lockOwner()).toBe(process.pid);
    },
  );

  it.skipIf(!onLinux)('keeps an old pid-only lock whose live pid may have written it', () => {
    const pid = sleeper();
    writeLock(`${pid}\n`);
    expect(() => acquireDataDirLock(dir)).toThrow(LockHeldError);
    expect(readFileSync(lockPath, 'utf8')).toBe(`${pid}\n`);
  });

  it.skipIf(!onLinux)(
    'refuses a lock held by a live owner with its real start time, naming the pid and the lock file',
    async () => {
      const owner = await realOwner();
      const before = readFileSync(lockPath, 'utf8');
      expect(lockOwner()).toBe(owner.pid);
      const message =
        `another agent (pid ${owner.pid}) is already running on this data dir; stop it first ` +
        `(if no agent is running, delete ${lockPath})`;
      expect(() => acquireDataDirLock(dir)).toThrow(message);
      await expect(acquireDataDirLockAsync(dir)).rejects.toThrow(message);
      await expect(acquireDataDirLockAsync(dir)).rejects.toMatchObject({ pid: owner.pid, lockPath });
      expect(readFileSync(lockPath, 'utf8')).toBe(before);
      // Once it stops, the next start gets the lock.
      owner.kill('SIGTERM');
      await new Promise((done) => owner.once('exit', done));
      expect(existsSync(lockPath)).toBe(false);
      acquireDataDirLock(dir).release();
    },
  );

  it.skipIf(!onLinux)(
    'a start-time mismatch is not enough for the async variant while the recorded socket still answers',
    async () => {
      const pid = sleeper();
      const socket = await listeningSocket();
      writeLock({ pid, start: 'linux:other:1', startedAt: 0, socket });
      await expect(acquireDataDirLockAsync(dir)).rejects.toBeInstanceOf(LockHeldError);
      expect(lockOwner()).toBe(pid);
    },
  );

  describe.skipIf(process.platform === 'win32')(
    'where the OS does not tell start times (Windows): the socket decides',
    () => {
      const unknownStarts: LockOptions = { processStart: () => null, probeTimeoutMs: 300 };

      it('takes over when the live pid does not answer on the recorded socket', async () => {
        const pid = sleeper();
        writeLock({ pid, start: null, startedAt: 0, socket: path.join(dir, 'gone.sock') }, 120_000);
        // The synchronous variant cannot ask, so it keeps the lock.
        expect(() => acquireDataDirLock(dir, unknownStarts)).toThrow(`pid ${pid}`);
        const logged: string[] = [];
        await acquireDataDirLockAsync(dir, { ...unknownStarts, log: (m) => logged.push(m) });
        expect(lockOwner()).toBe(process.pid);
        expect(logged[0]).toContain(`pid ${pid} does not answer on ${path.join(dir, 'gone.sock')}`);
      });

      it('refuses when the recorded socket answers', async () => {
        const pid = sleeper();
        writeLock({ pid, start: null, startedAt: 0, socket: await listeningSocket() }, 120_000);
        await expect(acquireDataDirLockAsync(dir, unknownStarts)).rejects.toThrow(`pid ${pid}`);
        expect(lockOwner()).toBe(pid);
      });

      it('gives a new owner time to open its socket before asking it', async () => {
        const pid = sleeper();
        writeLock({ pid, start: null, startedAt: Date.now(), socket: path.join(dir, 'not-yet.sock') });
        await expect(acquireDataDirLockAsync(dir, unknownStarts)).rejects.toBeInstanceOf(LockHeldError);
        expect(lockOwner()).toBe(pid);
      });

      it('without a recorded socket, keeps a lock whose pid is alive', async () => {
        const pid = sleeper();
        writeLock({ pid, start: null, startedAt: 0, socket: null }, 120_000);
        await expect(acquireDataDirLockAsync(dir, unknownStarts)).rejects.toBeInstanceOf(LockHeldError);
      });
    },
  );

  describe.skipIf(process.platform === 'win32')(
    'an owner whose pid means nothing here (another pid namespace: a container sharing the data dir)',
    () => {
      const here: LockOptions = { pidNamespace: 'pid:[111]', probeTimeoutMs: 300 };

      it('a pid that looks gone, with a socket that answers, is a live owner: refused, its lock kept', async () => {
        const gone = await deadPid();
        const socket = await listeningSocket();
        writeLock({ pid: gone, start: 'linux:boot:1', startedAt: 1, socket }, 120_000);
        await expect(acquireDataDirLockAsync(dir, here)).rejects.toThrow(`pid ${gone}`);
        expect(lockOwner()).toBe(gone);
      });

      it('a pid that looks gone, with a socket that does not answer, is stale', async () => {
        const gone = await deadPid();
        const logged: string[] = [];
        const socket = path.join(dir, 'gone.sock');
        writeLock({ pid: gone, start: 'linux:boot:1', startedAt: 1, socket }, 120_000);
        await acquireDataDirLockAsync(dir, { ...here, log: (m) => logged.push(m) });
        expect(lockOwner()).toBe(process.pid);
        expect(logged).toEqual([
          `taking over the stale lock ${lockPath}: pid ${gone} is no longer running and nothing answers on ${socket}`,
        ]);
      });

      it('records our namespace, and a young lock from another namespace is held even with no socket open yet', async () => {
        acquireDataDirLock(dir, here).release();
        const lock = acquireDataDirLock(dir, here);
        expect(parseLockRecord(readFileSync(lockPath, 'utf8'))?.pidns).toBe('pid:[111]');
        lock.release();
        // pid 1 (an agent as a container's init) is alive here too, and means another process.
        writeLock({
          pid: 1,
          start: 'linux:boot:1',
          startedAt: Date.now(),
          socket: path.join(dir, 'later.sock'),
          pidns: 'pid:[222]',
        });
        await expect(acquireDataDirLockAsync(dir, here)).rejects.toThrow(
          'another agent (pid 1 in another pid namespace, pid:[222]) took this data dir moments ago and may still be starting',
        );
        expect(() => acquireDataDirLock(dir, here)).toThrow(LockHeldError);
        expect(lockOwner()).toBe(1);
      });

      it('an older lock from another namespace names a socket in its own mounts: ours is asked', async () => {
        const ours = await listeningSocket();
        writeLock(
          { pid: 1, start: 'linux:boot:1', startedAt: 1, socket: '/data/agent.sock', pidns: 'pid:[222]' },
          120_000,
        );
        await expect(acquireDataDirLockAsync(dir, { ...here, socketPath: ours })).rejects.toBeInstanceOf(
          LockHeldError,
        );
        expect(lockOwner()).toBe(1);
      });

      it('an older lock from another namespace: its socket decides (the sync variant keeps it)', async () => {
        const socket = await listeningSocket();
        writeLock({ pid: 1, start: 'linux:boot:1', startedAt: 1, socket, pidns: 'pid:[222]' }, 120_000);
        await expect(acquireDataDirLockAsync(dir, here)).rejects.toBeInstanceOf(LockHeldError);
        const silent = path.join(dir, 'silent.sock');
        writeLock(
          { pid: 1, start: 'linux:boot:1', startedAt: 1, socket: silent, pidns: 'pid:[222]' },
          120_000,
        );
        expect(() => acquireDataDirLock(dir, here)).toThrow(LockHeldError);
        const logged: string[] = [];
        await acquireDataDirLockAsync(dir, { ...here, log: (m) => logged.push(m) });
        expect(lockOwner()).toBe(process.pid);
        expect(logged[0]).toContain(
          `its owner (pid 1 in another pid namespace) does not answer on ${silent}`,
        );
      });
    },
  );

  it.skipIf(process.platform === 'win32')(
    'refuses a symbolic link at the lock path, naming it, and never writes through it',
    async () => {
      const target = path.join(dir, 'elsewhere');
      writeFileSync(target, 'precious\n');
      symlinkSync(target, lockPath);
      expect(() => acquireDataDirLock(dir)).toThrow(LockFileError);
      expect(() => acquireDataDirLock(dir)).toThrow(
        `refusing to use ${lockPath} as the data dir lock: it is a symbolic link`,
      );
      await expect(acquireDataDirLockAsync(dir)).rejects.toBeInstanceOf(LockFileError);
      expect(readFileSync(target, 'utf8')).toBe('precious\n');
      expect(lstatSync(lockPath).isSymbolicLink()).toBe(true);
      // A dangling link is not followed to create its target either.
      rmSync(target);
      expect(() => acquireDataDirLock(dir)).toThrow(LockFileError);
      expect(existsSync(target)).toBe(false);
    },
  );

  it('treats a young empty lock as an owner still writing it, and an old one as stale', () => {
    writeLock('');
    expect(() => acquireDataDirLock(dir)).toThrow(/another agent is starting on this data dir/);
    writeLock('', 60_000);
    acquireDataDirLock(dir).release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('release leaves a lock that is no longer ours', () => {
    const lock = acquireDataDirLock(dir);
    const other = { pid: sleeper(), start: 'x', startedAt: 0, socket: null };
    writeLock(other);
    lock.release();
    expect(lockOwner()).toBe(other.pid);
  });
});

describe('process start times', () => {
  it('parses ps lstart output as local time', () => {
    expect(parsePsLstart('Mon Jan  1 12:00:00 2024\n')).toBe(new Date(2024, 0, 1, 12, 0, 0).getTime());
    expect(parsePsLstart('Tue Nov 19 09:03:07 2024')).toBe(new Date(2024, 10, 19, 9, 3, 7).getTime());
    expect(parsePsLstart('')).toBeNull();
    expect(parsePsLstart('Mon Foo  1 12:00:00 2024')).toBeNull();
  });

  it.skipIf(!onLinux)('reads a stable, per-process start from /proc', () => {
    const own = processStartOf(process.pid);
    expect(own?.id).toMatch(/^linux:[0-9a-f-]+:\d+$/);
    expect(Math.abs((own?.startedAt ?? 0) - (Date.now() - process.uptime() * 1000))).toBeLessThan(5_000);
    const pid = sleeper();
    const other = processStartOf(pid);
    expect(other).not.toBeNull();
    expect(processStartOf(pid)).toEqual(other);
    expect(other?.id).not.toBe(own?.id);
    expect(processStartOf(-1)).toBeNull();
  });

  it('reads old pid-only locks and rejects content that names no owner', () => {
    expect(parseLockRecord('123\n')).toEqual({
      pid: 123,
      start: null,
      startedAt: null,
      socket: null,
      pidns: null,
    });
    expect(parseLockRecord('{"pid":5,"start":"s","startedAt":7,"socket":"/s","pidns":"pid:[9]"}')).toEqual({
      pid: 5,
      start: 's',
      startedAt: 7,
      socket: '/s',
      pidns: 'pid:[9]',
    });
    expect(parseLockRecord('')).toBeNull();
    expect(parseLockRecord('{"pid":-3}')).toBeNull();
    expect(parseLockRecord('nonsense')).toBeNull();
  });
});
