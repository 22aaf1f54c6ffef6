/**
 * The standalone `tokentray` executable's start-up (issue #10): `tokentray token NAME` against a
 * headless agent run by the same executable, beside `node -e 0` (the Node on PATH, and the Node
 * inside the executable) and the bundled CLI `node bin/tokentray.cjs token NAME`, 20 interleaved
 * rounds, NODE_EXTRA_CA_CERTS unset for every timed process. Ratios are the median of the
 * per-round ratios. Run by `npm run bench`, or alone: `node --import tsx bench/cli-exe.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentBenchFiles, fmt, median, timedEnv, timeProcess, waitForSocket } from './cli.js';
import { ensureElectronNode } from '../scripts/electron-node.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXE = join(ROOT, 'dist', 'cli-exe', process.platform === 'win32' ? 'tokentray.exe' : 'tokentray');
const BIN = join(ROOT, 'bin', 'tokentray.cjs');
const ROUNDS = 20;

function newest(dir: string): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return time;
}

/** Builds dist/cli-exe unless it is newer than the CLI, agent and engine sources. */
function ensureExe(): void {
  const sources = ['main/cli', 'main/agent', 'main/engine'].map((dir) => newest(join(ROOT, dir)));
  if (existsSync(EXE) && statSync(EXE).mtimeMs >= Math.max(...sources)) return;
  const built = spawnSync(process.execPath, ['scripts/build.mjs', 'cli-exe'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build:cli-exe failed');
}

/** The Node inside the executable, when the package it came from is installed (else null). */
function innerNode(): string | null {
  const node = ensureElectronNode();
  return node.ok ? node.path : null;
}

export async function benchCliExe(): Promise<void> {
  ensureExe();
  if (!existsSync(join(ROOT, 'dist', 'cli', 'tokentray.cjs'))) {
    spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: ROOT, stdio: 'inherit' });
  }
  const { root, dataDir, passFile, importFile } = await agentBenchFiles('ttexe-');
  const agent = spawn(EXE, ['agent', '--data-dir', dataDir, '--passphrase-file', passFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: timedEnv(),
  });
  let agentLog = '';
  agent.stderr.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));
  try {
    await waitForSocket(join(dataDir, 'agent.sock'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${agentLog}`);
    });
    const dd = ['--data-dir', dataDir];
    await timeProcess(EXE, ['import', importFile, ...dd]);
    const node24 = innerNode();
    // `standalone`: also compared with the Node inside the executable (index 1).
    const cases: { label: string; file: string; args: string[]; standalone?: boolean }[] = [
      { label: `node -e 0 (${process.version}, this Node)`, file: process.execPath, args: ['-e', '0'] },
      ...(node24 === null
        ? []
        : [{ label: `node -e 0 (the executable's Node)`, file: node24, args: ['-e', '0'] }]),
      { label: 'tokentray --version (standalone)', file: EXE, args: ['--version'], standalone: true },
      {
        label: 'tokentray token NAME (standalone)',
        file: EXE,
        args: ['token', 'bench', ...dd],
        standalone: true,
      },
      {
        label: 'node bin/tokentray.cjs token NAME',
        file: process.execPath,
        args: [BIN, 'token', 'bench', ...dd],
      },
    ];
    for (const c of cases) await timeProcess(c.file, c.args); // warm-up: disk cache, token cached
    const samples = cases.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, c] of cases.entries()) samples[i]?.push(await timeProcess(c.file, c.args));
    }
    const ratio = (a: number, b: number) =>
      median((samples[a] ?? []).map((ms, round) => ms / (samples[b]?.[round] ?? NaN)));
    for (const [i, c] of cases.entries()) {
      let line = `cli-exe: ${c.label.padEnd(40)} median ${fmt(median(samples[i] ?? []))}`;
      if (i > 0) line += `  = ${ratio(i, 0).toFixed(2)}x node -e 0`;
      if (node24 !== null && c.standalone === true)
        line += `, ${ratio(i, 1).toFixed(2)}x its own Node's -e 0`;
      console.log(line);
    }
    console.log(
      `cli-exe: (${ROUNDS} interleaved rounds, NODE_EXTRA_CA_CERTS unset; target: token <= 1.3x node -e 0)`,
    );
  } finally {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCliExe();
}
