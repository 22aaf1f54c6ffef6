/**
 * The standalone `tokentray` executable (scripts/build-cli-exe.mjs, issue #10), built fresh from
 * the sources into a temp folder, copied alone into another (no node_modules, no dist/ beside it)
 * and run as a user without Node runs it: every command, the headless agent itself and every
 * tokentray run get a PATH that holds no `node` and an environment with nothing of this process's.
 * Against real loopback token servers (test/peers). Also: Node's own options, from the
 * environment or the command line, do not steer it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACRONIS_DEFAULTS,
  makeJwt,
  MSP360_DEFAULTS,
  nowSeconds,
  startAcronisPeer,
  startMsp360Peer,
  type AcronisPeerHandle,
  type Msp360PeerHandle,
} from '../peers/index.js';
import { makeTempDirs, ROOT, waitForSocket, waitUntil, type TempDirs } from './cli-harness.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

let dirs: TempDirs;
let exe: string;
let pathDir: string;
let msp: Msp360PeerHandle;
let acr: AcronisPeerHandle;
let agent: ChildProcess | undefined;
let agentLog = '';
let agentExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let staticToken: string;
const dd = (): string[] => ['--data-dir', dirs.dataDir];

/**
 * A folder of links to everything in /usr/bin and /bin except Node (and what needs it): the
 * PATH of a machine where Node was never installed, with sh, env and the rest still there.
 */
function pathWithoutNode(dir: string): string {
  mkdirSync(dir);
  const skip = /^(node|nodejs|npm|npx|corepack|node-.*)$/;
  for (const bin of ['/usr/bin', '/bin']) {
    if (!existsSync(bin)) continue;
    for (const name of readdirSync(bin)) {
      const target = join(bin, name);
      if (skip.test(name) || existsSync(join(dir, name))) continue;
      symlinkSync(target, join(dir, name));
    }
  }
  return dir;
}

/** The whole environment of every executable run: no NODE_*, no HOME of ours, no socket to find. */
function exeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: pathDir, HOME: join(dirs.root, 'home'), LANG: 'C.UTF-8', ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runExe(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd: dirs.root, env: opts.env ?? exeEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tokentray ${args.join(' ')} did not finish in 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

async function stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (agent === undefined) return null;
  if (agent.exitCode === null && agent.signalCode === null) agent.kill(signal);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`agent did not exit after ${signal}: ${agentLog}`)), 15_000).unref(),
  );
  return (await Promise.race([agentExit, timeout])).code;
}

