/**
 * The local API as any HTTP client sees it (CONTRACT §3), and as a careless or hostile local
 * client would stretch it: oversized, malformed, silent and slow requests, and random bytes. The
 * agent is a real child process; it must answer 4xx or drop the connection, and keep serving.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSP360_DEFAULTS, startMsp360Peer, type Msp360PeerHandle } from '../peers/index.js';
import {
  ensureBuilt,
  httpOverSocket,
  makeTempDirs,
  rawExchange,
  runCli,
  startAgent,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

let peer: Msp360PeerHandle;
let dirs: TempDirs;
let agent: AgentProcess;
const hasCurl = spawnSync('curl', ['--version']).status === 0;

async function stillServing(): Promise<void> {
  expect(agent.child.exitCode).toBeNull();
  const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts');
  expect(answer.status).toBe(200);
}

beforeAll(async () => {
  await ensureBuilt();
  peer = await startMsp360Peer();
  dirs = await makeTempDirs();
  agent = await startAgent(dirs);
  const base = { preset: 'msp360', baseUrl: peer.url, username: MSP360_DEFAULTS.username };
  const file = join(dirs.root, 'accounts.json');
  await writeFile(
    file,
    JSON.stringify({
      accounts: [
        { name: 'acme', ...base, password: MSP360_DEFAULTS.password, cliAccess: true },
        { name: 'private', ...base, password: MSP360_DEFAULTS.password },
        { name: 'failing', ...base, password: 'fake-not-the-password', cliAccess: true },
      ],
    }),
  );
  const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await peer?.close();
  await dirs?.cleanup();
});

describe('CONTRACT §3 endpoints', () => {
  it('GET /v1/accounts answers 200 with the list --json shape', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    const accounts = answer.json().accounts as Record<string, unknown>[];
    expect(accounts.map((a) => a.name)).toEqual(['acme', 'private', 'failing']);
    for (const entry of accounts) {
      expect(Object.keys(entry).sort()).toEqual([
        'error',
        'expiresAt',
        'lastRefreshAt',
        'name',
        'nextRefreshAt',
        'preset',
        'state',
      ]);
    }
  });

  it('GET /v1/accounts/NAME/token answers 200 {accessToken, tokenType, expiresAt}', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/acme/token?minValid=120');
    expect(answer.status).toBe(200);
    const body = answer.json();
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresAt', 'tokenType']);
    expect(peer.issued).toContain(body.accessToken);
    expect(body.tokenType).toMatch(/^bearer$/i);
    expect(Date.parse(body.expiresAt as string)).toBeGreaterThan(Date.now() + 120_000);
  });

  it('answers 404 for no such account, with the names that exist (look-alikes first) and their count', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/nobody/token');
    expect(answer.status).toBe(404);
    expect(answer.json()).toMatchObject({
      error: 'no_such_account',
      accounts: ['acme', 'failing', 'private'],
      accountsTotal: 3,
    });
    const close = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/priv/token');
    expect(close.json()).toMatchObject({ accounts: ['private', 'acme', 'failing'] });
  });

  it('answers 403 when CLI access is off, and hands out nothing', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/private/token');
    expect(answer.status).toBe(403);
    expect(answer.json().error).toBe('cli_access_denied');
    for (const token of peer.issued) expect(answer.text).not.toContain(token);
    const header = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/private/header');
    expect(header.status).toBe(403);
  });

  it("answers 502 {error, message} with the token server's text when the provider fails", async () => {
    const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/failing/token');
    expect(answer.status).toBe(502);
    const body = answer.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(body.message).toContain('The user name or password is incorrect.');
    expect(answer.text).not.toContain('fake-not-the-password');
  });

  it.skipIf(!hasCurl)('curl --unix-socket is a client too', () => {
    const curl = spawnSync(
      'curl',
      [
        '-s',
        '--max-time',
        '10',
        '--unix-socket',
        agent.socketPath,
        'http://localhost/v1/accounts/acme/token',
      ],
      { encoding: 'utf8' },
    );
    expect(curl.status).toBe(0);
    expect(peer.issued).toContain((JSON.parse(curl.stdout) as { accessToken: string }).accessToken);
  });

  it('serves several requests on one keep-alive connection', async () => {
    const request = 'GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const { reply } = await rawExchange(agent.socketPath, request.repeat(3), { timeoutMs: 2_000 });
    expect(reply.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
  });
});

describe('bad requests get a 4xx, never a crash', () => {
  it.each([
    ['unknown path', 'GET', '/v2/accounts', 404],
    ['unknown sub-path', 'GET', '/v1/accounts/acme/secret', 404],
    ['wrong method on the list', 'POST', '/v1/accounts', 405],
    ['wrong method on a token', 'POST', '/v1/accounts/acme/token', 405],
    ['wrong method on import', 'GET', '/v1/import', 405],
    ['a minValid that is not a number', 'GET', '/v1/accounts/acme/token?minValid=soon', 400],
    ['a negative minValid', 'GET', '/v1/accounts/acme/token?minValid=-5', 400],
    ['minValid given twice', 'GET', '/v1/accounts/acme/token?minValid=10&minValid=20', 400],
    ['rejected given twice', 'GET', '/v1/accounts/acme/token?rejected=1&rejected=0', 400],
    ['a malformed percent-encoding', 'GET', '/v1/accounts/%E0%A4%A/token', 400],
    ['a name that cannot exist', 'GET', '/v1/accounts/..%2F..%2Fetc/token', 404],
  ])('%s → %i', async (_what, method, path, status) => {
    const answer = await httpOverSocket(agent.socketPath, method, path);
    expect(answer.status).toBe(status);
    expect(typeof answer.json().error).toBe('string');
    await stillServing();
  });

  it('headers over 8 KiB → 431', async () => {
    const answer = await rawExchange(
      agent.socketPath,
      `GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`,
    );
    expect(answer.reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer.closedByServer).toBe(true);
    await stillServing();
  });

  it('a body on a token request over 16 KiB → 413', async () => {
    const declared = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/acme/token', {
      body: Buffer.alloc(64 * 1024, 'x'),
      headers: { 'content-length': 64 * 1024 },
    });
    expect(declared.status).toBe(413);
    const chunked = await rawExchange(
      agent.socketPath,
      `POST /v1/accounts/acme/refresh HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8000\r\n${'y'.repeat(0x8000)}\r\n0\r\n\r\n`,
    );
    expect(chunked.reply).toMatch(/^HTTP\/1\.1 413 /);
    await stillServing();
  });

  it('an import body of 1 MiB is accepted; one over 4 MiB → 413', async () => {
    const oneMiB = `{"accounts":[]${' '.repeat(1024 * 1024 - 16)}}`;
    expect(Buffer.byteLength(oneMiB)).toBeGreaterThanOrEqual(1024 * 1024 - 1);
    const accepted = await httpOverSocket(agent.socketPath, 'POST', '/v1/import', { body: oneMiB });
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toEqual({ accounts: [] });
    const huge = await httpOverSocket(agent.socketPath, 'POST', '/v1/import', {
      body: Buffer.alloc(5 * 1024 * 1024, ' '),
    }).catch((error: Error) => ({ status: -1, text: error.message }));
    // Either the 413 arrives, or the agent hangs up on the rest of the upload: never a 200.
    expect([413, -1]).toContain(huge.status);
    await stillServing();
  });

  it('an import body that is not JSON → 400, without echoing it', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'POST', '/v1/import', {
      body: '{"accounts": [{"password": "fake-echo-me"',
    });
    expect(answer.status).toBe(400);
    expect(answer.json().error).toBe('validation');
    expect(answer.text).not.toContain('fake-echo-me');
  });

  it.each([
    ['garbage', 'GARBAGE\r\n\r\n'],
    ['a bad request line', 'GET\r\n\r\n'],
    ['a bad header', 'GET /v1/accounts HTTP/1.1\r\nNo colon here\r\n\r\n'],
    ['a bad chunk size', 'POST /v1/import HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['two content lengths', 'POST /v1/import HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  ])('%s → 400 and the connection closed', async (_what, bytes) => {
    const answer = await rawExchange(agent.socketPath, bytes);
    expect(answer.reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.closedByServer).toBe(true);
    await stillServing();
  });

  it('random bytes never take the agent down', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
        const answer = await rawExchange(agent.socketPath, Buffer.from(bytes), {
          timeoutMs: 3_000,
          end: true,
        });
        if (answer.reply !== '') expect(answer.reply).toMatch(/^HTTP\/1\.1 (4\d\d|200) /);
      }),
      { numRuns: 40 },
    );
    await stillServing();
  });
});

describe('slow and silent clients', () => {
  it('a client that connects and never writes is dropped after the header timeout, while others are served', async () => {
    const silent = rawExchange(agent.socketPath, '', { timeoutMs: 12_000 });
    await stillServing();
    const result = await silent;
    expect(result.closedByServer).toBe(true);
    expect(result.ms).toBeGreaterThanOrEqual(4_000);
    expect(result.ms).toBeLessThan(8_000);
  });

  it('a client that sends its headers too slowly is dropped', async () => {
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      void import('node:net').then(({ connect }) => {
        const socket = connect({ path: agent.socketPath });
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 500);
        socket.on('connect', () => socket.write('GET /v1/accounts HTTP/1.1\r\n'));
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
        socket.on('error', () => undefined);
        setTimeout(() => socket.destroy(), 15_000);
      });
    });
    expect(closed).toBeLessThan(8_000);
    await stillServing();
  });
});
