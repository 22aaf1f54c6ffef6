/**
 * The CLI checks the socket before it sends a byte (issue #12): the socket and its folder must be
 * ours and not writable by group or others. Real sockets in temp folders; the Windows verdict on
 * a Get-Acl report is tested as a pure function (no Windows runner).
 */
import { chmodSync, chownSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callAgent, UntrustedSocketError } from '../../main/cli/client.js';
import {
  checkUnixSocket,
  judgeWindowsAcl,
  parseWindowsAclReport,
  recheckUnixSocket,
  WINDOWS_ACL_SCRIPT,
} from '../../main/cli/socket-trust.js';

const posix = process.platform !== 'win32';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
const NOBODY = 65534;

let root: string;
const servers: Server[] = [];
/** Every byte any test server received, per server. */
const received = new Map<Server, number>();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tttrust-'));
});

afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await rm(root, { recursive: true, force: true });
});

/** A socket at `folder/agent.sock` (folder created with `mode`) that answers like an agent would. */
async function listenIn(folder: string, mode = 0o700): Promise<{ path: string; server: Server }> {
  mkdirSync(folder, { recursive: true, mode });
  chmodSync(folder, mode);
  const path = join(folder, 'agent.sock');
  const server = createServer((socket: Socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.set(server, (received.get(server) ?? 0) + chunk.length);
      const body = JSON.stringify({ accessToken: 'attacker-chosen-token' });
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  });
  servers.push(server);
  received.set(server, 0);
  await new Promise<void>((done) => server.listen(path, done));
  chmodSync(path, 0o600);
  return { path, server };
}

