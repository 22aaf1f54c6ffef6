/** Where the socket lives and how its directory is made safe (POSIX). */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSocketPathLength,
  clientSocketPath,
  dataDirSocketPath,
  defaultAppDataDir,
  defaultSocketPath,
  ensurePrivateDir,
  isSocketLive,
  MAX_SOCKET_PATH_BYTES,
  prepareSocketPath,
  sharedFolderReason,
  SocketPathError,
} from '../../main/agent/socket-path.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY_GROUP = 65534;

describe('socket locations', () => {
  it("computes Electron's userData folder for each platform without Electron", () => {
    expect(defaultAppDataDir({ platform: 'linux', env: {}, home: '/home/ada' })).toBe(
      '/home/ada/.config/Tokentray',
    );
    expect(
      defaultAppDataDir({ platform: 'linux', env: { XDG_CONFIG_HOME: '/cfg' }, home: '/home/ada' }),
    ).toBe('/cfg/Tokentray');
    expect(defaultAppDataDir({ platform: 'darwin', env: {}, home: '/Users/ada' })).toBe(
      '/Users/ada/Library/Application Support/Tokentray',
    );
    expect(
      defaultAppDataDir({
        platform: 'win32',
        env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' },
        home: 'C:\\Users\\ada',
      }),
    ).toMatch(/Roaming.Tokentray$/);
  });

  it('puts the tray socket under $XDG_RUNTIME_DIR/tokentray when there is one, else in the app data dir', () => {
    expect(
      defaultSocketPath('/data', { platform: 'linux', env: { XDG_RUNTIME_DIR: '/run/user/1000' } }),
    ).toBe('/run/user/1000/tokentray/agent.sock');
    expect(defaultSocketPath('/data', { platform: 'linux', env: {} })).toBe('/data/agent.sock');
    expect(defaultSocketPath('/data', { platform: 'linux', env: { XDG_RUNTIME_DIR: 'relative' } })).toBe(
      '/data/agent.sock',
    );
    expect(defaultSocketPath('/data', { platform: 'darwin', env: {} })).toBe('/data/agent.sock');
  });

  it('with --data-dir the socket is exactly DIR/agent.sock; then $TOKENTRAY_SOCKET; then the default', () => {
    expect(dataDirSocketPath('/srv/tt')).toBe('/srv/tt/agent.sock');
    const env = { TOKENTRAY_SOCKET: '/tmp/s.sock', XDG_RUNTIME_DIR: '/run/user/1' };
    expect(clientSocketPath('/srv/tt', { env, platform: 'linux' })).toBe('/srv/tt/agent.sock');
    expect(clientSocketPath(undefined, { env, platform: 'linux' })).toBe('/tmp/s.sock');
    expect(clientSocketPath(undefined, { env: { XDG_RUNTIME_DIR: '/run/user/1' }, platform: 'linux' })).toBe(
      '/run/user/1/tokentray/agent.sock',
    );
    // Without $XDG_RUNTIME_DIR: the tray app's socket in its data folder, on every platform.
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const opts = { env: {}, platform, home: '/home/u' };
      expect(clientSocketPath(undefined, opts)).toBe(defaultSocketPath(defaultAppDataDir(opts), opts));
    }
    expect(clientSocketPath(undefined, { env: {}, platform: 'linux', home: '/home/u' })).toBe(
      '/home/u/.config/Tokentray/agent.sock',
    );
  });

  it('refuses a path longer than the macOS sun_path limit', () => {
    expect(() => checkSocketPathLength(`/${'a'.repeat(MAX_SOCKET_PATH_BYTES - 1)}`)).not.toThrow();
    expect(() => checkSocketPathLength(`/${'a'.repeat(MAX_SOCKET_PATH_BYTES)}`)).toThrow(
      /over the 103-byte limit/,
    );
    // Bytes, not characters.
    expect(() => checkSocketPathLength(`/${'é'.repeat(52)}`)).toThrow(SocketPathError);
  });
});

