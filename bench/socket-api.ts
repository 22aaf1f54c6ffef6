/**
 * The local API as a script sees it (issue #10): a real headless agent on a static account, and a
 * client in ANOTHER process, both pinned to one CPU (`taskset -c 0`), timing 2,000 keep-alive
 * `GET /v1/accounts/NAME/token` with node:http (p50, p99) after 10,000 untimed ones on the same
 * connection (CLIENT_WARM_UP says why). Beside it, the floor: a bare node:http
 * server answering fixed JSON, measured the same way. Rounds alternate between the two, each with
 * a fresh server process (identical builds differed by up to 25 µs of p50 from one process to the
 * next on our VM; a process per round averages that out); each line gives the median over the
 * rounds of each round's p50 and p99. NODE_EXTRA_CA_CERTS and
 * NODE_OPTIONS are unset for every process spawned.
 *
 * "server CPU" is the CPU time the server process spent per timed request (all its threads, from
 * /proc/PID/task/TID/schedstat, read by the client around its timed requests): on a shared machine it moves less than the latencies do.
 *
 * Run by `npm run bench`, or alone: `node --import tsx bench/socket-api.ts`. Knobs:
 *   TOKENTRAY_BENCH_PROFILE=DIR  every server runs under `node --cpu-prof` (DIR/floor/round-N, DIR/agent0/round-N);
 *                                read a profile with `node bench/profile-top.mjs FILE --after
 *                                parserOnHeadersComplete --per REQUESTS` (the count is printed)
 *   TOKENTRAY_BENCH_CLI=A,B      one agent per bundled CLI named (agent.mjs beside it), same rounds
 *   TOKENTRAY_BENCH_ROUNDS=N     rounds (default 5)
 *   TOKENTRAY_BENCH_CLIENT_WARM_UP=N  untimed requests per client before the timed ones (default 10,000)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, staticToken, timedEnv, waitForSocket } from './cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * The bundled CLI (with dist/cli/agent.mjs beside it). TOKENTRAY_BENCH_CLI=A,B,... runs one agent
 * per build named instead, in the same rounds, to compare them.
 */
const CLIS = (process.env.TOKENTRAY_BENCH_CLI || join(ROOT, 'dist', 'cli', 'tokentray.cjs'))
  .split(',')
  .map((cli) => resolve(cli));
const PEER = join(ROOT, 'bench', 'socket-api-peer.mjs');
const REQUESTS = 2000;
/**
 * Untimed requests each client makes first, on the same connection (TOKENTRAY_BENCH_CLIENT_WARM_UP
 * to change it). The client is a new process each round and shares the one CPU with the server;
 * until V8 has tiered node:http's client code up, the exchange is slow and stalls for 1-5 ms at a
 * time. Measured against the bare floor, with the server itself warmed by 20,000 requests first:
 * after 200 warm-up requests p50 128-160 µs, p99 2.2-2.8 ms, the client using 3x the CPU per
 * request of a warmed one (and the server 1.5-3.5x, `/proc/PID/task/TID/schedstat`); after 10,000,
 * p50 64-66 µs, p99 0.18-0.22 ms (after 2,000: p99 1.3 ms; after 5,000: 0.2 ms). A script that
 * keeps a connection to the agent is such a warmed client; one that starts per token is
 * `bench/cli.ts`'s case. The server is warmed by the same requests.
 */
const CLIENT_WARM_UP = Number(process.env.TOKENTRAY_BENCH_CLIENT_WARM_UP || 10_000);
/**
 * Besides the back-to-back rounds, one round per server of SPACED requests SPACED_GAP_MS apart,
 * after the same warm-up: what a script that asks now and then sees. Between requests both
 * processes sleep, and each request then meets a CPU and caches gone cold: on this VM, quiet, p50
 * was 445 µs for the bare floor and 500 µs for the agent (p99 0.64 and 0.70 ms; several ms on a
 * loaded machine, for both). The targets are stated for back-to-back requests, as the issue
 * measured them, not for this line.
 */
const SPACED = 250;
const SPACED_GAP_MS = 20;
const ROUNDS = Number(process.env.TOKENTRAY_BENCH_ROUNDS || 5);
const TOKEN_PATH = '/v1/accounts/bench/token';

interface Round {
  p50: number;
  p99: number;
  max: number;
  /** CPU time the server process (all its threads) spent per request in this round, µs; NaN if unknown. */
  cpu: number;
}

