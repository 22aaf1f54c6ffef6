/**
 * Every CLI command and exit code, end to end: a real `tokentray agent` child process, accounts
 * imported from a file pointing at the real loopback token peers, and `tokentray` run as a child
 * process for each command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACRONIS_DEFAULTS,
  makeJwt,
  MPS_MONITOR_DEFAULTS,
  MSP360_DEFAULTS,
  nowSeconds,
  startAcronisPeer,
  startMpsMonitorPeer,
  startMsp360Peer,
  type AcronisPeerHandle,
  type MpsMonitorPeerHandle,
  type Msp360PeerHandle,
} from '../peers/index.js';
import {
  BIN,
  cleanEnv,
  ensureBuilt,
  findSecretsInDir,
  httpOverSocket,
  makeTempDirs,
  ROOT,
  runCli,
  startAgent,
  waitUntil,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

const WRONG_PASSWORD = 'fake-wrong-Password-9';
let dirs: TempDirs;
let agent: AgentProcess;
let msp: Msp360PeerHandle;
let others: Msp360PeerHandle;
let mps: MpsMonitorPeerHandle;
let acr: AcronisPeerHandle;
let staticToken: string;
const dd = (): string[] => ['--data-dir', dirs.dataDir];

function accountFile(): { accounts: Record<string, unknown>[] } {
  const msp360 = { preset: 'msp360', username: MSP360_DEFAULTS.username, password: MSP360_DEFAULTS.password };
  return {
    accounts: [
      { name: 'msp', ...msp360, baseUrl: msp.url, cliAccess: true, label: 'MSP360 test tenant' },
      {
        name: 'mps',
        preset: 'mps-monitor',
        baseUrl: mps.baseUrl,
        clientId: MPS_MONITOR_DEFAULTS.clientId,
        clientSecret: MPS_MONITOR_DEFAULTS.clientSecret,
        username: MPS_MONITOR_DEFAULTS.username,
        password: MPS_MONITOR_DEFAULTS.password,
        cliAccess: true,
      },
      {
        name: 'acr',
        preset: 'acronis',
        baseUrl: acr.url,
        clientId: ACRONIS_DEFAULTS.clientId,
        clientSecret: ACRONIS_DEFAULTS.clientSecret,
        cliAccess: true,
      },
      { name: 'pasted', preset: 'static', token: staticToken, cliAccess: true },
      { name: 'kept-back', ...msp360, baseUrl: others.url },
      { name: 'broken', ...msp360, baseUrl: others.url, password: WRONG_PASSWORD, cliAccess: true },
    ],
  };
}

async function listJson(): Promise<{ name: string; state: string; [key: string]: unknown }[]> {
  const answer = await httpOverSocket(agent.socketPath, 'GET', '/v1/accounts');
  return (answer.json() as { accounts: { name: string; state: string }[] }).accounts;
}

beforeAll(async () => {
  await ensureBuilt();
  [msp, others, mps, acr] = await Promise.all([
    startMsp360Peer(),
    startMsp360Peer(),
    startMpsMonitorPeer(),
    startAcronisPeer(),
  ]);
  staticToken = makeJwt({ sub: 'pasted-user', exp: nowSeconds() + 7200 });
  dirs = await makeTempDirs();
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await Promise.all([msp, others, mps, acr].map((peer) => peer?.close()));
  await dirs?.cleanup();
});

/**
 * Runs `words` at a new pseudo-terminal (script(1)) as a user's prompt runs it: with `exec`, so no
 * shell stays between the terminal and it. What is written to `child.stdin` is typed at the
 * terminal (^C is the terminal's own SIGINT to its foreground process group, as a key press is).
 * `$SHELL` is set so that the test does not depend on the caller's shell.
 */