describe('preparing the socket directory', () => {
  let root: string;
  const servers: Server[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ttsp-'));
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await rm(root, { recursive: true, force: true });
  });

  it('creates a missing directory 0700', () => {
    const dir = join(root, 'a', 'b');
    expect(ensurePrivateDir(dir)).toBeNull();
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it('tightens our own directory to 0700, and only checks it when told not to change it', () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    expect(ensurePrivateDir(dir, false)).toBeNull();
    expect(lstatSync(dir).mode & 0o777).toBe(0o755);
    expect(ensurePrivateDir(dir)).toContain('tightened');
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it.each(['777', '1777', '773'])(
    'refuses a shared folder of ours (mode %s), naming it and the mode, and leaves its mode alone',
    (octal) => {
      const mode = Number.parseInt(octal, 8);
      const dir = join(root, 'shared');
      mkdirSync(dir);
      chmodSync(dir, mode);
      const error = (() => {
        try {
          ensurePrivateDir(dir);
        } catch (caught) {
          return caught;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(SocketPathError);
      expect((error as SocketPathError).code).toBe('shared');
      expect((error as SocketPathError).message).toContain(
        `refusing to use ${dir}: it is a shared folder (mode ${mode.toString(8)}`,
      );
      expect((error as SocketPathError).message).toContain(`chmod 700 ${dir}`);
      expect(lstatSync(dir).mode & 0o7777).toBe(mode);
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    "as root, offers no chmod of /tmp (everyone's folder), only a folder inside it",
    () => {
      const before = lstatSync('/tmp').mode;
      expect(() => ensurePrivateDir('/tmp')).toThrow(
        "refusing to use /tmp: it is a shared folder (mode 1777, writable by every user); Tokentray's files need a folder of its own: give a new path (it is created 0700), such as /tmp/tokentray",
      );
      expect(lstatSync('/tmp').mode).toBe(before);
    },
  );

  it('quotes the folder in its chmod hint, so the command can be pasted', () => {
    const dir = join(root, "Ann's shared");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(() => ensurePrivateDir(dir)).toThrow(`chmod 700 '${root}/Ann'\\''s shared'`);
  });

  it('takes a sticky folder only we can write (mode 1700) as ours, not as shared', () => {
    const dir = join(root, 'sticky-own');
    mkdirSync(dir);
    chmodSync(dir, 0o1700);
    expect(sharedFolderReason(lstatSync(dir))).toBeNull();
    expect(ensurePrivateDir(dir)).toBeNull();
    chmodSync(dir, 0o1755);
    expect(ensurePrivateDir(dir)).toBe(`tightened ${dir} from mode 1755 to 700`);
    expect(lstatSync(dir).mode & 0o7777).toBe(0o700);
  });

  it.each(['1770', '3770', '1730'])(
    'refuses a sticky folder its group may write (mode %s), even when the group is ours',
    (octal) => {
      const dir = join(root, `sticky-${octal}`);
      mkdirSync(dir);
      chmodSync(dir, Number.parseInt(octal, 8));
      expect(sharedFolderReason(lstatSync(dir), lstatSync(dir).gid, [])).toBe(
        `mode ${octal}, a sticky folder its group may write`,
      );
      expect(() => ensurePrivateDir(dir)).toThrow(/a sticky folder its group may write/);
      expect(lstatSync(dir).mode & 0o7777).toBe(Number.parseInt(octal, 8));
    },
  );

  it('tightens a folder writable by our own primary group (user private groups), refuses another group', () => {
    const gid = process.getgid?.() ?? 0;
    const own = join(root, 'own-group');
    mkdirSync(own);
    chmodSync(own, 0o775);
    expect(sharedFolderReason(lstatSync(own), gid)).toBeNull();
    // A supplementary group of ours counts as ours (a Kubernetes fsGroup volume).
    expect(sharedFolderReason(lstatSync(own), gid + 1, [gid])).toBeNull();
    expect(ensurePrivateDir(own)).toBe(`tightened ${own} from mode 775 to 700`);
    expect(lstatSync(own).mode & 0o777).toBe(0o700);
    // The same folder seen by someone whose primary group is another: a team folder.
    chmodSync(own, 0o2775);
    expect(sharedFolderReason(lstatSync(own), gid + 1, [])).toBe(
      `mode 2775, writable by group ${gid}, which is not one of ours (${gid + 1})`,
    );
    if (isRoot) {
      const team = join(root, 'team');
      mkdirSync(team);
      chownSync(team, 0, NOBODY_GROUP);
      chmodSync(team, 0o2775);
      expect(() => ensurePrivateDir(team)).toThrow(/shared folder \(mode 2775, writable by group 65534/);
      expect(lstatSync(team).mode & 0o7777).toBe(0o2775);
    }
  });

  it('refuses a symbolic link, and a file where the directory should be', () => {
    const real = join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(real, link);
    expect(() => ensurePrivateDir(link)).toThrow(/is a symbolic link/);
    const file = join(root, 'file');
    writeFileSync(file, '');
    expect(() => ensurePrivateDir(file)).toThrow(/is not a directory/);
  });

  it('refuses a directory owned by another user', () => {
    const dir = join(root, 'theirs');
    if (isRoot) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, 65534, 65534);
      expect(() => ensurePrivateDir(dir)).toThrow(/owned by uid 65534, not by us/);
      expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    } else {
      // Not root: "/" is owned by root, which is someone else.
      expect(() => ensurePrivateDir('/')).toThrow(/owned by uid 0, not by us/);
    }
  });

  it('removes a stale socket (nobody listening) and refuses a live one or a plain file', async () => {
    const dir = join(root, 's');
    const path = join(dir, 'agent.sock');
    mkdirSync(dir, { mode: 0o700 });
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    expect(await isSocketLive(path)).toBe(true);
    await expect(prepareSocketPath(path)).rejects.toThrow(/another agent is already serving/);
    // A killed agent leaves its socket file behind: a child listens, then is SIGKILLed.
    const stale = join(dir, 'stale.sock');
    const script = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
    expect(spawnSync(process.execPath, ['-e', script], { timeout: 10_000 }).signal).toBe('SIGKILL');
    expect(lstatSync(stale).isSocket()).toBe(true);
    expect(await isSocketLive(stale)).toBe(false);
    expect(await prepareSocketPath(stale)).toEqual([`removed stale socket ${stale}`]);
    expect(() => lstatSync(stale)).toThrow();
    const file = join(dir, 'plain.sock');
    writeFileSync(file, 'keep me');
    await expect(prepareSocketPath(file)).rejects.toThrow(/exists and is not a socket/);
  });

  it('refuses a symbolic link at the socket path, naming it, and leaves it (and its target) alone', async () => {
    const dir = join(root, 'l');
    mkdirSync(dir, { mode: 0o700 });
    const target = join(root, 'target');
    writeFileSync(target, 'keep me');
    const path = join(dir, 'agent.sock');
    symlinkSync(target, path);
    const refused = prepareSocketPath(path);
    await expect(refused).rejects.toThrow(`refusing to replace ${path}: it is a symbolic link`);
    await expect(refused).rejects.toMatchObject({ code: 'symlink' });
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});
