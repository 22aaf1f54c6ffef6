/**
 * `tokentray login NAME` and `POST /v1/accounts/NAME/login` against the built CLI and a real
 * headless agent, signing in at a real oidc-provider through its own device page (Chromium).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDC_PUBLIC_NATIVE_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/oidc.js';
import {
  BIN,
  cleanEnv,
  ensureBuilt,
  httpOverSocket,
  makeTempDirs,
  ROOT,
  runCli,
  startAgent,
  waitUntil,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';
import { enterDeviceCode, interactiveSuite } from './interactive-harness.js';

// One provider for the whole file (interactiveSuite's peers end with each test).
const { context } = interactiveSuite();
let dirs: TempDirs;
let agent: AgentProcess;
let server: OidcPeerHandle;

beforeAll(async () => {
  await ensureBuilt();
  server = await startOidcPeer({
    clients: [OIDC_PUBLIC_NATIVE_CLIENT],
    interactive: {},
    deviceAuthorizationPatch: { interval: 1 },
  });
  dirs = await makeTempDirs();
  const file = join(dirs.root, 'accounts.json');
  await writeFile(
    file,
    JSON.stringify({
      accounts: [
        {
          name: 'graph',
          preset: 'oauth2',
          grantType: 'device_code',
          issuer: server.issuer,
          clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
          clientAuth: 'none',
          scope: 'openid offline_access',
          cliAccess: true,
        },
        {
          name: 'machine',
          preset: 'static',
          token: 'static-token-value-123456',
          cliAccess: true,
        },
      ],
    }),
  );
  agent = await startAgent(dirs);
  const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await server?.close();
  await dirs?.cleanup();
});

/** Runs `tokentray ARGS`, handing each stderr chunk to `onStderr` as it comes (bounded). */
function runLive(args: string[], onStderr: (all: string) => void, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr(stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tokentray ${args.join(' ')} did not finish; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe('tokentray login', () => {
  it('prints the device code and link, waits for the approval, prints one line and exits 0; then token works', async () => {
    const browserContext = await context();
    let approval: Promise<string> | undefined;
    const before = await runCli(['token', 'graph', '--data-dir', dirs.dataDir]);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/sign-in needed/);

    const result = await runLive(['login', 'graph', '--data-dir', dirs.dataDir], (stderr) => {
      const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(stderr);
      if (code && !approval)
        approval = enterDeviceCode(browserContext, `${server.url}/device`, code[1] ?? '', {
          kind: 'approve',
          login: 'lena',
        });
    });
    expect(result.stderr).toContain(`open ${server.url}/device on any device`);
    expect(await approval).toBe('Sign-in Success');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^signed in "graph": token valid until \d{4}-\d\d-\d\dT[^\n]+\n$/);

    const token = await runCli(['token', 'graph', '--data-dir', dirs.dataDir]);
    expect(token.code, token.stderr).toBe(0);
    const me = await fetch(`${server.url}/me`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(((await me.json()) as { sub?: string }).sub).toBe('lena');
    await waitUntil(() => agent.stderr().includes('login done'), 5000, 'the agent to log the login');
    // The headless agent's log says what to do as well (its only screen).
    expect(agent.stderr()).toMatch(
      /sign-in: enter the code at the link account="graph" link="[^"]+\/device" code="[A-Z]{4}-[A-Z]{4}"/,
    );
    expect(agent.stderr()).not.toContain(token.stdout.trim());
  });

  it('hanging up cancels the sign-in: the agent logs it aborted and the account keeps its token', async () => {
    const before = await runCli(['token', 'graph', '--data-dir', dirs.dataDir]);
    expect(before.code, before.stderr).toBe(0);
    const child = spawn(process.execPath, [BIN, 'login', 'graph', '--data-dir', dirs.dataDir], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: 'pipe',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('close', (_code, signal) => resolve(signal)),
    );
    try {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitUntil(() => /enter the code/.test(stderr), 10_000, 'the code to be printed').catch(
        (error: Error) => {
          throw new Error(`${error.message}; login stderr: ${stderr}; agent: ${agent.stderr().slice(-1500)}`);
        },
      );
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      // Only the hang-up reaches the agent: it must cancel the sign-in it was running.
      await waitUntil(() => /sign-in failed .*aborted/.test(agent.stderr()), 10_000, 'the agent to cancel');
    } finally {
      child.kill('SIGKILL');
    }
    const after = await runCli(['token', 'graph', '--data-dir', dirs.dataDir]);
    expect(after.stdout).toBe(before.stdout);
  });

  it('an account whose grant needs no person: exit 1 and why; an unknown account: exit 4; a usage error: exit 2', async () => {
    const machine = await runCli(['login', 'machine', '--data-dir', dirs.dataDir]);
    expect(machine.code).toBe(1);
    // A pasted token: nothing renews it either, so the advice is a new token, not `refresh`.
    expect(machine.stderr).toContain(
      '"machine" holds a pasted token, which needs no sign-in: paste a new one in the account window, or import the account again with it',
    );
    const unknown = await runCli(['login', 'nobody', '--data-dir', dirs.dataDir]);
    expect(unknown.code).toBe(4);
    const usage = await runCli(['login', '--data-dir', dirs.dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing account NAME/);
  });

  it('the local API: 409 not_interactive, 400 for an unknown parameter, 405 for GET', async () => {
    const socket = join(dirs.dataDir, 'agent.sock');
    const refused = await httpOverSocket(socket, 'POST', '/v1/accounts/machine/login');
    expect(refused.status).toBe(409);
    expect(refused.json().error).toBe('not_interactive');
    const unknown = await httpOverSocket(socket, 'POST', '/v1/accounts/graph/login?dryRun=1');
    expect(unknown.status).toBe(400);
    const get = await httpOverSocket(socket, 'GET', '/v1/accounts/graph/login');
    expect(get.status).toBe(405);
  });

  it('--version names the version', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^tokentray \d+\.\d+\.\d+ \(Node v?\d+\.\d+\.\d+\)\n$/);
  });
});
