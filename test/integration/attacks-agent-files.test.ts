/**
 * Attacks through the files a real `tokentray agent` child reads and writes (issue #12): a
 * passphrase file that others may read or write is refused before anything else happens; the data
 * dir is checked and tightened before anything touches it (the lock included); a link or another
 * user's file where one of the agent's files goes is refused, naming its path; and the store and
 * the key file never write through a link.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPassphraseCipher, StoreError } from '../../main/engine/index.js';
import { AccountStore } from '../../main/engine/store.js';
import { prepareDataDir } from '../../main/agent/data-dir.js';
import {
  BIN,
  cleanEnv,
  ensureBuilt,
  makeTempDirs,
  snapshotDir,
  spawnAgent,
  startAgent,
  waitForSocket,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;
const posix = process.platform !== 'win32';
const cleanups: (() => Promise<unknown>)[] = [];

async function freshDirs(): Promise<TempDirs> {
  const dirs = await makeTempDirs();
  cleanups.push(() => dirs.cleanup());
  return dirs;
}

/** Runs the agent on `dirs` and expects it to refuse to start (bounded by the harness). */
async function refusedStart(dirs: TempDirs): Promise<string> {
  const agent = spawnAgent(dirs);
  cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`the agent kept running: ${agent.stderr()}`)), 20_000).unref(),
  );
  const { code } = await Promise.race([agent.exited, timeout]);
  expect(code, agent.stderr()).toBe(1);
  return agent.stderr();
}

beforeAll(async () => {
  await ensureBuilt();
}, 90_000);

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe.skipIf(!posix)('the passphrase file', () => {
  it.each(['0644', '0640', '0620', '0604'])(
    'mode %s is refused: the agent exits 1 naming the mode and the chmod, and touches nothing',
    async (octal) => {
      const dirs = await freshDirs();
      chmodSync(dirs.passFile, Number.parseInt(octal, 8));
      const log = await refusedStart(dirs);
      expect(log).toContain(`refusing the passphrase file ${dirs.passFile}: its mode is ${octal}`);
      expect(log).toContain(`chmod 600 ${dirs.passFile}`);
      expect(log).not.toContain(dirs.passphrase);
      expect(snapshotDir(dirs.dataDir)).toEqual({});
    },
  );

  it('a missing one is named, with the command that makes it yours alone; nothing is touched', async () => {
    const dirs = await freshDirs();
    const missing = join(dirs.root, 'no such pass');
    const log = await refusedStart({ ...dirs, passFile: missing });
    expect(log).toContain(
      `the passphrase file ${missing} does not exist; create it, yours alone, with: install -m 600 /dev/null '${missing}'`,
    );
    expect(log).not.toContain('ENOENT');
    expect(snapshotDir(dirs.dataDir)).toEqual({});
    // A name with a terminal escape in it is logged escaped, not obeyed by the terminal.
    const odd = join(dirs.root, 'pass\u001b]0;TITLE\u0007');
    const oddLog = await refusedStart({ ...dirs, passFile: odd });
    expect(oddLog).toContain('pass\\u001b]0;TITLE\\u0007');
    expect(oddLog).not.toContain('\u001b');
  });

  it('an agent started without one says which option is missing', async () => {
    const dirs = await freshDirs();
    const agent = spawnAgent(dirs, cleanEnv(), {
      file: process.execPath,
      args: [BIN, 'agent', '--data-dir', dirs.dataDir],
    });
    const { code } = await agent.exited;
    expect(code).toBe(2);
    expect(agent.stderr()).toMatch(/^tokentray agent: --passphrase-file FILE is required\n/);
  });
});

