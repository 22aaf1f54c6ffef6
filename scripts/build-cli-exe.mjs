// Builds the standalone `tokentray` executable: dist/cli-exe/tokentray (tokentray.exe on Windows),
// a Node single executable application (SEA) that holds the CLI and the headless agent, so it runs
// where no Node is installed. `npm run build:cli-exe`; `npm run dist` ships it.
//
// 1. esbuild bundles main/cli/standalone.ts (the CLI) and main/agent/host.ts (the headless agent)
//    each into one CommonJS script with every dependency, since a SEA can require only Node's
//    built-ins. The CLI is the SEA's main script; the agent is an asset of the executable that the
//    CLI compiles only for `tokentray agent` (in the main script, even behind lazy initialisers,
//    its 0.7 MB cost every `tokentray token` a parse or a code-cache load: 1.5x the start-up).
// 2. The Node binary that becomes the executable writes the SEA blob (`--experimental-sea-config`;
//    Node 24.18.1 has no `--build-sea`), with a V8 code cache, which the same binary must read.
// 3. postject copies the blob into a copy of that binary and flips the SEA fuse.
//
// Not a general-purpose Node: arguments all go to the CLI (a SEA parses no Node options from its
// command line), `execArgvExtension: "none"` makes it ignore NODE_OPTIONS and NODE_SEA_EXEC_ARGV,
// and `--disable-sigusr1` keeps SIGUSR1 from opening the inspector on a running agent. The build
// checks the first two on the result when it can run it.
//
// The Node binary: $TOKENTRAY_SEA_NODE, else Node 24.18.1, the Node Electron 45 embeds (the npm
// package node-<platform>-<arch>, fetched on first use by scripts/electron-node.mjs), else the
// Node running this script. It must be an official build (a distribution's node linked against a
// shared libnode would need that library installed) of Node 24 that knows execArgvExtension
// (24.18.1 does); the self-check refuses one that does not.
//
// `node scripts/build-cli-exe.mjs [--out DIR]` (default dist/cli-exe); buildCliExe({ outDir }).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { bundledPackageAliases } from './bundle-aliases.mjs';
import { ensureElectronNode } from './electron-node.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const DEFAULT_OUT_DIR = join(ROOT, 'dist', 'cli-exe');
export const EXE_NAME = process.platform === 'win32' ? 'tokentray.exe' : 'tokentray';
// The asset's name is AGENT_ASSET in main/cli/standalone.ts.
const AGENT_ASSET = 'tokentray-agent.cjs';

/** Flags baked into the executable; nothing from outside can add to them. */
export const SEA_EXEC_ARGV = ['--disable-sigusr1'];

function log(message) {
  console.log(`build: cli-exe: ${message}`);
}

/** The Node binary to turn into the executable (see the top of this file). */
function nodeBinary() {
  if (process.env.TOKENTRAY_SEA_NODE) return resolve(process.env.TOKENTRAY_SEA_NODE);
  // Electron 45's Node, fetched on first use (scripts/electron-node.mjs); else this Node.
  const node = ensureElectronNode({ log });
  if (node.ok) return node.path;
  log(`${node.reason}; using the Node running this build`);
  return process.execPath;
}

function versionOf(node) {
  return execFileSync(node, ['--version'], { encoding: 'utf8', env: cleanEnv() }).trim();
}

/** This process's environment without anything that steers a Node process. */
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env))
    if (/^NODE_(OPTIONS|SEA_EXEC_ARGV|EXTRA_CA_CERTS)$/.test(key)) delete env[key];
  return { ...env, ...extra };
}

async function bundle(version, script, agentScript) {
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    alias: bundledPackageAliases,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  };
  await esbuild({
    ...common,
    entryPoints: [join(ROOT, 'main/cli/standalone.ts')],
    outfile: script,
    define: { TOKENTRAY_VERSION: JSON.stringify(version) },
  });
  await esbuild({ ...common, entryPoints: [join(ROOT, 'main/agent/host.ts')], outfile: agentScript });
}

