/**
 * Attacks on the local API of a real `tokentray agent` child (issue #12): query parameters that a
 * route does not take (`DELETE …?dryRun=1` must not delete), and a client past the connection cap.
 * Loopback and Unix sockets only; every wait is bounded.
 */
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJwt, nowSeconds } from '../peers/index.js';
import {
  ensureBuilt,
  httpOverSocket,
  makeTempDirs,
  runCli,
  startAgent,
  waitUntil,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

let dirs: TempDirs;
let agent: AgentProcess;
const token = makeJwt({ sub: 'attacks', exp: nowSeconds() + 3600 });
const account = (name: string) => ({ name, preset: 'static', token, cliAccess: true });

async function names(): Promise<string[]> {
  const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts');
  expect(answer.status).toBe(200);
  return (answer.json().accounts as { name: string }[]).map((a) => a.name);
}

beforeAll(async () => {
  await ensureBuilt();
  dirs = await makeTempDirs();
  agent = await startAgent(dirs);
  const file = join(dirs.root, 'accounts.json');
  await writeFile(file, JSON.stringify({ accounts: [account('acme'), account('keep-me')] }));
  const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await dirs?.cleanup();
});

describe('unknown query parameters are a 400 on every route, and nothing happens', () => {
  it.each([
    ['the list', 'GET', '/v1/accounts?verbose=1'],
    ['a token', 'GET', '/v1/accounts/acme/token?minvalid=60'],
    ['a header', 'GET', '/v1/accounts/acme/header?format=raw'],
    ['a refresh', 'POST', '/v1/accounts/acme/refresh?force=1'],
    ['a removal', 'DELETE', '/v1/accounts/keep-me?dryRun=1'],
  ])('%s: %s %s → 400 naming the parameter', async (_what, method, path) => {
    const answer = await httpOverSocket(agent.socketPath, method, path);
    expect(answer.status).toBe(400);
    const body = answer.json();
    expect(body.error).toBe('bad_request');
    const parameter = new URL(path, 'http://localhost').searchParams.keys().next().value as string;
    expect(body.message).toContain(JSON.stringify(parameter));
    expect(answer.text).not.toContain(token);
  });

  it('DELETE …?dryRun=1 deletes nothing', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'DELETE', '/v1/accounts/keep-me?dryRun=1');
    expect(answer.status).toBe(400);
    expect(await names()).toContain('keep-me');
  });

  it('POST /v1/import?dryRun=1 imports nothing', async () => {
    const answer = await httpOverSocket(agent.socketPath, 'POST', '/v1/import?dryRun=1', {
      body: JSON.stringify({ accounts: [account('smuggled')] }),
    });
    expect(answer.status).toBe(400);
    expect(answer.json().message).toContain('"dryRun"');
    expect(await names()).not.toContain('smuggled');
  });

  it('the parameters a route does take still work', async () => {
    expect((await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts')).status).toBe(200);
    const served = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/acme/token?minValid=60');
    expect(served.status).toBe(200);
    expect(served.json().accessToken).toBe(token);
    expect(
      (await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/acme/header?minValid=0&rejected=0'))
        .status,
    ).toBe(200);
  });
});

describe('past the connection cap (512 held connections)', () => {
  const CAP = 512;

  /** Opens a keep-alive connection and resolves once the agent has answered one request on it. */
  function heldConnection(): Promise<{ socket: Socket; replies: () => string }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path: agent.socketPath });
      let replies = '';
      const timer = setTimeout(() => reject(new Error('no answer on a held connection')), 10_000);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        replies += chunk.toString('latin1');
        if (replies.includes('HTTP/1.1 200 OK') && replies.includes('"accounts"')) {
          clearTimeout(timer);
          resolve({ socket, replies: () => replies });
        }
      });
      socket.on('connect', () => socket.write('GET /v1/accounts HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    });
  }

  it('a new connection gets 503 agent_busy with Retry-After, not a reset; below the cap it is served again', async () => {
    const held: { socket: Socket; replies: () => string }[] = [];
    try {
      // Each one has been answered, so the agent holds all of them (keep-alive: 5 s from here).
      for (let i = 0; i < CAP; i += 8)
        held.push(...(await Promise.all(Array.from({ length: 8 }, () => heldConnection()))));
      expect(held).toHaveLength(CAP);

      const busy = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts/acme/token');
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(busy.json()).toMatchObject({ error: 'agent_busy' });
      expect(String(busy.json().message)).toContain(`${CAP} connections`);
      expect(busy.text).not.toContain(token);

      // The CLI says so too (no "stopped before answering").
      const cli = await runCli(['list', '--data-dir', dirs.dataDir]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`serving ${CAP} connections already`);

      // None of the held connections was disturbed.
      for (const connection of held) expect(connection.replies()).not.toContain('503');
    } finally {
      for (const connection of held) connection.socket.destroy();
    }
    await waitUntil(
      async () => (await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts')).status === 200,
      5_000,
      'the agent to serve again below the cap',
    );
    expect(agent.child.exitCode).toBeNull();
  }, 30_000);
});
