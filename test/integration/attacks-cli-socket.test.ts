/**
 * Another local user got to the socket path first (issue #12): a folder under /tmp, a shared
 * machine. A fake "agent" there would receive every secret of an import and answer `token` with a
 * token of its choosing. The real `tokentray` CLI must send it nothing and exit 3 saying what it
 * found. Every wait is bounded; Unix sockets only.
 */
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeJwt, nowSeconds } from '../peers/index.js';
import { cleanEnv, ensureBuilt, makeTempDirs, runCli, startAgent, type TempDirs } from './cli-harness.js';

const posix = process.platform !== 'win32';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;
const SECRET = 'fake-import-secret-do-not-send';
const cleanups: (() => Promise<unknown> | void)[] = [];

interface Trap {
  dir: string;
  socketPath: string;
  /** Every byte a client sent. */
  received(): string;
}

/** A fake agent in `dir` that records what it is sent and answers with a token of its own. */
async function trap(dir: string, mode: number): Promise<Trap> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode);
  const socketPath = join(dir, 'agent.sock');
  let bytes = '';
  const server: Server = createServer((socket: Socket) => {
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.toString('latin1');
      const body = JSON.stringify({
        accessToken: 'attacker-chosen-token',
        header: 'Authorization: Bearer attacker-chosen-token',
        accounts: [{ name: 'x', preset: 'static', action: 'added' }],
      });
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((done) => server.listen(socketPath, done));
  cleanups.push(() => void server.close());
  return { dir, socketPath, received: () => bytes };
}

let dirs: TempDirs;

beforeAll(async () => {
  await ensureBuilt();
}, 90_000);

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function freshDirs(): Promise<TempDirs> {
  dirs = await makeTempDirs();
  cleanups.push(() => dirs.cleanup());
  return dirs;
}

async function importFile(): Promise<string> {
  const file = join(dirs.root, 'import.json');
  await writeFile(
    file,
    JSON.stringify({
      accounts: [
        { name: 'acme', preset: 'msp360', username: 'u', password: SECRET, baseUrl: 'https://x.invalid' },
      ],
    }),
  );
  return file;
}

describe.skipIf(!posix)('the CLI sends nothing to a socket that is not yours alone', () => {
  it('a folder others may write (0777): import exits 3 naming the mode, and the trap gets no byte', async () => {
    await freshDirs();
    const planted = await trap(join(dirs.root, 'shared'), 0o777);
    const result = await runCli(['import', await importFile(), '--data-dir', planted.dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `refusing to talk to ${planted.socketPath}: its folder ${planted.dir} has mode 0777: group or others may write to it`,
    );
    expect(result.stderr).toContain('Nothing was sent');
    expect(result.stdout).toBe('');
    expect(planted.received()).toBe('');
  });

  it('a socket others may write, found through $TOKENTRAY_SOCKET: token exits 3, no token printed', async () => {
    await freshDirs();
    const planted = await trap(join(dirs.root, 'sock'), 0o700);
    chmodSync(planted.socketPath, 0o666);
    const result = await runCli(['token', 'acme'], {
      env: cleanEnv({ TOKENTRAY_SOCKET: planted.socketPath }),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`refusing to talk to ${planted.socketPath}: it has mode 0666`);
    expect(result.stdout).toBe('');
    expect(planted.received()).toBe('');
  });

  it.skipIf(!isRoot)(
    "another user's folder and socket: header and exec exit 3 naming the owner, and run nothing",
    async () => {
      await freshDirs();
      const planted = await trap(join(dirs.root, 'theirs'), 0o755);
      chownSync(planted.socketPath, NOBODY, NOBODY);
      chownSync(planted.dir, NOBODY, NOBODY);
      const header = await runCli(['header', 'acme', '--data-dir', planted.dir]);
      expect(header.code).toBe(3);
      expect(header.stderr).toContain(
        `its folder ${planted.dir} is owned by uid ${NOBODY}, not by you (uid 0)`,
      );
      expect(header.stdout).toBe('');
      const marker = join(dirs.root, 'ran');
      const exec = await runCli(['exec', 'acme', '--data-dir', planted.dir, '--', 'touch', marker]);
      expect(exec.code).toBe(3);
      expect(existsSync(marker)).toBe(false);
      expect(planted.received()).toBe('');
    },
  );

  it("the agent's own socket is trusted: the same CLI talks to it", async () => {
    await freshDirs();
    const agent = await startAgent(dirs);
    cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
    const token = makeJwt({ sub: 'trusted', exp: nowSeconds() + 3600 });
    const file = join(dirs.root, 'static.json');
    await writeFile(
      file,
      JSON.stringify({ accounts: [{ name: 'mine', preset: 'static', token, cliAccess: true }] }),
    );
    expect((await runCli(['import', file, '--data-dir', dirs.dataDir])).code).toBe(0);
    const result = await runCli(['token', 'mine', '--data-dir', dirs.dataDir]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${token}\n`);
  });
});