describe.skipIf(!posix)('a FIFO as the passphrase file', () => {
  async function fifoDirs(): Promise<TempDirs> {
    const dirs = await freshDirs();
    rmSync(dirs.passFile);
    expect(spawnSync('mkfifo', ['-m', '600', dirs.passFile]).status).toBe(0);
    return dirs;
  }

  it('nobody writing to it: SIGTERM still stops the agent at once, and the data dir is untouched', async () => {
    const dirs = await fifoDirs();
    const agent = spawnAgent(dirs);
    cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
    // Long enough that a blocking open() would be under way; the agent is waiting for a writer.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    agent.child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`SIGTERM did not stop the agent: ${agent.stderr()}`)), 5_000).unref(),
    );
    const { code, signal } = await Promise.race([agent.exited, timeout]);
    expect(signal === 'SIGTERM' || code === 143, `code ${code} signal ${signal}`).toBe(true);
    expect(snapshotDir(dirs.dataDir)).toEqual({});
  });

  it('a writer that comes after the agent started: the agent reads the line and serves', async () => {
    const dirs = await fifoDirs();
    const agent = spawnAgent(dirs);
    cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
    const writer = spawn(
      'sh',
      ['-c', 'sleep 0.3; printf "%s\\n" "$1" > "$2"', 'sh', dirs.passphrase, dirs.passFile],
      {
        stdio: 'ignore',
      },
    );
    cleanups.push(async () => void writer.kill('SIGKILL'));
    await waitForSocket(agent.socketPath, 20_000, agent.exited);
    expect(agent.stderr()).not.toContain(dirs.passphrase);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});

describe.skipIf(process.platform !== 'linux' || spawnSync('bash', ['-c', 'true']).status !== 0)(
  'an anonymous pipe as the passphrase file (bash process substitution)',
  () => {
    /** `tokentray agent --passphrase-file <(SOURCE)`, as a user types it in bash. */
    function agentWithPipe(dirs: TempDirs, source: string): AgentProcess {
      const line = `exec "$0" "$1" agent --data-dir "$2" --passphrase-file <(${source})`;
      const agent = spawnAgent(dirs, cleanEnv(), {
        file: 'bash',
        args: ['-c', line, process.execPath, BIN, dirs.dataDir, dirs.passphrase],
      });
      cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
      return agent;
    }

    it('one that ends without a line is refused at once, not after the 30 s wait, and nothing is touched', async () => {
      const dirs = await freshDirs();
      const agent = agentWithPipe(dirs, 'false');
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`the agent kept waiting: ${agent.stderr()}`)), 15_000).unref(),
      );
      const { code } = await Promise.race([agent.exited, timeout]);
      expect(code, agent.stderr()).toBe(1);
      expect(agent.stderr()).toMatch(
        /no passphrase arrived through \/dev\/fd\/\d+ \(a pipe\): its writer ended without sending a line/,
      );
      expect(snapshotDir(dirs.dataDir)).toEqual({});
    });

    it('one that sends the passphrase (a slow `pass show`): the agent reads it and serves', async () => {
      const dirs = await freshDirs();
      const agent = agentWithPipe(dirs, `sleep 0.5; printf '%s\\n' "$3"`);
      await waitForSocket(agent.socketPath, 20_000, agent.exited);
      expect(agent.stderr()).not.toContain(dirs.passphrase);
      expect(await agent.stop('SIGTERM')).toBe(0);
    });
  },
);

/** `unshare --pid` works here (root on Linux, util-linux installed). */
const canUnshare =
  process.platform === 'linux' && isRoot && spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

describe.skipIf(!posix)("a second agent on a live agent's data dir", () => {
  it.skipIf(!canUnshare)(
    'from another pid namespace (a container sharing the volume): refused, the live lock kept',
    async () => {
      const dirs = await freshDirs();
      const first = await startAgent(dirs);
      cleanups.push(() => first.stop('SIGKILL').catch(() => undefined));
      const lock = readFileSync(join(dirs.dataDir, 'agent.lock'), 'utf8');
      const second = spawnSync(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount-proc',
          process.execPath,
          BIN,
          'agent',
          '--data-dir',
          dirs.dataDir,
          '--passphrase-file',
          dirs.passFile,
        ],
        { encoding: 'utf8', timeout: 20_000, env: cleanEnv() },
      );
      expect(second.status, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/another agent \(pid \d+ in another pid namespace/);
      expect(second.stderr).not.toContain('taking over');
      expect(second.stderr).not.toContain('store loaded');
      expect(readFileSync(join(dirs.dataDir, 'agent.lock'), 'utf8')).toBe(lock);
    },
  );

  it('with its lock file gone: refused on the live socket before the store is even loaded', async () => {
    const dirs = await freshDirs();
    const first = await startAgent(dirs);
    cleanups.push(() => first.stop('SIGKILL').catch(() => undefined));
    rmSync(join(dirs.dataDir, 'agent.lock'));
    const log = await refusedStart(dirs);
    expect(log).toContain(
      `another agent is already serving ${join(dirs.dataDir, 'agent.sock')}; stop it first`,
    );
    expect(log).not.toContain('store loaded');
    // It took the free lock and gave it back.
    expect(existsSync(join(dirs.dataDir, 'agent.lock'))).toBe(false);
  });
});

