/**
 * Attacks on the local API of a real `tokentray agent` child (issue #12): query parameters that a
 * route does not take (`DELETE …?dryRun=1` must not delete), and a client past the connection cap.
 * Loopback and Unix sockets only; every wait is bounded.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJwt, nowSeconds } from '../peers/index.js';
import {
  ensureBuilt,
  httpOverSocket,
  makeTempDirs,
  runCli,
  startAgent,
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