/** `taskset -c 0` in front of a command when taskset exists (Linux), else the command alone. */
function pinned(): string[] {
  return process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? ['taskset', '-c', '0']
    : [];
}

function run(pin: string[], args: string[], stdio: 'pipe' | ['ignore', 'pipe', number]): ChildProcess {
  const [file, ...rest] = [...pin, process.execPath, ...args];
  return spawn(file as string, rest, { stdio, env: timedEnv() });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((done) => child.once('exit', (code) => done(code)));
}

/** One client process: CLIENT_WARM_UP untimed requests, then `count` timed ones `gapMs` apart (µs). */
async function clientRound(
  pin: string[],
  socketPath: string,
  server: ChildProcess,
  count = REQUESTS,
  gapMs = 0,
): Promise<Round> {
  const child = run(
    pin,
    [
      PEER,
      'client',
      socketPath,
      TOKEN_PATH,
      String(count),
      String(CLIENT_WARM_UP),
      String(server.pid ?? ''),
      String(gapMs),
    ],
    'pipe',
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await exited(child);
  if (code !== 0) throw new Error(`client against ${socketPath} exited ${code}: ${err}`);
  // The client reads the server's CPU time (it knows when the timed requests start); null is NaN.
  const round = JSON.parse(out) as Omit<Round, 'cpu'> & { cpu: number | null };
  return { ...round, cpu: round.cpu ?? NaN };
}

function summary(label: string, rounds: Round[]): { p50: number; p99: number; cpu: number } {
  const p50 = median(rounds.map((r) => r.p50));
  const p99 = median(rounds.map((r) => r.p99));
  const cpu = median(rounds.map((r) => r.cpu));
  const range = (values: number[]) => `${fmt(Math.min(...values) / 1000)}–${fmt(Math.max(...values) / 1000)}`;
  console.log(
    `socket-api: ${label.padEnd(34)} p50 ${fmt(p50 / 1000).padStart(6)}  p99 ${fmt(p99 / 1000).padStart(6)}` +
      `  server CPU ${Number.isNaN(cpu) ? '?' : fmt(cpu / 1000)}/request` +
      `  (rounds: p50 ${range(rounds.map((r) => r.p50))}, p99 ${range(rounds.map((r) => r.p99))}, CPU ${range(rounds.map((r) => r.cpu))})`,
  );
  return { p50, p99, cpu };
}

export async function benchSocketApi(): Promise<void> {
  for (const cli of CLIS) {
    if (!existsSync(cli) || !existsSync(join(dirname(cli), 'agent.mjs'))) {
      spawnSync(process.execPath, ['scripts/build.mjs', 'cli', 'agent'], { cwd: ROOT, stdio: 'inherit' });
    }
  }
  const pin = pinned();
  const root = await mkdtemp(join(tmpdir(), 'ttsock-'));
  const passFile = join(root, 'pass');
  await writeFile(passFile, 'bench passphrase\n', { mode: 0o600 });
  const importFile = join(root, 'accounts.json');
  await writeFile(
    importFile,
    JSON.stringify({
      accounts: [{ name: 'bench', preset: 'static', token: staticToken(), cliAccess: true }],
    }),
  );
  const profileDir = process.env.TOKENTRAY_BENCH_PROFILE;
  const profiling = profileDir !== undefined && profileDir !== '';
  // One profile per process, so per round: DIR/floor/round-N, DIR/agent0/round-N...
  const profile = (who: string, round: number) =>
    profiling && round >= 0
      ? [
          '--cpu-prof',
          '--cpu-prof-interval',
          '100',
          '--cpu-prof-dir',
          resolve(profileDir, who, `round-${round}`),
        ]
      : [];

  /** A server for one round: a fresh process each time, so no process's luck (its memory layout, a
   * noisy neighbour while it ran) weighs on more than its round. */
  interface Server {
    label: string;
    cli: string | null;
    dataDir: string;
    log: string;
    socket: string;
    rounds: Round[];
    /** The one round of SPACED requests. */
    spaced: Round | null;
  }
  const servers: Server[] = [
    {
      label: 'bare node:http server (floor)',
      cli: null,
      dataDir: root,
      log: join(root, 'floor.log'),
      socket: join(root, 'floor.sock'),
      rounds: [],
      spaced: null,
    },
    ...CLIS.map((cli, i) => ({
      label: CLIS.length === 1 ? 'tokentray agent, cached token' : `agent ${cli}`,
      cli,
      dataDir: join(root, `d${i}`),
      log: join(root, `agent${i}.log`),
      socket: join(root, `d${i}`, 'agent.sock'),
      rounds: [],
      spaced: null,
    })),
  ];
  const start = async (server: Server, round: number): Promise<ChildProcess> => {
    // The agent logs to a file, as a service redirected to one would: one line per token served.
    const logFd = openSync(server.log, 'a');
    const who = server.cli === null ? 'floor' : `agent${servers.indexOf(server) - 1}`;
    const child = run(
      pin,
      server.cli === null
        ? [...profile(who, round), PEER, 'floor', server.socket]
        : [
            ...profile(who, round),
            server.cli,
            'agent',
            '--data-dir',
            server.dataDir,
            '--passphrase-file',
            passFile,
          ],
      ['ignore', 'pipe', logFd],
    );
    closeSync(logFd);
    await waitForSocket(server.socket, 30_000).catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n${readFileSync(server.log, 'utf8')}`);
    });
    return child;
  };
  const stop = async (child: ChildProcess): Promise<void> => {
    child.kill('SIGTERM');
    await exited(child);
  };

  let running: ChildProcess | null = null;
  try {
    for (const server of servers) {
      if (server.cli === null) continue;
      running = await start(server, -1);
      const imported = spawnSync(
        process.execPath,
        [server.cli, 'import', importFile, '--data-dir', server.dataDir],
        { env: timedEnv() },
      );
      if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr.toString()}`);
      await stop(running);
      running = null;
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const server of servers) {
        running = await start(server, i);
        server.rounds.push(await clientRound(pin, server.socket, running));
        await stop(running);
        running = null;
      }
    }
    for (const server of servers) {
      running = await start(server, -1);
      server.spaced = await clientRound(pin, server.socket, running, SPACED, SPACED_GAP_MS);
      await stop(running);
      running = null;
    }
  } finally {
    if (running !== null) await stop(running);
  }
  const where = pin.length > 0 ? 'both on CPU 0 (taskset -c 0)' : 'NOT pinned: taskset is missing';
  console.log(
    `socket-api: ${REQUESTS} keep-alive GET ${TOKEN_PATH} per round after ${CLIENT_WARM_UP} untimed ones, node:http client in another process, ${where}, ${ROUNDS} rounds, a fresh server process each round`,
  );
  const [floor, ...agents] = servers as [Server, ...Server[]];
  const bare = summary(floor.label, floor.rounds);
  for (const agent of agents) {
    const ours = summary(agent.label, agent.rounds);
    console.log(
      `socket-api: tokentray's own share: p50 ${fmt((ours.p50 - bare.p50) / 1000)}, server CPU ${fmt((ours.cpu - bare.cpu) / 1000)}/request` +
        ' (target: agent p50 <= 150 µs, p99 <= 2 ms)',
    );
    // Who got which token is logged, one line per token: the benchmark must not lose that (the
    // agent writes its log at most 50 ms late, and all of it before it exits).
    const served = readFileSync(agent.log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('token served'));
    const expected = ROUNDS * (1 + CLIENT_WARM_UP + REQUESTS) + (1 + CLIENT_WARM_UP + SPACED);
    if (served.length < expected) {
      console.log(
        `socket-api: WARNING: ${agent.cli} logged ${served.length} "token served" lines for ${expected} tokens`,
      );
      process.exitCode = 1;
    }
  }
  console.log(
    `socket-api: ${SPACED} requests ${SPACED_GAP_MS} ms apart (after the same warm-up, one round): what a script asking now and then sees; no target`,
  );
  for (const server of servers) {
    const spaced = server.spaced as Round;
    console.log(
      `socket-api:   ${server.label.padEnd(34)} p50 ${fmt(spaced.p50 / 1000).padStart(6)}  p99 ${fmt(spaced.p99 / 1000).padStart(6)}` +
        `  server CPU ${Number.isNaN(spaced.cpu) ? '?' : fmt(spaced.cpu / 1000)}/request (its timers in the gaps included)`,
    );
  }
  await rm(root, { recursive: true, force: true });
  if (profiling) {
    console.log(
      `socket-api: CPU profiles in ${resolve(profileDir)}/{floor,agent0...}/round-N: each process served ${1 + CLIENT_WARM_UP + REQUESTS} token requests ` +
        `(node bench/profile-top.mjs FILE --after parserOnHeadersComplete --per ${1 + CLIENT_WARM_UP + REQUESTS})`,
    );
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchSocketApi();
}