/** A file outside the data dir that a planted link points at; it must never change. */
function victim(dirs: TempDirs, content = '{}'): { path: string; unchanged(): void } {
  const path = join(dirs.root, 'victim');
  writeFileSync(path, content, { mode: 0o644 });
  return {
    path,
    unchanged: () => {
      expect(readFileSync(path, 'utf8')).toBe(content);
      expect(lstatSync(path).mode & 0o777).toBe(0o644);
    },
  };
}

describe.skipIf(!posix)('the data dir is checked and tightened before anything touches it', () => {
  it.each(['accounts.json', 'keyfile.json', 'agent.lock', 'agent.sock', 'accounts.json.tmp-1-abcdef'])(
    'a symbolic link at DIR/%s is refused, naming it; its target and the folder are left alone',
    async (name) => {
      const dirs = await freshDirs();
      const target = victim(dirs);
      const link = join(dirs.dataDir, name);
      symlinkSync(target.path, link);
      const log = await refusedStart(dirs);
      expect(log).toContain(`refusing to start: ${link} is a symbolic link (to ${target.path})`);
      target.unchanged();
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(Object.keys(snapshotDir(dirs.dataDir))).toEqual([name]);
    },
  );

  it('a world-writable data dir is refused before anything touches it: its mode and entries stay', async () => {
    const dirs = await freshDirs();
    // A data dir holding a key file: the refusal must come before the passphrase is even tried.
    await openPassphraseCipher(dirs.dataDir, 'another passphrase');
    chmodSync(dirs.dataDir, 0o1777);
    const before = snapshotDir(dirs.dataDir);
    const log = await refusedStart(dirs);
    expect(log).toContain(
      `refusing to use ${dirs.dataDir}: it is a shared folder (mode 1777, writable by every user)`,
    );
    expect(log).toContain(`chmod 700 ${dirs.dataDir}`);
    expect(log).not.toContain('wrong passphrase');
    expect(lstatSync(dirs.dataDir).mode & 0o7777).toBe(0o1777);
    expect(snapshotDir(dirs.dataDir)).toEqual(before);
  });

  it('a data dir open to our own group is tightened to 0700 at once, even when the start then fails (wrong passphrase)', async () => {
    const dirs = await freshDirs();
    await openPassphraseCipher(dirs.dataDir, 'another passphrase');
    chmodSync(dirs.dataDir, 0o775);
    const before = snapshotDir(dirs.dataDir);
    const log = await refusedStart(dirs);
    expect(log).toContain('wrong passphrase');
    expect(log).toContain(`tightened ${dirs.dataDir} from mode 775 to 700`);
    expect(lstatSync(dirs.dataDir).mode & 0o777).toBe(0o700);
    expect(snapshotDir(dirs.dataDir)).toEqual(before);
  });

  it.skipIf(!isRoot)(
    "another user's file where the store goes is refused, naming it and its owner",
    async () => {
      const dirs = await freshDirs();
      const planted = join(dirs.dataDir, 'accounts.json');
      await writeFile(planted, '{"accounts":{}}');
      chownSync(planted, NOBODY, NOBODY);
      const log = await refusedStart(dirs);
      expect(log).toContain(`refusing to start: ${planted} is owned by uid ${NOBODY}, not by us`);
      expect(readFileSync(planted, 'utf8')).toBe('{"accounts":{}}');
    },
  );

  it('a directory where the lock goes is refused, naming it', async () => {
    const dirs = await freshDirs();
    mkdirSync(join(dirs.dataDir, 'agent.lock'));
    const log = await refusedStart(dirs);
    expect(log).toContain(`refusing to start: ${join(dirs.dataDir, 'agent.lock')} is not a regular file`);
  });
});

