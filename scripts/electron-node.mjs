// The Node that Electron 45 embeds (24.18.1), for the whole-app tests (test/app/), the standalone
// executable's build (scripts/build-cli-exe.mjs) and its benchmark.
//
// It is not an npm dependency: the npm package that ships the binary (node-<os>-<cpu>) declares a
// `bin` named `node`, so as a dependency it lands in node_modules/.bin and every npm script
// (`npm test`, `npm start`, `npm run bench`) and every `node` they spawn would run under Node 24
// instead of the Node the user installed. Instead, like Playwright's browsers, it is fetched on
// first use with `npm pack` from the npm registry into node_modules/.cache/tokentray/, checked
// against the sha512 pinned below (the registry's dist.integrity, read 2026-12-07), and unpacked.
// `$TOKENTRAY_ELECTRON_NODE` names another binary instead.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const ELECTRON_NODE_VERSION = '24.18.1';

/**
 * The registry's sha512 of each package node-<platform>-<arch>@24.18.1 that exists (only these
 * two were published at this version: no linux-arm64, darwin-arm64 or win-* package).
 */
const PINNED_INTEGRITY = {
  'linux-x64':
    'sha512-lrkq/M/O8giNdc8fSxYK0kuRZPVVFOMM+HRbUNoqZNs2+tdNI9Qjc0n/tWOd2wBsU0e8z/qQBpGrUBIse4vPgA==',
  'darwin-x64':
    'sha512-tCT5i2LaCG+9j7HXlF1ioPfVSbHRTp3MgWDknJ0ofG8V2eRDNEpqhC3y9DLmvUpTPYsSwHBSccIeB3yl92hTIQ==',
};

const platformKey = () => `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const packageName = () => `node-${platformKey()}`;

/** Where the fetched package is unpacked. */
export const ELECTRON_NODE_DIR = join(
  ROOT,
  'node_modules',
  '.cache',
  'tokentray',
  `node-${platformKey()}-${ELECTRON_NODE_VERSION}`,
);

function binaryIn(dir) {
  return join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}

/** The binary if it is already here (or named by $TOKENTRAY_ELECTRON_NODE), without fetching. */
export function electronNodePath() {
  const override = process.env.TOKENTRAY_ELECTRON_NODE;
  if (override) return { ok: true, path: resolve(override) };
  const exe = binaryIn(ELECTRON_NODE_DIR);
  if (existsSync(exe)) return { ok: true, path: exe };
  if (!(platformKey() in PINNED_INTEGRITY))
    return {
      ok: false,
      reason: `no ${packageName()}@${ELECTRON_NODE_VERSION} on the npm registry; set TOKENTRAY_ELECTRON_NODE to a Node ${ELECTRON_NODE_VERSION} binary`,
    };
  return { ok: false, reason: `${exe} is missing (not fetched yet)`, fetchable: true };
}

function npmCommand() {
  // Run by npm: the same npm, under the Node running this script. Else npm from PATH.
  const npmCli = process.env.npm_execpath;
  if (npmCli && /\.c?js$/.test(npmCli)) return { file: process.execPath, args: [npmCli] };
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] };
}

/**
 * The binary, fetched and checked first if it is not here yet. Never throws: a failure is a
 * reason, which the whole-app tests print when they skip.
 */
export function ensureElectronNode({ log = (message) => console.log(message) } = {}) {
  const found = electronNodePath();
  if (found.ok || !found.fetchable) return found;
  const spec = `${packageName()}@${ELECTRON_NODE_VERSION}`;
  const expected = PINNED_INTEGRITY[platformKey()];
  const parent = dirname(ELECTRON_NODE_DIR);
  mkdirSync(parent, { recursive: true });
  const work = mkdtempSync(join(parent, '.fetch-'));
  try {
    log(`electron-node: fetching ${spec} (the Node Electron 45 embeds) with npm pack`);
    const npm = npmCommand();
    execFileSync(npm.file, [...npm.args, 'pack', spec, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
      shell: process.platform === 'win32',
    });
    const tgz = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tgz) return { ok: false, reason: `npm pack ${spec} wrote no tarball` };
    const actual = `sha512-${createHash('sha512')
      .update(readFileSync(join(work, tgz)))
      .digest('base64')}`;
    if (actual !== expected)
      return { ok: false, reason: `${spec}: the tarball's sha512 is ${actual}, expected ${expected}` };
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', join(work, tgz), '-C', unpacked], { stdio: 'inherit', timeout: 120_000 });
    const pkgDir = join(unpacked, 'package');
    if (!existsSync(binaryIn(pkgDir)))
      return { ok: false, reason: `${spec} holds no ${binaryIn('package')}` };
    try {
      renameSync(pkgDir, ELECTRON_NODE_DIR);
    } catch (error) {
      // Another process fetched it at the same time: theirs is as good.
      if (!existsSync(binaryIn(ELECTRON_NODE_DIR))) throw error;
    }
    log(`electron-node: ${binaryIn(ELECTRON_NODE_DIR)}`);
    return { ok: true, path: binaryIn(ELECTRON_NODE_DIR) };
  } catch (error) {
    return {
      ok: false,
      reason: `could not fetch ${spec}: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// `node scripts/electron-node.mjs`: fetch it, print the path.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = ensureElectronNode();
  if (result.ok) console.log(result.path);
  else {
    console.error(`electron-node: ${result.reason}`);
    process.exitCode = 1;
  }
}
