/**
 * CLI and local API latency (issue 5): `tokentray token NAME` beside a bare `node -e 0` (median,
 * interleaved in the same run), the local API's round trip in-process (p50/p99), and
 * `curl --unix-socket` when curl is present. Run by `npm run bench` after the build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../main/agent/server.js';
import { createEngine, openPassphraseCipher, silentLogger } from '../main/engine/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tokentray.cjs');
/** The bundle bin/tokentray.cjs loads, run directly (issue #10 states its target for this one). */
const BUNDLE = join(ROOT, 'dist', 'cli', 'tokentray.cjs');
const PROCESS_RUNS = 40;
const ROUND_TRIPS = 2000;

/** A JWT-shaped static token valid for a day: no token server needed for a cached-token benchmark. */
export function staticToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + 86_400 })}.`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * The environment of every timed process: without NODE_EXTRA_CA_CERTS (reading a CA bundle at
 * start-up tripled Node's start-up on our machines, which flatters any ratio against `node -e 0`)
 * and without NODE_OPTIONS.
 */
export function timedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  return env;
}

/** A minimal node:net client printing the token from `socketPath`: the floor for a CLI written on Node. */
function netClientSource(socketPath: string): string {
  return [
    `const s = require('node:net').connect(${JSON.stringify(socketPath)});`,
    "s.on('connect', () => s.write('GET /v1/accounts/bench/token HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));",
    "let d = ''; s.on('data', (c) => (d += c));",
    "s.on('end', () => process.stdout.write(JSON.parse(d.slice(d.indexOf('\\r\\n\\r\\n') + 4)).accessToken + '\\n'));",
    '',
  ].join('\n');
}

/**
 * The same request without `node:net`, on the pipe handle Node's own `net.Socket` wraps, reached
 * through `process.binding()` (deprecated, DEP0111; not a public API). Never used by Tokentray: it
 * is here to show how much of the floor is `node:net`'s (its streams stack, the Socket, the first
 * write and read) and how much is the exchange itself. Prints nothing but the token.
 */
function rawHandleClientSource(socketPath: string): string {
  return [
    "const { Pipe, PipeConnectWrap, constants } = process.binding('pipe_wrap');",
    "const { WriteWrap, streamBaseState, kReadBytesOrError, kArrayBufferOffset } = process.binding('stream_wrap');",
    'const handle = new Pipe(constants.SOCKET);',
    'const connecting = new PipeConnectWrap();',
    'const parts = [];',
    'connecting.oncomplete = (status) => {',
    '  if (status < 0) process.exit(3);',
    '  const writing = new WriteWrap();',
    '  writing.handle = handle;',
    '  writing.oncomplete = () => {};',
    "  if (handle.writeLatin1String(writing, 'GET /v1/accounts/bench/token HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n') < 0) process.exit(3);",
    '  handle.onread = (buffer) => {',
    '    const read = streamBaseState[kReadBytesOrError];',
    '    if (read > 0) return void parts.push(Buffer.from(buffer, streamBaseState[kArrayBufferOffset], read));',
    '    if (read === 0) return;',
    '    const text = Buffer.concat(parts).toString();',
    "    require('node:fs').writeSync(1, JSON.parse(text.slice(text.indexOf('\\r\\n\\r\\n') + 4)).accessToken + '\\n');",
    '    handle.close();',
    '  };',
    '  handle.readStart();',
    '};',
    `handle.connect(connecting, ${JSON.stringify(socketPath)});`,
    '',
  ].join('\n');
}

/** Wall time of one child process, from spawn to exit, in ms. */
export function timeProcess(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'inherit'], env: timedEnv() });
    // Bounded: a client that never hears back (the reference client on a Node whose handles differ)
    // is killed and reported rather than holding the benchmark up.
    const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (error) => (clearTimeout(bound), reject(error)));
    child.on('exit', (code, signal) => {
      clearTimeout(bound);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${file} ${args.join(' ')} exited ${code ?? signal}`));
    });
  });
}

