/**
 * The CLI makes process.stdout only when it prints (stdio.ts guardedStdout, a start-up cost moved
 * into the wait for the agent). A reader that hangs up early (`tokentray token x | head -c 8`)
 * must still be no error worth a stack trace, and the token must still reach a reader that stays.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  cleanEnv,
  ensureBuilt,
  importAccounts,
  makeTempDirs,
  ROOT,
  runCli,
  startAgent,
  type AgentProcess,
  type TempDirs,
} from './cli-harness.js';

let dirs: TempDirs;
let agent: AgentProcess;
const TOKEN = `fake-static-token-${'x'.repeat(200)}`;

beforeAll(async () => {
  await ensureBuilt();
  dirs = await makeTempDirs();
  agent = await startAgent(dirs);
  await importAccounts(dirs, [{ name: 'acme', preset: 'static', token: TOKEN, cliAccess: true }]);
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL').catch(() => undefined);
  await dirs?.cleanup();
});

/** Runs the CLI with its stdout a pipe whose reader is gone before anything is written. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** Runs the CLI with its stdout on /dev/full: every write fails with ENOSPC. */
function withFullStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w');
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', full, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  }).finally(() => closeSync(full));
}

describe('stdout', () => {
  it
    .runIf(process.platform === 'linux')
    .each([[['token', 'acme']], [['header', 'acme']], [['list']], [['--help']], [['agent', '--help']]])(
    '%j with stdout on a full device: exit 1 and says so, never exit 0 for output that did not arrive',
    async (args) => {
      const result = await withFullStdout([...args, '--data-dir', dirs.dataDir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'tokentray: could not write to stdout (ENOSPC); the output did not arrive',
      );
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(result.stderr).not.toContain(TOKEN);
    },
  );

  it.runIf(process.platform === 'linux')(
    'import and remove, whose one line only reports the change: their own exit code stands, and stderr says the report was lost',
    async () => {
      const file = join(dirs.root, 'one-more.json');
      await writeFile(
        file,
        JSON.stringify({ accounts: [{ name: 'one-more', preset: 'static', token: 'tok-1' }] }),
      );
      const imported = await withFullStdout(['import', file, '--data-dir', dirs.dataDir]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain(
        'tokentray: could not write to stdout (ENOSPC); the command was carried out, only its report was lost',
      );
      expect((await runCli(['token', 'one-more', '--data-dir', dirs.dataDir])).code).toBe(5);
      const removed = await withFullStdout(['remove', 'one-more', '--data-dir', dirs.dataDir]);
      expect(removed.code, removed.stderr).toBe(0);
      expect((await runCli(['token', 'one-more', '--data-dir', dirs.dataDir])).code).toBe(4);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a failing command keeps its own exit code when stdout is full too',
    async () => {
      const result = await withFullStdout(['token', 'nosuch', '--data-dir', dirs.dataDir]);
      expect(result.code).toBe(4);
    },
  );

  it.each([[['token', 'acme']], [['header', 'acme']], [['list']], [['--help']]])(
    '%j with a reader that hung up: no stack trace, no internal error',
    async (args) => {
      const result = await withClosedStdout([...args, '--data-dir', dirs.dataDir]);
      expect(result.stderr).not.toMatch(/internal error|Error: write EPIPE|\n\s+at /);
      expect(result.code).toBe(0);
    },
  );

  it('a long answer reaches a reader that waits before reading, whole (exit waits for the write)', async () => {
    // More than the pipe and the reader's buffer hold, so part of the write is still pending when
    // the CLI is done.
    await importAccounts(
      dirs,
      Array.from({ length: 2000 }, (_, i) => ({
        name: `acct-${String(i).padStart(4, '0')}-${'n'.repeat(40)}`,
        preset: 'static',
        token: `tok-${i}-${'t'.repeat(40)}`,
      })),
    );
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'list', '--json', '--data-dir', dirs.dataDir], {
        cwd: ROOT,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 500);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout: out }));
    });
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(256 * 1024);
    expect((JSON.parse(stdout) as { accounts: unknown[] }).accounts).toHaveLength(2001);
  });

  it('the token reaches a reader that stays, whole and alone', async () => {
    const result = await runCli(['token', 'acme', '--data-dir', dirs.dataDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${TOKEN}\n`);
    const header = await runCli(['header', 'acme', '--min-valid', '0', '--data-dir', dirs.dataDir]);
    expect(header.stdout).toBe(`Authorization: Bearer ${TOKEN}\n`);
  });
});
