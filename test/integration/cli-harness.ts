/**
 * Real-process harness for the CLI and headless agent tests: builds dist/cli once, starts
 * `node bin/tokentray.cjs agent` as a child, runs CLI commands as children, and talks raw HTTP
 * over the agent's socket. Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'tokentray.cjs');
const OUTPUTS = ['dist/cli/tokentray.cjs', 'dist/cli/commands.cjs', 'dist/cli/agent.mjs'].map((p) =>
  join(ROOT, p),
);
const SOURCES = ['main/cli', 'main/agent', 'main/engine'].map((p) => join(ROOT, p));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!OUTPUTS.every((file) => existsSync(file))) return false;
  const built = Math.min(...OUTPUTS.map((file) => statSync(file).mtimeMs));
  return SOURCES.every((dir) => newestMtime(dir) <= built);
}

/**
 * Runs `node scripts/build.mjs cli agent` unless dist/cli is newer than the sources. A lock
 * directory keeps parallel test files from rewriting dist/ under each other's running children.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), 'tokentray-cli-build.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    if (isFresh()) return;
    const built = spawnSync(process.execPath, ['scripts/build.mjs', 'cli', 'agent'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `tokentray ARGS` as a child process and collects its output (bounded). */
export function runCli(
  args: string[],
  opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; uid?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: opts.env ?? cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tokentray ${args.join(' ')} did not finish in time; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The environment for children: no inherited socket or runtime dir to find by accident. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('XDG_RUNTIME_DIR' in extra)) delete env.XDG_RUNTIME_DIR;
  if (!('TOKENTRAY_SOCKET' in extra)) delete env.TOKENTRAY_SOCKET;
  if (!('HOME' in extra)) env.HOME = join(tmpdir(), 'tokentray-test-home-that-does-not-exist');
  return env;
}

export interface TempDirs {
  /** The agent's data dir (0700). */
  dataDir: string;
  /** A passphrase file outside the data dir. */
  passFile: string;
  passphrase: string;
  /** Parent of both; removed by cleanup(). */
  root: string;
  cleanup(): Promise<void>;
}

/** A fresh data dir and passphrase file under a short temp path (sockets have a 104-byte limit). */
export async function makeTempDirs(passphrase = 'correct horse battery staple'): Promise<TempDirs> {
  const root = await mkdtemp(join(tmpdir(), 'ttc-'));
  const dataDir = join(root, 'd');
  mkdirSync(dataDir, { mode: 0o700 });
  const passFile = join(root, 'pass');
  await writeFile(passFile, `${passphrase}\n`, { mode: 0o600 });
  return { root, dataDir, passFile, passphrase, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface AgentProcess {
  child: ChildProcess;
  socketPath: string;
  stderr(): string;
  /** Sends `signal` and resolves to the exit code once the process has exited (bounded). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Resolves when something accepts connections on `socketPath`; rejects after `timeoutMs`. */
export async function waitForSocket(
  socketPath: string,
  timeoutMs = 15_000,
  exited?: Promise<unknown>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    const live = await new Promise<boolean>((resolve) => {
      const socket = connect({ path: socketPath });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (live) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    gone
      ? `the agent exited before serving ${socketPath}`
      : `no socket at ${socketPath} after ${timeoutMs} ms`,
  );
}

/** Spawns `tokentray agent` without waiting for it. */
export function spawnAgent(
  dirs: { dataDir: string; passFile: string },
  env: NodeJS.ProcessEnv = cleanEnv(),
  /** Another way to start it (a shell line, say); by default `node BIN agent --data-dir … --passphrase-file …`. */
  command: { file: string; args: string[] } = {
    file: process.execPath,
    args: [BIN, 'agent', '--data-dir', dirs.dataDir, '--passphrase-file', dirs.passFile],
  },
): AgentProcess {
  const child = spawn(command.file, command.args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': it fires once stderr is drained, so a test reads the whole log.
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    socketPath: join(dirs.dataDir, 'agent.sock'),
    stderr: () => stderr + (stdout === '' ? '' : `\n[stdout!] ${stdout}`),
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`agent did not exit after ${signal}; stderr: ${stderr}`)),
          15_000,
        ).unref(),
      );
      const { code } = await Promise.race([exited, timeout]);
      return code;
    },
  };
}

/** Starts `tokentray agent` and waits until its socket answers. */
export async function startAgent(
  dirs: { dataDir: string; passFile: string },
  env?: NodeJS.ProcessEnv,
): Promise<AgentProcess> {
  const agent = spawnAgent(dirs, env);
  try {
    await waitForSocket(agent.socketPath, 20_000, agent.exited);
    // The socket accepts before the agent's own "listening" line reaches our pipe; wait for the
    // line too, so tests that read the log see it (CI once read stderr in between).
    await waitUntil(
      () => agent.stderr().includes('local API listening'),
      5_000,
      'the agent to log that it listens',
    );
  } catch (error) {
    await agent.stop('SIGKILL').catch(() => undefined);
    throw new Error(`${(error as Error).message}; agent stderr:\n${agent.stderr()}`);
  }
  return agent;
}

/** Imports `accounts` into the agent of `dirs` with `tokentray import`; throws unless it exits 0. */
export async function importAccounts(dirs: TempDirs, accounts: object[]): Promise<void> {
  const file = join(dirs.root, `import-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ accounts }));
  const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
  if (imported.code !== 0) throw new Error(`tokentray import exited ${imported.code}: ${imported.stderr}`);
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

/** One HTTP request over a Unix socket (what any local client would do). */
export function httpOverSocket(
  socketPath: string,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string | number> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method, path, agent: false, headers: opts.headers, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes to the socket and collects whatever comes back until the server closes (bounded). */
export function rawExchange(
  socketPath: string,
  bytes: Buffer | string,
  opts: { timeoutMs?: number; end?: boolean } = {},
): Promise<{ reply: string; closedByServer: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ path: socketPath });
    let reply = '';
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
      if (opts.end === true) socket.end();
    });
  });
}

/** Hash of every file under `dir` (relative path → sha256), to prove a dir was left untouched. */
export function snapshotDir(dir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath, entry.name);
    const key = relative(dir, full);
    if (entry.isFile()) snapshot[key] = createHash('sha256').update(readFileSync(full)).digest('hex');
    else snapshot[key] = entry.isDirectory() ? 'dir' : 'other';
  }
  return snapshot;
}

/** Every (file, secret) pair where the secret occurs in clear in the raw bytes of a file under `dir`. */
export function findSecretsInDir(dir: string, secrets: string[]): { file: string; secret: string }[] {
  const found: { file: string; secret: string }[] = [];
  const needles = [...new Set(secrets.filter((s) => s.length >= 6))];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const bytes = readFileSync(full);
    for (const secret of needles) {
      // In clear, or JSON-escaped as a writer would store it.
      const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
      for (const form of forms) {
        if (bytes.includes(Buffer.from(form, 'utf8')))
          found.push({ file: relative(dir, full), secret: `${secret.slice(0, 6)}…` });
      }
    }
  }
  return found;
}

/** Polls `check` every 50 ms until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