describe.skipIf(!posix)('the folders above the data dir', () => {
  /** `dirs` with its data dir at ROOT/above/d, `above` given `mode`. */
  async function under(mode: number): Promise<{ dirs: TempDirs; above: string }> {
    const base = await freshDirs();
    const above = join(base.root, 'above');
    mkdirSync(join(above, 'd'), { recursive: true, mode: 0o700 });
    chmodSync(above, mode);
    return { dirs: { ...base, dataDir: join(above, 'd') }, above };
  }

  it('one every user may write (not sticky) is refused before anything touches the data dir, naming it', async () => {
    // Whoever can write `above` can rename `d` away and put their own `d` in its place.
    const { dirs, above } = await under(0o777);
    const log = await refusedStart(dirs);
    expect(log).toContain(
      `refusing to start: ${above}, above the data dir ${dirs.dataDir}, is not safe: it is mode 777, writable by every user`,
    );
    expect(log).toContain('use a data dir under folders only you (or root) can write');
    expect(Object.keys(snapshotDir(dirs.dataDir))).toEqual([]);
  });

  it('one writable by a group that is not ours is refused; by one of ours, or sticky (/tmp), it is not', async () => {
    const { dirs, above } = await under(0o770);
    const uid = process.getuid?.() ?? 0;
    chownSync(above, uid, 4242);
    expect(() => prepareDataDir(dirs.dataDir, { groups: [uid + 100_000] })).toThrow(
      `${above}, above the data dir ${dirs.dataDir}, is not safe: it is mode 770, writable by group 4242, which is not one of ours`,
    );
    expect(() => prepareDataDir(dirs.dataDir, { groups: [4242] })).not.toThrow();
    chmodSync(above, 0o1777);
    expect(() => prepareDataDir(dirs.dataDir, { groups: [] })).not.toThrow();
  });

  it.skipIf(!isRoot)(
    'one another user owns is refused, even 0755, and so is a link of theirs on the way',
    async () => {
      const { dirs, above } = await under(0o755);
      chownSync(above, NOBODY, NOBODY);
      expect(() => prepareDataDir(dirs.dataDir)).toThrow(
        `${above}, above the data dir ${dirs.dataDir}, is not safe: it is owned by uid ${NOBODY}`,
      );
      chownSync(above, 0, 0);
      // ROOT/via -> ROOT/above: a link in a folder only we may write, but the link is theirs.
      const via = join(dirs.root, 'via');
      symlinkSync(above, via);
      const throughLink = join(via, 'd');
      expect(() => prepareDataDir(throughLink)).not.toThrow();
      spawnSync('chown', ['-h', `${NOBODY}:${NOBODY}`, via]);
      expect(lstatSync(via).uid).toBe(NOBODY);
      expect(() => prepareDataDir(throughLink)).toThrow(
        `${via}, above the data dir ${throughLink}, is not safe: it is a link owned by uid ${NOBODY}`,
      );
    },
  );

  it('a chain of links is followed one link at a time: a link inside a folder others may write is refused', async () => {
    // ROOT/p -> ROOT/shared/l -> ROOT/real: realpath ends in a safe folder, but whoever writes
    // ROOT/shared can point l elsewhere.
    const base = await freshDirs();
    const shared = join(base.root, 'shared');
    const real = join(base.root, 'real');
    mkdirSync(shared);
    mkdirSync(real, { mode: 0o700 });
    chmodSync(shared, 0o777);
    symlinkSync(real, join(shared, 'l'));
    symlinkSync(join(shared, 'l'), join(base.root, 'p'));
    const dataDir = join(base.root, 'p', 'data');
    expect(() => prepareDataDir(dataDir)).toThrow(
      `${shared} (where ${join(base.root, 'p')} leads), above the data dir ${dataDir}, is not safe: it is mode 777, writable by every user`,
    );
    expect(existsSync(join(real, 'data'))).toBe(false);
  });

  it('creates nothing under a folder it refuses (the data dir not there yet)', async () => {
    const { dirs, above } = await under(0o777);
    rmSync(dirs.dataDir, { recursive: true });
    const dataDir = join(above, 'new', 'data');
    expect(() => prepareDataDir(dataDir)).toThrow(`${above}, above the data dir ${dataDir}, is not safe`);
    expect(existsSync(join(above, 'new'))).toBe(false);
  });

  it.skipIf(!isRoot)(
    "in a user namespace that maps no root, the host's root (shown as the overflow uid) counts as root",
    async () => {
      const { dirs, above } = await under(0o755);
      // As toolbox shows the host's folders: owned by 65534 (chowned here; the namespace is the option).
      chownSync(above, NOBODY, NOBODY);
      expect(() => prepareDataDir(dirs.dataDir, { unmappedRoot: NOBODY })).not.toThrow();
      expect(() => prepareDataDir(dirs.dataDir, { unmappedRoot: null })).toThrow(`is owned by uid ${NOBODY}`);
    },
  );

  const namespaces =
    isRoot &&
    process.platform === 'linux' &&
    spawnSync('setpriv', [
      '--reuid=1001',
      '--regid=1001',
      '--clear-groups',
      'unshare',
      '--user',
      '--map-current-user',
      'true',
    ]).status === 0;
  it.skipIf(!namespaces).each([
    ['--map-current-user', 'as toolbox runs it'],
    ['--map-root-user', 'as rootless podman runs it: its own root is us'],
  ])(
    'starts inside a real user namespace that does not map the host root (%s, %s): that root shows as 65534',
    async (mapping) => {
      const base = await freshDirs();
      const dataDir = join(base.root, 'd');
      for (const path of [base.root, dataDir, base.passFile]) chownSync(path, 1001, 1001);
      const agent = spawnAgent({ ...base, dataDir }, cleanEnv(), {
        file: 'setpriv',
        args: [
          '--reuid=1001',
          '--regid=1001',
          '--clear-groups',
          'unshare',
          '--user',
          mapping,
          process.execPath,
          BIN,
          'agent',
          '--data-dir',
          dataDir,
          '--passphrase-file',
          base.passFile,
        ],
      });
      cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
      await waitForSocket(agent.socketPath, 20_000, agent.exited);
      expect(agent.stderr()).not.toContain('refusing');
      // Trusted as root, and said so: another host user's folder would look the same.
      expect(agent.stderr()).toContain(
        "shows as owned by uid 65534, the host's root as this user namespace sees it",
      );
      expect(await agent.stop('SIGTERM')).toBe(0);
    },
  );

  it('a link on the way is followed: a folder where it leads that others may write is refused, naming both', async () => {
    const { dirs, above } = await under(0o700);
    const via = join(dirs.root, 'via');
    symlinkSync(above, via);
    expect(() => prepareDataDir(join(via, 'd'))).not.toThrow();
    chmodSync(above, 0o777);
    expect(() => prepareDataDir(join(via, 'd'))).toThrow(
      `${above} (where ${via} leads), above the data dir ${join(via, 'd')}, is not safe: it is mode 777, writable by every user`,
    );
  });
});