export async function waitForSocket(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ path });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no agent socket at ${path} after ${timeoutMs} ms`);
}

function get(agent: Agent, socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A minimal keep-alive client on one raw connection: isolates the server from node:http's client cost. */
function rawClient(socketPath: string): Promise<{ get(path: string): Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ path: socketPath });
    let buffer = '';
    let pending: (() => void) | null = null;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.slice(end + 4 + length);
      pending?.();
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        get: (path) =>
          new Promise<void>((done) => {
            pending = done;
            socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
          }),
        close: () => socket.destroy(),
      }),
    );
  });
}

async function roundTrips(run: () => Promise<unknown>, count: number): Promise<{ p50: number; p99: number }> {
  // Warm-up as long as bench/socket-api.ts's (CLIENT_WARM_UP says why): until V8 has tiered the
  // client's and the server's code up, the exchange stalls for milliseconds at a time.
  for (let i = 0; i < 10_000; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** A temp folder with an agent's data dir, its passphrase file and an import of one static 'bench' account. */
export async function agentBenchFiles(
  prefix: string,
): Promise<{ root: string; dataDir: string; passFile: string; importFile: string }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const dataDir = join(root, 'd');
  const passFile = join(root, 'pass');
  await writeFile(passFile, 'bench passphrase\n', { mode: 0o600 });
  const importFile = join(root, 'accounts.json');
  await writeFile(
    importFile,
    JSON.stringify({
      accounts: [{ name: 'bench', preset: 'static', token: staticToken(), cliAccess: true }],
    }),
  );
  return { root, dataDir, passFile, importFile };
}

export const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);

/** Prints CLI start-up beside `node -e 0`, the in-process API round trip, and curl's time. */
export async function benchCli(): Promise<void> {
  if (
    !existsSync(join(ROOT, 'dist', 'cli', 'tokentray.cjs')) ||
    !existsSync(join(ROOT, 'dist', 'cli', 'agent.mjs'))
  ) {
    spawnSync(process.execPath, ['scripts/build.mjs', 'cli', 'agent'], { cwd: ROOT, stdio: 'inherit' });
  }
  const { root, dataDir, passFile, importFile } = await agentBenchFiles('ttbench-');

  // 1. The CLI as a script runs it, against a real headless agent.
  const agent = spawn(
    process.execPath,
    [BIN, 'agent', '--data-dir', dataDir, '--passphrase-file', passFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let agentLog = '';
  agent.stderr.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));
  try {
    await waitForSocket(join(dataDir, 'agent.sock'), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${agentLog}`);
    });
    const cli = (args: string[]) => [BIN, ...args, '--data-dir', dataDir];
    await timeProcess(process.execPath, cli(['import', importFile]));
    await timeProcess(process.execPath, cli(['token', 'bench'])); // caches the token, warms the disk cache
    await timeProcess(process.execPath, ['-e', '0']);
    const bare: number[] = [];
    const token: number[] = [];
    const bundled: number[] = [];
    const floor: number[] = [];
    const bundledArgs = [BUNDLE, 'token', 'bench', '--data-dir', dataDir];
    // The floor of any CLI on node:net: connect, one GET, print the token. No checks, no parsing.
    const floorFile = join(root, 'net-client.cjs');
    await writeFile(floorFile, netClientSource(join(dataDir, 'agent.sock')));
    await timeProcess(process.execPath, bundledArgs);
    await timeProcess(process.execPath, [floorFile]);
    // Below the floor, for what it shows only: no node:net (rawHandleClientSource says why).
    const rawFile = join(root, 'raw-handle-client.cjs');
    await writeFile(rawFile, rawHandleClientSource(join(dataDir, 'agent.sock')));
    const rawSkipped = await timeProcess(process.execPath, [rawFile]).then(
      () => null,
      (error: Error) => error.message,
    );
    const raw: number[] = [];
    for (let i = 0; i < PROCESS_RUNS; i++) {
      bare.push(await timeProcess(process.execPath, ['-e', '0']));
      token.push(await timeProcess(process.execPath, cli(['token', 'bench'])));
      bundled.push(await timeProcess(process.execPath, bundledArgs));
      floor.push(await timeProcess(process.execPath, [floorFile]));
      if (rawSkipped === null) raw.push(await timeProcess(process.execPath, [rawFile]));
    }
    const bareMs = median(bare);
    const tokenMs = median(token);
    console.log(
      `cli: node -e 0                     median ${fmt(bareMs)} (${PROCESS_RUNS} runs, interleaved)`,
    );
    console.log(
      `cli: tokentray token NAME          median ${fmt(tokenMs)} = ${(tokenMs / bareMs).toFixed(2)}x node -e 0 (target <= 1.3x)`,
    );
    // Each round's ratio, then their median: a slow moment of the machine hits both of a round.
    const perRound = median(bundled.map((ms, i) => ms / (bare[i] ?? NaN)));
    console.log(
      `cli: node dist/cli/tokentray.cjs token NAME median ${fmt(median(bundled))}, median of per-round ratios ${perRound.toFixed(2)}x node -e 0 (target <= 1.3x; NODE_EXTRA_CA_CERTS unset)`,
    );
    const floorRatio = median(floor.map((ms, i) => ms / (bare[i] ?? NaN)));
    console.log(
      `cli: floor, a 6-line node:net client median ${fmt(median(floor))}, median of per-round ratios ${floorRatio.toFixed(2)}x node -e 0 (same rounds)`,
    );
    console.log(
      rawSkipped === null
        ? `cli: no node:net, Node's internal pipe handle (reference only) median ${fmt(median(raw))}, median of per-round ratios ${median(raw.map((ms, i) => ms / (bare[i] ?? NaN))).toFixed(2)}x node -e 0 (same rounds)`
        : `cli: no node:net, Node's internal pipe handle: skipped, this Node has no such handle (${rawSkipped})`,
    );

    const curlOk = spawnSync('curl', ['--version']).status === 0;
    if (curlOk) {
      const url = 'http://localhost/v1/accounts/bench/token';
      const curl: number[] = [];
      for (let i = 0; i < PROCESS_RUNS; i++) {
        curl.push(await timeProcess('curl', ['-sf', '--unix-socket', join(dataDir, 'agent.sock'), url]));
      }
      console.log(`cli: curl --unix-socket            median ${fmt(median(curl))} (${PROCESS_RUNS} runs)`);
    } else {
      console.log('cli: curl --unix-socket            skipped: curl is not installed');
    }
  } finally {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
  }

  // 2. The local API in-process: the same server and engine, this process as the client.
  const engineDir = join(root, 'in-process');
  const engine = createEngine({
    dataDir: engineDir,
    cipher: await openPassphraseCipher(engineDir, 'bench'),
    log: silentLogger,
  });
  await engine.start();
  await engine.importAccounts({
    accounts: [{ name: 'bench', preset: 'static', token: staticToken(), cliAccess: true }],
  });
  const socketPath = join(root, 'api.sock');
  const server = await startApiServer({ engine, socketPath, log: silentLogger });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const path = '/v1/accounts/bench/token';
    const viaHttp = await roundTrips(() => get(keepAlive, socketPath, path), ROUND_TRIPS);
    console.log(
      `cli: API round trip, node:http      p50 ${fmt(viaHttp.p50)}  p99 ${fmt(viaHttp.p99)} (${ROUND_TRIPS} keep-alive requests)`,
    );
    const raw = await rawClient(socketPath);
    const viaRaw = await roundTrips(() => raw.get(path), ROUND_TRIPS);
    raw.close();
    console.log(
      `cli: API round trip, raw socket     p50 ${fmt(viaRaw.p50)}  p99 ${fmt(viaRaw.p99)} (${ROUND_TRIPS} keep-alive requests; target p50 < 150 µs)`,
    );
  } finally {
    keepAlive.destroy();
    await server.close();
    await engine.stop();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCli();
}
