/**
 * The agent answers a request with no body (no Transfer-Encoding, no Content-Length or 0) without
 * reading a body stream (server.ts), a cost its profile showed on every token. HTTP/1.1 framing
 * must not suffer for it: pipelined requests on one connection are each answered, a request that
 * does carry a body is still read past, and every token handed out is still logged by name.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  makeTempDirs,
  rawExchange,
  runCli,
  startAgent,
  waitUntil,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

let dirs: TempDirs;
let agent: AgentProcess;
const TOKEN = 'fake-static-token-for-the-nobody-test';

beforeAll(async () => {
  await ensureBuilt();
  dirs = await makeTempDirs();
  agent = await startAgent(dirs);
  const file = join(dirs.root, 'accounts.json');
  await writeFile(
    file,
    JSON.stringify({
      accounts: [
        { name: 'open', preset: 'static', token: TOKEN, cliAccess: true },
        { name: 'closed', preset: 'static', token: TOKEN },
      ],
    }),
  );
  const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await dirs?.cleanup();
});

const statuses = (reply: string) => [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

describe('requests without a body', () => {
  it('pipelined token GETs on one connection are each answered, in order, and each is logged', async () => {
    const before = agent.stderr().split('token served').length;
    const get = (name: string, extra = '') =>
      `GET /v1/accounts/${name}/token HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
    const { reply } = await rawExchange(
      agent.socketPath,
      get('open') + get('open', 'Content-Length: 0\r\n') + get('closed') + get('nobody') + get('open'),
      { timeoutMs: 2_000 },
    );
    expect(statuses(reply)).toEqual([200, 200, 403, 404, 200]);
    expect(reply.split(`"accessToken":"${TOKEN}"`)).toHaveLength(4);
    await waitUntil(
      () => agent.stderr().split('token served').length - before === 3,
      5_000,
      'three "token served" lines',
    );
    expect(agent.stderr()).toMatch(/token served account="open" outcome="ok"/);
    expect(agent.stderr()).toMatch(/token refused account="closed"/);
  });

  it('a GET that does carry a body is read past, and the next request on the connection is answered', async () => {
    const withBody =
      'GET /v1/accounts/open/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /v1/accounts/open/token HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
      'GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const { reply } = await rawExchange(agent.socketPath, withBody, { timeoutMs: 2_000 });
    expect(statuses(reply)).toEqual([200, 200, 200]);
  });

  it('a query parameter the route does not take is still refused on the fast path', async () => {
    const { reply } = await rawExchange(
      agent.socketPath,
      'GET /v1/accounts/open/token?minvalid=5 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(reply)).toEqual([400]);
    expect(reply).toContain('unknown parameter \\"minvalid\\"');
  });
});