function refusal(path: string, check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(UntrustedSocketError);
    expect((error as UntrustedSocketError).socketPath).toBe(path);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe.skipIf(!posix)('checkUnixSocket', () => {
  it("accepts the agent's own layout (0600 socket, 0700 folder) and a 0755 folder", async () => {
    const own = await listenIn(join(root, 'own'));
    expect(checkUnixSocket(own.path)).not.toBeNull();
    const open = await listenIn(join(root, 'readable'), 0o755);
    expect(checkUnixSocket(open.path)).not.toBeNull();
    expect((await callAgent(own.path, 'GET', '/v1/accounts')).status).toBe(200);
  });

  it('leaves a missing socket or folder to connect (no agent, exit 3 as before)', () => {
    expect(checkUnixSocket(join(root, 'nothing', 'agent.sock'))).toBeNull();
    mkdirSync(join(root, 'empty'), { mode: 0o700 });
    expect(checkUnixSocket(join(root, 'empty', 'agent.sock'))).toBeNull();
  });

  it.each([
    ['0777', 0o777],
    ['0775', 0o775],
    ['1777', 0o1777],
  ])('refuses a folder with mode %s, saying so', async (octal, mode) => {
    const { path } = await listenIn(join(root, `f${octal}`), mode);
    expect(refusal(path, () => checkUnixSocket(path))).toBe(
      `refusing to talk to ${path}: its folder ${join(root, `f${octal}`)} has mode ${octal}: group or others may write to it`,
    );
  });

  it('refuses a socket that group or others may write to', async () => {
    const { path } = await listenIn(join(root, 's'));
    chmodSync(path, 0o666);
    expect(refusal(path, () => checkUnixSocket(path))).toContain('it has mode 0666');
    chmodSync(path, 0o620);
    expect(refusal(path, () => checkUnixSocket(path))).toContain('it has mode 0620');
  });

  it('refuses a symlinked folder, a symlinked socket and a file that is not a socket', async () => {
    const real = await listenIn(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    const viaLink = join(root, 'link', 'agent.sock');
    expect(refusal(viaLink, () => checkUnixSocket(viaLink))).toContain(
      `its folder ${join(root, 'link')} is a symbolic link`,
    );
    mkdirSync(join(root, 'other'), { mode: 0o700 });
    const linked = join(root, 'other', 'agent.sock');
    symlinkSync(real.path, linked);
    expect(refusal(linked, () => checkUnixSocket(linked))).toContain('it is a symbolic link');
    mkdirSync(join(root, 'plain'), { mode: 0o700 });
    const file = join(root, 'plain', 'agent.sock');
    writeFileSync(file, '');
    expect(refusal(file, () => checkUnixSocket(file))).toContain('it is not a socket');
  });

  it('refuses a socket or folder owned by another uid, naming both uids', async () => {
    const { path } = await listenIn(join(root, 'o'));
    expect(refusal(path, () => checkUnixSocket(path, uid + 1))).toContain(
      `its folder ${join(root, 'o')} is owned by uid ${uid}, not by you (uid ${uid + 1})`,
    );
  });

  it.skipIf(!isRoot)("refuses another user's folder, and another user's socket in ours", async () => {
    const theirs = await listenIn(join(root, 'theirs'), 0o755);
    chownSync(join(root, 'theirs'), NOBODY, NOBODY);
    expect(refusal(theirs.path, () => checkUnixSocket(theirs.path))).toContain(
      `is owned by uid ${NOBODY}, not by you (uid 0)`,
    );
    const planted = await listenIn(join(root, 'ours'));
    chownSync(planted.path, NOBODY, NOBODY);
    expect(refusal(planted.path, () => checkUnixSocket(planted.path))).toContain(
      `it is owned by uid ${NOBODY}, not by you (uid 0)`,
    );
  });

  it('callAgent sends not a byte to a socket it refuses, and never reads its answer', async () => {
    const { path, server } = await listenIn(join(root, 'trap'), 0o777);
    const error = await callAgent(path, 'POST', '/v1/import', Buffer.from('{"accounts":[]}')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UntrustedSocketError);
    let connections = -1;
    server.getConnections((_, count) => (connections = count));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(0);
    expect(received.get(server)).toBe(0);
  });

  it('once connected, a socket swapped since the check is refused before the request is written', async () => {
    const first = await listenIn(join(root, 'swap'));
    const seen = checkUnixSocket(first.path);
    expect(seen).not.toBeNull();
    // Another socket (alive at the same time, so surely another inode) is moved into its place.
    const second = createServer();
    servers.push(second);
    const elsewhere = join(root, 'swap', 'other.sock');
    await new Promise<void>((done) => second.listen(elsewhere, done));
    chmodSync(elsewhere, 0o600);
    renameSync(elsewhere, first.path);
    expect(checkUnixSocket(first.path)).not.toBeNull();
    if (seen === null) throw new Error('unreachable');
    expect(refusal(first.path, () => recheckUnixSocket(first.path, seen))).toContain(
      'it was replaced while connecting',
    );
  });
});

describe('the Windows check of the pipe file (Get-Acl report)', () => {
  const me = 'S-1-5-21-1-2-3-1001';
  const file = 'C:\\Users\\ada\\AppData\\Roaming\\Tokentray\\agent.sock';
  const folder = 'C:\\Users\\ada\\AppData\\Roaming\\Tokentray';
  const report = (fileOwner: string, fileWriters: string[], folderWriters: string[] = [me]) =>
    parseWindowsAclReport(
      JSON.stringify({
        me,
        items: [
          { path: file, owner: fileOwner, writers: fileWriters },
          { path: folder, owner: me, writers: folderWriters },
        ],
      }),
    );

  it('accepts a file and folder owned by the user, writable by the user, SYSTEM and Administrators', () => {
    const ok = report(me, [me, 'S-1-5-18', 'S-1-5-32-544']);
    expect(ok).not.toBeNull();
    expect(judgeWindowsAcl(ok ?? { me, items: [] }, [file, folder])).toBeNull();
    const elevated = report('S-1-5-32-544', [me]);
    expect(judgeWindowsAcl(elevated ?? { me, items: [] }, [file, folder])).toBeNull();
  });

  it("refuses another user's file, and a file or folder others may write", () => {
    const judge = (r: ReturnType<typeof report>) => judgeWindowsAcl(r ?? { me, items: [] }, [file, folder]);
    expect(judge(report('S-1-5-21-1-2-3-1002', [me]))).toBe(
      `the pipe file ${file} is owned by S-1-5-21-1-2-3-1002, not by you (${me})`,
    );
    expect(judge(report(me, [me, 'S-1-1-0']))).toBe(`the pipe file ${file} lets S-1-1-0 write to it`);
    expect(judge(report(me, [me], [me, 'S-1-5-11']))).toBe(`its folder ${folder} lets S-1-5-11 write to it`);
    expect(judgeWindowsAcl({ me, items: [] }, [file, folder])).toBe(`the ACL of ${file} could not be read`);
  });

  it('parses a one-writer list that PowerShell wrote as a bare string, and refuses what is not a report', () => {
    const parsed = parseWindowsAclReport(
      JSON.stringify({ me, items: [{ path: file, owner: me, writers: me }] }),
    );
    expect(parsed?.items[0]?.writers).toEqual([me]);
    expect(parseWindowsAclReport('')).toBeNull();
    expect(parseWindowsAclReport('{"me":1,"items":[]}')).toBeNull();
    expect(parseWindowsAclReport('{"me":"x","items":[{"path":"p"}]}')).toBeNull();
  });

  it('passes the paths through the environment, never inside the script', () => {
    expect(WINDOWS_ACL_SCRIPT).toContain('$env:TOKENTRAY_CHECK_FILE');
    expect(WINDOWS_ACL_SCRIPT).not.toContain('Tokentray\\');
  });
});
