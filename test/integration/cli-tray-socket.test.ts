/**
 * The tray app's side: the same server started in-process beside a real engine (as the desktop
 * host does) at the default socket under $XDG_RUNTIME_DIR, found by a `tokentray` child process
 * given no --data-dir.
 */
import { existsSync, lstatSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../main/agent/server.js';
import { defaultSocketPath } from '../../main/agent/socket-path.js';
import { createEngine, openPassphraseCipher } from '../../main/engine/index.js';
import type { Engine } from '../../main/engine/types.js';
import { makeJwt, nowSeconds } from '../peers/index.js';
import { cleanEnv, ensureBuilt, runCli } from './cli-harness.js';

let root: string;
let runtimeDir: string;
let engine: Engine;
let server: ApiServer;
const lines: string[] = [];
const log = {
  info: (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(fields ?? {})}`),
  warn: (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(fields ?? {})}`),
  error: (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(fields ?? {})}`),
};
const token = makeJwt({ sub: 'tray', exp: nowSeconds() + 3600 });

beforeAll(async () => {
  await ensureBuilt();
  root = await mkdtemp(join(tmpdir(), 'tttray-'));
  runtimeDir = join(root, 'run');
  const dataDir = join(root, 'userData');
  engine = createEngine({ dataDir, cipher: await openPassphraseCipher(dataDir, 'tray test'), log });
  await engine.start();
  await engine.importAccounts({
    accounts: [{ name: 'tray-acct', preset: 'static', token, cliAccess: true }],
  });
  const umask = process.umask();
  server = await startApiServer({
    engine,
    socketPath: defaultSocketPath(dataDir, { env: { XDG_RUNTIME_DIR: runtimeDir }, platform: 'linux' }),
    log,
  });
  expect(process.umask()).toBe(umask);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("the tray app's socket", () => {
  it('lives at $XDG_RUNTIME_DIR/tokentray/agent.sock: a 0600 socket in a 0700 directory', () => {
    expect(server.socketPath).toBe(join(runtimeDir, 'tokentray', 'agent.sock'));
    expect(lstatSync(join(runtimeDir, 'tokentray')).mode & 0o777).toBe(0o700);
    const socket = lstatSync(server.socketPath);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it('is found by the CLI without --data-dir', async () => {
    const result = await runCli(['token', 'tray-acct'], { env: cleanEnv({ XDG_RUNTIME_DIR: runtimeDir }) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${token}\n`);
  });

  it('logs the account name and the outcome, never the token', () => {
    const served = lines.filter((line) => line.startsWith('token served'));
    expect(served).toEqual(['token served {"account":"tray-acct","outcome":"ok"}']);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('close() removes the socket, and the CLI then reports no agent (exit 3)', async () => {
    await server.close();
    expect(existsSync(server.socketPath)).toBe(false);
    const result = await runCli(['list'], { env: cleanEnv({ XDG_RUNTIME_DIR: runtimeDir }) });
    expect(result.code).toBe(3);
  });
});