beforeAll(async () => {
  dirs = await makeTempDirs();
  const built = spawnSync(
    process.execPath,
    ['scripts/build-cli-exe.mjs', '--out', join(dirs.root, 'build')],
    { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
  );
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}${built.stdout}`);
  mkdirSync(join(dirs.root, 'app'));
  exe = join(dirs.root, 'app', 'tokentray');
  copyFileSync(join(dirs.root, 'build', 'tokentray'), exe);
  pathDir = pathWithoutNode(join(dirs.root, 'path'));
  [msp, acr] = await Promise.all([startMsp360Peer(), startAcronisPeer()]);
  staticToken = makeJwt({ sub: 'pasted-user', exp: nowSeconds() + 7200 });
}, 300_000);

afterAll(async () => {
  await stopAgent('SIGKILL').catch(() => undefined);
  await Promise.all([msp?.close(), acr?.close()]);
  await dirs?.cleanup();
});

describe('the standalone executable', () => {
  it('runs where PATH holds no node', () => {
    const found = spawnSync('/bin/sh', ['-c', 'command -v node nodejs; echo end'], {
      env: exeEnv(),
      encoding: 'utf8',
    });
    expect(found.stdout).toBe('end\n');
    expect(statSync(exe).mode & 0o111).not.toBe(0);
    // Nothing it could load sits beside it.
    expect(readdirSync(join(dirs.root, 'app'))).toEqual(['tokentray']);
  });

  it('--version names the package version and the Node inside; help and COMMAND --help print usage', async () => {
    const version = await runExe(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(
      new RegExp(`^tokentray ${PACKAGE_VERSION} \\(standalone, Node 24\\.\\d+\\.\\d+\\)\\n$`),
    );
    const help = await runExe(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tokentray COMMAND/);
    const token = await runExe(['token', '--help']);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^Usage: tokentray token NAME/);
    // The agent's help comes from the agent bundle inside the executable.
    const agentHelp = await runExe(['help', 'agent']);
    expect(agentHelp.code).toBe(0);
    expect(agentHelp.stdout).toMatch(/^Usage: tokentray agent --data-dir DIR --passphrase-file FILE/);
  });

  it('usage errors exit 2, and no agent exits 3 (the contract)', async () => {
    for (const args of [[], ['frobnicate'], ['token'], ['agent'], ['agent', '--nope']]) {
      const result = await runExe(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: tokentray');
    }
    const none = await runExe(['token', 'x', ...dd()]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain(`no agent is running at ${join(dirs.dataDir, 'agent.sock')}`);
  });

  it("takes none of Node's options: NODE_OPTIONS and NODE_SEA_EXEC_ARGV are ignored, flags are the CLI's", async () => {
    const marker = join(dirs.root, 'preload-ran');
    const preload = join(dirs.root, 'preload.cjs');
    await writeFile(preload, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    for (const key of ['NODE_OPTIONS', 'NODE_SEA_EXEC_ARGV']) {
      const result = await runExe(['--version'], { env: exeEnv({ [key]: `--require ${preload}` }) });
      expect(result.code, key).toBe(0);
      expect(result.stdout).toMatch(/^tokentray /);
    }
    const inspect = await runExe(['--version'], {
      env: exeEnv({ NODE_OPTIONS: '--inspect-brk=127.0.0.1:0' }),
    });
    expect(inspect).toMatchObject({ code: 0, stderr: '' });
    for (const args of [
      ['--require', preload, '--version'],
      ['-e', 'process.exit(0)'],
      ['--eval=1'],
      [preload],
    ]) {
      const result = await runExe(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: tokentray');
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the executable as the headless agent, and as its client', () => {
  beforeAll(async () => {
    const child = spawn(exe, ['agent', ...dd(), '--passphrase-file', dirs.passFile], {
      cwd: dirs.root,
      env: exeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent = child;
    child.stderr.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (agentLog += `[stdout!] ${chunk.toString()}`));
    agentExit = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    await waitForSocket(join(dirs.dataDir, 'agent.sock'), 30_000, agentExit).catch((error: Error) => {
      throw new Error(`${error.message}\n${agentLog}`);
    });
    await waitUntil(() => agentLog.includes('agent ready'), 5_000, 'the agent to say it is ready');
  }, 60_000);

  it('imports a file of accounts against real token servers', async () => {
    const msp360 = { preset: 'msp360', username: MSP360_DEFAULTS.username, baseUrl: msp.url };
    const file = join(dirs.root, 'accounts.json');
    await writeFile(
      file,
      JSON.stringify({
        accounts: [
          { name: 'msp', ...msp360, password: MSP360_DEFAULTS.password, cliAccess: true },
          {
            name: 'acr',
            preset: 'acronis',
            baseUrl: acr.url,
            clientId: ACRONIS_DEFAULTS.clientId,
            clientSecret: ACRONIS_DEFAULTS.clientSecret,
            cliAccess: true,
          },
          { name: 'pasted', preset: 'static', token: staticToken, cliAccess: true },
          { name: 'kept-back', preset: 'static', token: staticToken },
          { name: 'broken', ...msp360, password: 'fake-wrong-Password-9', cliAccess: true },
        ],
      }),
    );
    const result = await runExe(['import', file, ...dd()]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'added msp (msp360)',
      'added acr (acronis)',
      'added pasted (static)',
      'added kept-back (static)',
      'added broken (msp360)',
    ]);
    await waitUntil(
      async () => {
        const list = await runExe(['list', '--json', ...dd()]);
        const states = (JSON.parse(list.stdout) as { accounts: { name: string; state: string }[] }).accounts;
        return states.filter((a) => ['msp', 'acr'].includes(a.name) && a.state === 'valid').length === 2;
      },
      20_000,
      'msp and acr to obtain tokens',
    );
  });

  it('lists the accounts, as a table and as JSON', async () => {
    const table = await runExe(['list', ...dd()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+PRESET\s+STATE\s+EXPIRES\s+NEXT RENEWAL\s+ERROR\n/);
    expect(table.stdout).toMatch(/^msp\s+msp360\s+valid\s/m);
    const json = await runExe(['list', '--json', ...dd()]);
    expect(json.code).toBe(0);
    const accounts = (JSON.parse(json.stdout) as { accounts: { name: string; state: string }[] }).accounts;
    expect(accounts.map((a) => a.name).sort()).toEqual(['acr', 'broken', 'kept-back', 'msp', 'pasted']);
    expect(accounts.find((a) => a.name === 'broken')?.state).toBe('error');
  });

  it('prints tokens: the one the server issued, the pasted one, and a header', async () => {
    const token = await runExe(['token', 'msp', ...dd()]);
    expect(token).toMatchObject({ code: 0, stderr: '', stdout: `${msp.issued.at(-1)}\n` });
    const pasted = await runExe(['token', 'pasted', ...dd()]);
    expect(pasted).toMatchObject({ code: 0, stdout: `${staticToken}\n` });
    const header = await runExe(['header', 'acr', ...dd()]);
    expect(header).toMatchObject({ code: 0, stdout: `Authorization: Bearer ${acr.issued.at(-1)}\n` });
    // TOKENTRAY_SOCKET, as the README's systemd section sets it, instead of --data-dir.
    const bySocket = await runExe(['token', 'msp'], {
      env: exeEnv({ TOKENTRAY_SOCKET: join(dirs.dataDir, 'agent.sock') }),
    });
    expect(bySocket).toMatchObject({ code: 0, stdout: `${msp.issued.at(-1)}\n` });
  });

  it("runs exec: CMD sees TOKENTRAY_TOKEN, and the exit code is CMD's", async () => {
    const result = await runExe(
      ['exec', 'acr', ...dd(), '--', 'sh', '-c', 'printf "%s|" "$TOKENTRAY_TOKEN"; cat; exit 7'],
      { input: 'from stdin' },
    );
    expect(result.code).toBe(7);
    expect(result.stdout).toBe(`${acr.issued.at(-1)}|from stdin`);
    const missing = await runExe(['exec', 'acr', ...dd(), '--', 'no-such-command-anywhere']);
    expect(missing.code).toBe(127);
  });

  it('exits 1, 4 and 5 as the contract says', async () => {
    const broken = await runExe(['token', 'broken', ...dd()]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toContain('The user name or password is incorrect.');
    const unknown = await runExe(['token', 'nobody', ...dd()]);
    expect(unknown.code).toBe(4);
    const denied = await runExe(['token', 'kept-back', ...dd()]);
    expect(denied.code).toBe(5);
    expect(denied.stdout).toBe('');
    const removed = await runExe(['remove', 'kept-back', ...dd()]);
    expect(removed.code).toBe(0);
  });

  it('SIGUSR1 opens no inspector on the running agent; SIGTERM stops it cleanly (exit 0)', async () => {
    agent?.kill('SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(agent?.exitCode).toBe(null);
    expect(agentLog).not.toMatch(/Debugger listening|inspector/i);
    const still = await runExe(['token', 'pasted', ...dd()]);
    expect(still.code).toBe(0);
    expect(await stopAgent('SIGTERM')).toBe(0);
    expect(agentLog).toContain('stopped');
    expect(agentLog).not.toContain('[stdout!]');
    expect(existsSync(join(dirs.dataDir, 'agent.sock'))).toBe(false);
  });
});