describe.skipIf(!posix)('the store and the key file never write through a link', () => {
  it('a symlinked store is refused when opened, naming it; its target keeps its bytes', async () => {
    const dirs = await freshDirs();
    const target = victim(dirs);
    const path = join(dirs.dataDir, 'accounts.json');
    symlinkSync(target.path, path);
    expect(() => AccountStore.open(dirs.dataDir)).toThrow(StoreError);
    expect(() => AccountStore.open(dirs.dataDir)).toThrow(`refusing to write ${path}: it is a symbolic link`);
    target.unchanged();
  });

  it('a link put in place of an open store is refused at the next write, naming it', async () => {
    const dirs = await freshDirs();
    const { store } = AccountStore.open(dirs.dataDir);
    const target = victim(dirs);
    const path = join(dirs.dataDir, 'accounts.json');
    rmSync(path);
    symlinkSync(target.path, path);
    expect(() => store.write({ remove: ['nobody'] })).toThrow(
      `refusing to write ${path}: it is a symbolic link`,
    );
    target.unchanged();
    expect(snapshotDir(dirs.dataDir)).toEqual({ 'accounts.json': 'other' });
  });

  it('writes the store 0600 through a temp file it created itself, and leaves no temp file behind', async () => {
    const dirs = await freshDirs();
    const { store } = AccountStore.open(dirs.dataDir);
    store.write({ remove: ['nobody'] });
    const path = join(dirs.dataDir, 'accounts.json');
    expect(lstatSync(path).isFile()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ accounts: {} });
    expect(Object.keys(snapshotDir(dirs.dataDir))).toEqual(['accounts.json']);
  });

  it('a dangling link where the key file goes is refused, naming it, and not replaced', async () => {
    const dirs = await freshDirs();
    const path = join(dirs.dataDir, 'keyfile.json');
    const nowhere = join(dirs.root, 'nowhere');
    symlinkSync(nowhere, path);
    await expect(openPassphraseCipher(dirs.dataDir, 'p')).rejects.toThrow(
      `refusing to write ${path}: it is a symbolic link`,
    );
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(() => lstatSync(nowhere)).toThrow();
  });
});