function atTerminal(words: string[]) {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const child = spawn('script', ['-qec', `exec ${words.map(quote).join(' ')}`, '/dev/null'], {
    cwd: ROOT,
    env: cleanEnv({ SHELL: '/bin/sh' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('without an agent', () => {
  it('every command exits 3 and says how to start an agent', async () => {
    const file = join(dirs.root, 'empty.json');
    await writeFile(file, '{"accounts":[]}');
    const commands = [
      ['list'],
      ['token', 'x'],
      ['header', 'x'],
      ['exec', 'x', '--', 'true'],
      ['refresh', 'x'],
      ['remove', 'x'],
      ['import', file],
    ];
    const results = await Promise.all(
      commands.map((args) => runCli([...args.slice(0, 2), ...dd(), ...args.slice(2)])),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]?.join(' ')).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`no agent is running at ${join(dirs.dataDir, 'agent.sock')}`);
      expect(result.stderr).toContain(`tokentray agent --data-dir ${dirs.dataDir} --passphrase-file`);
    }
  });

  it("without --data-dir it looks for the tray app's socket under $XDG_RUNTIME_DIR", async () => {
    const result = await runCli(['list'], { env: cleanEnv({ XDG_RUNTIME_DIR: dirs.root }) });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(join(dirs.root, 'tokentray', 'agent.sock'));
    expect(result.stderr).toContain('Start the Tokentray tray app');
  });
});

describe('usage and help', () => {
  it('prints help for the program and for every command, exit 0', async () => {
    const asks = [['--help'], ['help'], ['agent', '--help'], ['help', 'agent']].concat(
      ['import', 'list', 'token', 'header', 'exec', 'refresh', 'remove'].flatMap((c) => [
        [c, '--help'],
        ['help', c],
      ]),
    );
    const results = await Promise.all(asks.map((args) => runCli(args)));
    for (const [i, result] of results.entries()) {
      const args = asks[i] as string[];
      expect(result.code, args.join(' ')).toBe(0);
      const command = args[0] === 'help' ? args[1] : args[0];
      expect(result.stdout).toMatch(
        command === '--help' || command === undefined
          ? /^Usage: tokentray COMMAND/
          : new RegExp(`^Usage: tokentray ${command}`),
      );
    }
  });

  it('exits 2 with the usage on stderr for a command line that makes no sense', async () => {
    const bad = [
      [],
      ['frobnicate'],
      ['token'],
      ['token', 'a', 'b'],
      ['token', 'a', '--min-valid', 'soon'],
      ['token', 'a', '--json'],
      ['list', '--bogus'],
      ['list', 'extra'],
      ['exec', 'a'],
      ['exec', 'a', '--'],
      ['import'],
      ['refresh'],
      ['remove'],
      ['agent'],
      ['agent', '--data-dir', 'x'],
      ['agent', '--nope'],
    ];
    const results = await Promise.all(bad.map((args) => runCli(args)));
    for (const [i, result] of results.entries()) {
      expect(result.code, (bad[i] as string[]).join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: tokentray');
    }
  });
});

describe('with a running agent', () => {
  beforeAll(async () => {
    agent = await startAgent(dirs);
  }, 60_000);

  it('import adds the accounts in a file and prints one line per account', async () => {
    const file = join(dirs.root, 'accounts.json');
    await writeFile(file, JSON.stringify(accountFile(), null, 2));
    const result = await runCli(['import', file, ...dd()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'added msp (msp360)',
      'added mps (mps-monitor)',
      'added acr (acronis)',
      'added pasted (static)',
      'added kept-back (msp360)',
      'added broken (msp360)',
    ]);
    await waitUntil(
      async () =>
        (await listJson()).filter((a) => ['msp', 'mps', 'acr'].includes(a.name) && a.state === 'valid')
          .length === 3,
      15_000,
      'the imported accounts to obtain tokens',
    );
  });

  it('import of the same file again replaces the accounts', async () => {
    const file = join(dirs.root, 'again.json');
    await writeFile(
      file,
      JSON.stringify({ accounts: accountFile().accounts.filter((a) => a.name === 'pasted') }),
    );
    const result = await runCli(['import', file, ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('replaced pasted (static)\n');
  });

  it('import reads the file from stdin when FILE is "-"', async () => {
    const file = {
      accounts: [{ name: 'from-stdin', preset: 'static', token: makeJwt({ exp: nowSeconds() + 600 }) }],
    };
    const result = await runCli(['import', '-', ...dd()], { input: JSON.stringify(file) });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('added from-stdin (static)\n');
  });

  it('an invalid import file exits 1, names each account and field, and imports nothing', async () => {
    const file = join(dirs.root, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        accounts: [
          { name: 'good-one', preset: 'static', token: makeJwt({ exp: nowSeconds() + 600 }) },
          { name: 'bad-one', preset: 'static', token: 'x', colour: 'blue' },
        ],
      }),
    );
    const result = await runCli(['import', file, ...dd()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('nothing imported');
    expect(result.stderr).toMatch(/bad-one: colour: /);
    expect((await listJson()).map((a) => a.name)).not.toContain('good-one');
  });

  it('an import file giving a key twice exits 1, names the account and the key, and imports nothing', async () => {
    // JSON.parse would keep the last value silently: a clientSecret or tokenUrl the user did not mean.
    const token = makeJwt({ exp: nowSeconds() + 600 });
    const text = `{"accounts": [{"name": "twice", "preset": "static", "token": "${token}", "label": "a", "label": "b"}]}`;
    const result = await runCli(['import', '-', ...dd()], { input: text });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('nothing imported');
    expect(result.stderr).toContain(
      '  twice: label: is given more than once (only one value may be given)\n',
    );
    expect((await listJson()).map((a) => a.name)).not.toContain('twice');
  });

  it('an import file that is not an object names the file once, and the shape it must have', async () => {
    const result = await runCli(['import', '-', ...dd()], { input: '[]' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  (file): must be a JSON object { "accounts": [...] }\n');
    expect(result.stderr).not.toContain('(file): (file)');
  });

  it('an import file that is not JSON, or not readable, exits 1', async () => {
    const file = join(dirs.root, 'not.json');
    await writeFile(file, '{"accounts": [ {"name": "x", "password": "hunter2-secret"');
    const notJson = await runCli(['import', file, ...dd()]);
    expect(notJson.code).toBe(1);
    // One headline for every refused file; the line under it says what is wrong.
    expect(notJson.stderr).toMatch(
      /^tokentray: import file is invalid: nothing imported\n {2}\(file\): \(json\): not valid JSON \(line 1, column \d+: [a-z ]+\)\n$/,
    );
    expect(notJson.stderr).not.toContain('hunter2-secret');
    const missing = await runCli(['import', join(dirs.root, 'no-such-file.json'), ...dd()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });

  it('list prints a table of every account and its state', async () => {
    const result = await runCli(['list', ...dd()]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+PRESET\s+STATE\s+EXPIRES\s+NEXT RENEWAL\s+ERROR$/);
    expect(lines.find((l) => l.startsWith('msp '))).toMatch(/^msp\s+msp360\s+valid\s+\d{4}-\d\d-\d\dT/);
    expect(lines.find((l) => l.startsWith('broken '))).toMatch(/\berror\b/);
    expect(lines).toHaveLength(1 + 7);
  });

  it('list --json prints exactly the CONTRACT shape', async () => {
    const result = await runCli(['list', '--json', ...dd()]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { accounts: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['accounts']);
    for (const entry of parsed.accounts) {
      expect(Object.keys(entry).sort()).toEqual(
        ['name', 'preset', 'state', 'expiresAt', 'lastRefreshAt', 'nextRefreshAt', 'error'].sort(),
      );
      expect(['valid', 'expiring', 'refreshing', 'expired', 'error', 'unknown-expiry']).toContain(
        entry.state,
      );
      for (const key of ['expiresAt', 'lastRefreshAt', 'nextRefreshAt']) {
        if (entry[key] !== null) expect(new Date(entry[key] as string).toISOString()).toBe(entry[key]);
      }
    }
    const msp360 = parsed.accounts.find((a) => a.name === 'msp');
    expect(msp360).toMatchObject({ preset: 'msp360', state: 'valid', error: null });
    expect(parsed.accounts.find((a) => a.name === 'broken')?.state).toBe('error');
    expect(result.stdout).toEqual(`${JSON.stringify(JSON.parse(result.stdout), null, 2)}\n`);
    expect(JSON.parse(result.stdout)).toEqual({ accounts: await listJson() });
  });

  it('token prints the cached token and a newline, nothing else, without asking the server again', async () => {
    const before = msp.requests.length;
    const result = await runCli(['token', 'msp', ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${msp.issued.at(-1)}\n`);
    expect(msp.requests.length).toBe(before);
  });

  it('token --min-valid longer than the remaining life (but within a fresh token’s) renews first (with the rotated refresh token)', async () => {
    const before = mps.requests.length;
    const old = mps.issued.accessTokens.at(-1);
    // The peer's tokens live 1799 s: 1799 s is attainable by a fresh one, and more than is left of the held one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await runCli(['token', 'mps', '--min-valid', '1799', ...dd()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(mps.requests.length).toBe(before + 1);
    expect(mps.requests.at(-1)?.form?.grant_type).toBe('refresh_token');
    expect(result.stdout).toBe(`${mps.issued.accessTokens.at(-1)}\n`);
    expect(result.stdout).not.toBe(`${old}\n`);
  });

  it('token --min-valid far beyond any lifetime (a billion seconds) exits 1 naming the lifetime, not 2', async () => {
    const result = await runCli(['token', 'mps', '--min-valid', '999999999', ...dd()]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/tokens valid for \d+ s; a minimum validity of 999999999 s/);
    expect(result.stdout).toBe('');
  });

  it('token of a static account prints the pasted token', async () => {
    const result = await runCli(['token', 'pasted', ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${staticToken}\n`);
  });

  it('header prints "Authorization: Bearer <token>"', async () => {
    const result = await runCli(['header', 'acr', ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Authorization: Bearer ${acr.issued.at(-1)}\n`);
  });

  it('exec runs CMD with TOKENTRAY_TOKEN, passes stdin and stdout through, and returns its exit code', async () => {
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{' +
      'process.stdout.write("token="+process.env.TOKENTRAY_TOKEN+"\\n");process.stderr.write("stdin="+s);process.exit(7)})';
    const result = await runCli(['exec', 'msp', ...dd(), '--', process.execPath, '-e', script], {
      input: 'hello from stdin',
    });
    expect(result.code).toBe(7);
    expect(result.stdout).toBe(`token=${msp.issued.at(-1)}\n`);
    expect(result.stderr).toBe('stdin=hello from stdin');
  });

  it('exec passes options after "--" to CMD untouched', async () => {
    const result = await runCli([
      'exec',
      'pasted',
      ...dd(),
      '--',
      process.execPath,
      '-e',
      'console.log(process.argv.slice(1).join(" "))',
      '--',
      '--help',
      '-x',
      '--data-dir',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('--help -x --data-dir\n');
  });

  it.each([
    ['SIGTERM', 42],
    ['SIGINT', 41],
  ] as const)('exec away from a terminal passes a %s sent to tokentray on to CMD', async (signal, code) => {
    const script = `process.on("${signal}",()=>{console.log("got ${signal}");process.exit(${code})});console.log("ready");setInterval(()=>{},1000)`;
    const child = spawn(
      process.execPath,
      [BIN, 'exec', 'msp', ...dd(), '--', process.execPath, '-e', script],
      {
        cwd: ROOT,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
    await waitUntil(() => stdout.includes('ready'), 15_000, 'the child to start');
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(stdout).toBe(`ready\ngot ${signal}\n`);
  });

  it.skipIf(process.platform !== 'linux' || spawnSync('script', ['--version']).status !== 0)(
    'exec at a terminal: Ctrl-C reaches CMD once (from the terminal), not a second time from tokentray',
    async () => {
      const counter = join(dirs.root, 'count-int.js');
      await writeFile(
        counter,
        'let n=0;process.on("SIGINT",()=>{n++;console.log("got INT "+n);setTimeout(()=>process.exit(0),700)});console.log("ready");setTimeout(()=>process.exit(3),15000)',
      );
      // No shell in between (atTerminal's exec): a non-interactive dash waiting on its child would
      // die of the same ^C and report 130.
      const { child, output, exited } = atTerminal([
        process.execPath,
        BIN,
        'exec',
        'msp',
        ...dd(),
        '--',
        process.execPath,
        counter,
      ]);
      try {
        await waitUntil(() => output().includes('ready'), 15_000, 'the child to start');
        child.stdin.write('\x03');
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
      expect(output()).toContain('got INT 1');
      expect(output()).not.toContain('got INT 2');
    },
  );

  it.skipIf(process.platform !== 'linux' || spawnSync('script', ['--version']).status !== 0)(
    'import - at a terminal says what it waits for, then imports what was typed before Ctrl-D',
    async () => {
      const { child, output, exited } = atTerminal([process.execPath, BIN, 'import', '-', ...dd()]);
      try {
        await waitUntil(() => output().includes('press Ctrl-D'), 15_000, 'the prompt');
        expect(output()).toContain(
          'tokentray: reading the import file from the terminal: paste it, then press Ctrl-D',
        );
        const token = makeJwt({ exp: nowSeconds() + 600 });
        child.stdin.write(`{"accounts": [{"name": "typed", "preset": "static", "token": "${token}"}]}\n\x04`);
        expect(await exited).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
      expect(output()).toContain('added typed (static)');
      const removed = await runCli(['remove', 'typed', ...dd()]);
      expect(removed.code).toBe(0);
    },
  );

  it('exec returns 128+N when CMD is killed by signal N, and 127 when CMD does not exist', async () => {
    const killed = await runCli([
      'exec',
      'msp',
      ...dd(),
      '--',
      process.execPath,
      '-e',
      'process.kill(process.pid, "SIGKILL")',
    ]);
    expect(killed.code).toBe(128 + 9);
    const missing = await runCli(['exec', 'msp', ...dd(), '--', 'tokentray-no-such-command-xyz']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('cannot run tokentray-no-such-command-xyz');
  });

  it('refresh renews now, whatever the expiry, and prints one line', async () => {
    const before = acr.requests.length;
    const result = await runCli(['refresh', 'acr', ...dd()]);
    expect(result.code).toBe(0);
    expect(acr.requests.length).toBe(before + 1);
    expect(result.stdout).toMatch(/^renewed "acr": valid until \d{4}-.*\n$/);
    const token = await runCli(['token', 'acr', ...dd()]);
    expect(token.stdout).toBe(`${acr.issued.at(-1)}\n`);
  });

  it('refresh of a static account exits 0 and says there is nothing to renew', async () => {
    const result = await runCli(['refresh', 'pasted', ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('"pasted" is a static token: nothing to renew\n');
  });

  it('an unknown account exits 4 for every command and names the accounts that exist', async () => {
    const commands = [
      ['token', 'nope'],
      ['header', 'nope'],
      ['exec', 'nope', '--', 'true'],
      ['refresh', 'nope'],
      ['remove', 'nope'],
    ];
    const results = await Promise.all(
      commands.map((args) => runCli([...args.slice(0, 2), ...dd(), ...args.slice(2)])),
    );
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]?.join(' ')).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('no account named "nope"');
      expect(result.stderr).toMatch(/accounts: .*\bmsp\b.*\bpasted\b/);
    }
  });

  it('the names "." and ".." are no such account (exit 4), not another endpoint', async () => {
    for (const name of ['.', '..'])
      for (const command of ['token', 'refresh', 'remove']) {
        const result = await runCli([command, name, ...dd()]);
        expect(result.code, `${command} ${name}`).toBe(4);
        expect(result.stderr).toContain(`no account named ${JSON.stringify(name)}`);
      }
  });

  it('--data-dir may come before the command', async () => {
    const result = await runCli([...dd(), 'token', 'msp']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${msp.issued.at(-1)}\n`);
  });

  it('token --rejected renews at once, but at most once every 30 s', async () => {
    const before = mps.requests.length;
    const first = await runCli(['token', 'mps', '--rejected', ...dd()]);
    expect(first.code).toBe(0);
    expect(mps.requests.length).toBe(before + 1);
    expect(first.stdout).toBe(`${mps.issued.accessTokens.at(-1)}\n`);
    const again = await runCli(['header', 'mps', '--rejected', ...dd()]);
    expect(again.code).toBe(0);
    expect(mps.requests.length).toBe(before + 1);
    expect(again.stdout).toBe(`Authorization: Bearer ${mps.issued.accessTokens.at(-1)}\n`);
  });

  it('refuses an import file over the agent limit before sending it', async () => {
    const file = join(dirs.root, 'huge.json');
    await writeFile(file, `{"accounts":[]${' '.repeat(5 * 1024 * 1024)}}`);
    const result = await runCli(['import', file, ...dd()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/huge\.json is 5\.0 MiB; the agent takes import files of up to 4 MiB/);
  });

  it('an account without CLI access exits 5 for token, header and exec, and says where to turn it on', async () => {
    const marker = join(dirs.root, 'exec-ran');
    const commands = [
      ['token', 'kept-back', ...dd()],
      ['header', 'kept-back', ...dd()],
      [
        'exec',
        'kept-back',
        ...dd(),
        '--',
        process.execPath,
        '-e',
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`,
      ],
    ];
    const results = await Promise.all(commands.map((args) => runCli(args)));
    for (const result of results) {
      expect(result.code).toBe(5);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('CLI access is off for "kept-back"');
      expect(result.stderr).toContain('"cliAccess": true');
    }
    expect(existsSync(marker)).toBe(false);
    for (const issued of others.issued)
      for (const result of results) expect(result.stderr).not.toContain(issued);
  });

  it("a provider failure exits 1 with the token server's own words", async () => {
    const token = await runCli(['token', 'broken', ...dd()]);
    expect(token.code).toBe(1);
    expect(token.stdout).toBe('');
    expect(token.stderr).toContain('"broken" failed');
    expect(token.stderr).toContain('The user name or password is incorrect.');
    expect(token.stderr).not.toContain(WRONG_PASSWORD);
    const refresh = await runCli(['refresh', 'broken', ...dd()]);
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toContain('The user name or password is incorrect.');
  });

  it("a token server's newlines and terminal escapes never reach the terminal", async () => {
    const nasty = 'line one\nline two \u001b[31mred\u001b[0m';
    others.faults.push({
      kind: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: nasty }),
    });
    const file = join(dirs.root, 'escapes.json');
    const msp360 = {
      preset: 'msp360',
      username: MSP360_DEFAULTS.username,
      password: MSP360_DEFAULTS.password,
    };
    await writeFile(
      file,
      JSON.stringify({ accounts: [{ name: 'escapes', ...msp360, baseUrl: others.url }] }),
    );
    expect((await runCli(['import', file, ...dd()])).code).toBe(0);
    await waitUntil(
      async () => (await listJson()).some((a) => a.name === 'escapes' && a.state === 'error'),
      10_000,
      'the failed login',
    );
    const list = await runCli(['list', ...dd()]);
    expect(list.stdout).not.toContain('\u001b');
    const row = list.stdout.split('\n').filter((line) => line.includes('line one'));
    expect(row).toHaveLength(1);
    expect(row[0]).toMatch(/^escapes .*line one line two \[31mred/);
    await runCli(['remove', 'escapes', ...dd()]);
  });

  it('an expired pasted token exits 1 and says to paste a new one', async () => {
    const file = {
      accounts: [
        { name: 'stale', preset: 'static', token: makeJwt({ exp: nowSeconds() - 60 }), cliAccess: true },
      ],
    };
    expect((await runCli(['import', '-', ...dd()], { input: JSON.stringify(file) })).code).toBe(0);
    const result = await runCli(['token', 'stale', ...dd()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('paste a new one');
  });

  it('a pasted token shorter than an explicit --min-valid exits 1, naming what is left; without it, exit 0', async () => {
    const token = makeJwt({ exp: nowSeconds() + 300 });
    const file = { accounts: [{ name: 'brief', preset: 'static', token, cliAccess: true }] };
    expect((await runCli(['import', '-', ...dd()], { input: JSON.stringify(file) })).code).toBe(0);
    const refused = await runCli(['token', 'brief', '--min-valid', '600', ...dd()]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/valid for (29\d|300) s more/);
    expect(refused.stderr).toContain('600 s');
    expect(refused.stderr).not.toContain(token);
    const served = await runCli(['token', 'brief', '--min-valid', '120', ...dd()]);
    expect(served.code).toBe(0);
    expect(served.stdout).toBe(`${token}\n`);
    await runCli(['remove', 'brief', ...dd()]);
  });

  it('remove deletes the account and prints one line; its token is then unknown (exit 4)', async () => {
    const result = await runCli(['remove', 'from-stdin', ...dd()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('removed "from-stdin" and its secrets\n');
    expect((await listJson()).map((a) => a.name)).not.toContain('from-stdin');
    const after = await runCli(['token', 'from-stdin', ...dd()]);
    expect(after.code).toBe(4);
  });

  it('finds the agent through $TOKENTRAY_SOCKET when no --data-dir is given', async () => {
    const result = await runCli(['token', 'pasted'], {
      env: cleanEnv({ TOKENTRAY_SOCKET: agent.socketPath }),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${staticToken}\n`);
  });

  it('leaves no secret or token in clear in any file of the data dir, nor in the agent log', async () => {
    const code = await agent.stop('SIGTERM');
    expect(code).toBe(0);
    const secrets = [
      MSP360_DEFAULTS.password,
      WRONG_PASSWORD,
      MPS_MONITOR_DEFAULTS.clientSecret,
      MPS_MONITOR_DEFAULTS.password,
      ACRONIS_DEFAULTS.clientSecret,
      staticToken,
      dirs.passphrase,
      ...msp.issued,
      ...others.issued,
      ...mps.issued.accessTokens,
      ...mps.issued.refreshTokens,
      ...acr.issued,
    ];
    expect(msp.issued.length + mps.issued.accessTokens.length + acr.issued.length).toBeGreaterThan(3);
    expect(findSecretsInDir(dirs.dataDir, secrets)).toEqual([]);
    const log = agent.stderr();
    expect(log).toContain('token served');
    for (const secret of secrets)
      expect(log.includes(secret), `${secret.slice(0, 8)}… in the agent log`).toBe(false);
    // Sanity check of the scanner itself: a file holding a token is found.
    await writeFile(join(dirs.root, 'probe'), `xx${msp.issued[0]}xx`);
    expect(findSecretsInDir(dirs.root, [msp.issued[0] as string]).map((f) => f.file)).toEqual(['probe']);
  });
});
