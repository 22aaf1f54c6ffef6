/**
 * What `tokentray token NAME` loads (main/cli/start.ts): a token handed out runs the entry bundle
 * alone, never the rest of the CLI (commands.cjs), and loads no more of Node than a 4-line
 * `node:net` client does; anything else loads the rest. Against a real headless agent.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  ensureBuilt,
  importAccounts,
  makeTempDirs,
  ROOT,
  startAgent,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

const ENTRY = join(ROOT, 'dist', 'cli', 'tokentray.cjs');
let dirs: TempDirs;
let agent: AgentProcess;
let preload: string;

beforeAll(async () => {
  await ensureBuilt();
  dirs = await makeTempDirs();
  agent = await startAgent(dirs);
  await importAccounts(dirs, [
    { name: 'acme', preset: 'static', token: 'static-token-1', cliAccess: true },
    { name: 'closed', preset: 'static', token: 'static-token-2', cliAccess: false },
  ]);
  // Written at exit (process.exit too): the files compiled and Node's own modules loaded.
  preload = join(dirs.root, 'loaded.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_OUT, JSON.stringify({ files: Object.keys(require.cache), modules: process.moduleLoadList })));\n",
  );
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await dirs?.cleanup();
});

/** Runs `node [-r preload] SCRIPT ARGS`; what it loaded, its exit code and output. */
function loaded(script: string, args: string[]) {
  const out = join(dirs.root, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, ['-r', preload, script, ...args], {
    cwd: ROOT,
    env: cleanEnv({ LOADED_OUT: out }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { files: string[]; modules: string[] };
  return { ...report, code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('tokentray token at start-up', () => {
  it('a token handed out compiles the entry alone and loads what a bare node:net client loads', () => {
    const ours = loaded(ENTRY, ['token', 'acme', '--data-dir', dirs.dataDir]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout).toBe('static-token-1\n');
    expect(ours.files.filter((file) => file !== preload)).toEqual([ENTRY]);

    const floor = join(dirs.root, 'floor.cjs');
    writeFileSync(
      floor,
      [
        `const s = require('node:net').connect(${JSON.stringify(join(dirs.dataDir, 'agent.sock'))});`,
        "s.on('connect', () => s.write('GET /v1/accounts/acme/token HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));",
        "let d = ''; s.on('data', (c) => (d += c));",
        "s.on('end', () => process.stdout.write(JSON.parse(d.slice(d.indexOf('\\r\\n\\r\\n') + 4)).accessToken + '\\n'));",
      ].join('\n'),
    );
    const bare = loaded(floor, []);
    expect(bare.stdout).toBe('static-token-1\n');
    expect(ours.modules.filter((module) => !bare.modules.includes(module))).toEqual([]);
  });

  it('header too; a failure, or any other command, loads the rest of the CLI to explain itself', () => {
    const header = loaded(ENTRY, ['header', 'acme', '--data-dir', dirs.dataDir]);
    expect(header.stdout).toBe('Authorization: Bearer static-token-1\n');
    expect(header.files).not.toContain(join(ROOT, 'dist', 'cli', 'commands.cjs'));

    const denied = loaded(ENTRY, ['token', 'closed', '--data-dir', dirs.dataDir]);
    expect(denied.code).toBe(5);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(/CLI access/);
    expect(denied.files).toContain(join(ROOT, 'dist', 'cli', 'commands.cjs'));

    const unknown = loaded(ENTRY, ['token', 'acne', '--data-dir', dirs.dataDir]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no account named "acne"; accounts: acme/);

    const noAgent = loaded(ENTRY, ['token', 'acme', '--data-dir', join(dirs.root, 'nothing-here')]);
    expect(noAgent.code).toBe(3);
    expect(noAgent.stderr).toMatch(/no agent is running at/);

    const list = loaded(ENTRY, ['list', '--data-dir', dirs.dataDir]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME +PRESET/);
    expect(list.files).toContain(join(ROOT, 'dist', 'cli', 'commands.cjs'));
  });

  it("as a package ships it (the files of electron-builder's filter alone) it serves tokens; `agent` says where the agent is", () => {
    const config = createRequire(import.meta.url)(join(ROOT, 'electron-builder.cjs')) as {
      extraResources: { from: string; to: string; filter: string[] }[];
    };
    const shipped = config.extraResources.find((resource) => resource.to === 'cli');
    const resources = join(dirs.root, 'resources', 'cli'); // no node_modules up this tree
    mkdirSync(resources, { recursive: true });
    for (const file of shipped?.filter ?? [])
      copyFileSync(join(ROOT, shipped?.from ?? '', file), join(resources, file));
    const entry = join(resources, 'tokentray.cjs');
    const token = loaded(entry, ['token', 'acme', '--data-dir', dirs.dataDir]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe('static-token-1\n');
    const list = loaded(entry, ['list', '--data-dir', dirs.dataDir]);
    expect(list.code, list.stderr).toBe(0);
    const headless = loaded(entry, ['agent', '--data-dir', join(dirs.root, 'packaged-agent')]);
    expect(headless.code).toBe(1);
    expect(headless.stderr).toMatch(/^tokentray: the headless agent cannot run from this copy of the CLI \(/);
    expect(headless.stderr).toMatch(/standalone `tokentray agent`/);
    expect(headless.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