async function inject(exe, blob) {
  const { inject: postject } = require('postject');
  // LIEF (inside postject) warns about every unnamed note section of Node's ELF file: harmless noise.
  const write = process.stderr.write;
  process.stderr.write = (chunk, ...rest) =>
    /^warning: Can't find string offset for section name/.test(String(chunk)) ||
    write.call(process.stderr, chunk, ...rest);
  try {
    await postject(exe, 'NODE_SEA_BLOB', blob, {
      sentinelFuse: SEA_FUSE,
      machoSegmentName: process.platform === 'darwin' ? 'NODE_SEA' : undefined,
    });
  } finally {
    process.stderr.write = write;
  }
}

/** Runs the new executable as a user would, and refuses a result that Node options can steer. */
function selfCheck(exe, version) {
  const run = (env) =>
    spawnSync(exe, ['--version'], { encoding: 'utf8', env: cleanEnv(env), timeout: 30_000 });
  const plain = run({});
  const expected = `tokentray ${version} `;
  if (plain.status !== 0 || !plain.stdout.startsWith(expected))
    throw new Error(
      `${exe} --version printed ${JSON.stringify(plain.stdout + plain.stderr)} (exit ${plain.status})`,
    );
  const missing = join(tmpdir(), 'tokentray-no-such-preload.cjs');
  for (const key of ['NODE_OPTIONS', 'NODE_SEA_EXEC_ARGV']) {
    const steered = run({ [key]: `--require ${missing}` });
    if (steered.status !== 0 || steered.stdout !== plain.stdout)
      throw new Error(`${exe} honours ${key} (${JSON.stringify(steered.stderr.slice(0, 300))}): refusing it`);
  }
  return plain.stdout.trim();
}

/** Builds the executable into `outDir` (with the two scripts it was made from); returns its path. */
export async function buildCliExe({ outDir = DEFAULT_OUT_DIR } = {}) {
  const exe = join(outDir, EXE_NAME);
  const script = join(outDir, 'tokentray-sea.cjs');
  const agentScript = join(outDir, AGENT_ASSET);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const node = nodeBinary();
  const nodeVersion = versionOf(node);
  if (!(Number(nodeVersion.slice(1).split('.')[0]) >= 24))
    throw new Error(`${node} is Node ${nodeVersion}; the executable needs Node 24 (set TOKENTRAY_SEA_NODE)`);

  mkdirSync(outDir, { recursive: true });
  await bundle(version, script, agentScript);

  const work = mkdtempSync(join(tmpdir(), 'tokentray-sea-'));
  try {
    const blob = join(work, 'sea.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main: script,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
        assets: { [AGENT_ASSET]: agentScript },
        execArgv: SEA_EXEC_ARGV,
        execArgvExtension: 'none',
      }),
    );
    const made = spawnSync(node, ['--experimental-sea-config', config], {
      cwd: work,
      env: cleanEnv(),
      encoding: 'utf8',
    });
    if (made.status !== 0)
      throw new Error(`${node} --experimental-sea-config failed: ${made.stderr}${made.stdout}`);

    rmSync(exe, { force: true });
    copyFileSync(node, exe);
    chmodSync(exe, 0o755);
    // Node's Linux build carries its symbol table (18 of its 124 MB); the executable does without.
    if (process.platform === 'linux' && spawnSync('strip', ['--version']).status === 0)
      execFileSync('strip', [exe]);
    if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', exe]);
    await inject(exe, readFileSync(blob));
    // An ad-hoc signature so that Apple Silicon runs it; a release is signed again by electron-builder.
    if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', exe]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const said = selfCheck(exe, version);
  log(`${exe} (${said}, from ${node})`);
  return exe;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args[0] === '--out' && args[1] ? resolve(args[1]) : undefined;
  if (args.length > 0 && out === undefined) {
    console.error('usage: node scripts/build-cli-exe.mjs [--out DIR]');
    process.exit(2);
  }
  await buildCliExe({ outDir: out });
}
