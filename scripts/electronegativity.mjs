// Runs Electronegativity over the app as one whole (main/, preload/, renderer/ and the built dist/),
// prints every finding and their count, and exits 1 if there is any. The "available security
// fixes" check is skipped: it downloads release data and there is no network in CI.
// Electronegativity only reads .js/.ts/.html, so the staged copy renames .cjs/.mjs bundles to .js.
// Usage: node scripts/electronegativity.mjs   (run `npm run build` first to include dist/)
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const inputs = ['main', 'preload', 'renderer', 'dist'];
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const cli = path.join(
  path.dirname(require.resolve('@doyensec/electronegativity/package.json')),
  'dist',
  'index.js',
);

function renameBundles(dir) {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) renameBundles(file);
    else if (/\.(cjs|mjs)$/.test(entry)) renameSync(file, file.replace(/\.(cjs|mjs)$/, '.$1.js'));
  }
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'tokentray-electronegativity-'));
try {
  const scanned = [];
  for (const input of inputs) {
    const from = path.join(root, input);
    if (!existsSync(from)) continue;
    cpSync(from, path.join(stage, 'app', input), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.endsWith('.map'),
    });
    scanned.push(input);
  }
  renameBundles(path.join(stage, 'app'));

  const sarif = path.join(stage, 'result.sarif');
  const run = spawnSync(
    process.execPath,
    [
      cli,
      '-i',
      path.join(stage, 'app'),
      '-x',
      'AvailableSecurityFixesGlobalCheck',
      '-e',
      electronVersion,
      '-r',
      '-o',
      sarif,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (run.status !== 0 || !existsSync(sarif)) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`electronegativity: the scan itself failed (exit ${run.status})`);
    process.exit(2);
  }
  const results = JSON.parse(readFileSync(sarif, 'utf8')).runs.flatMap((r) => r.results ?? []);
  console.log(
    `electronegativity ${electronVersion ? `(Electron ${electronVersion}) ` : ''}scanned: ${scanned.join(', ')}`,
  );
  for (const result of results) {
    const where = result.locations?.[0]?.physicalLocation;
    const file = where?.artifactLocation?.uri ?? 'N/A';
    const line = where?.region?.startLine ?? 0;
    console.log(`  ${result.ruleId} [${result.level}] ${file}:${line} ${result.message?.text ?? ''}`);
  }
  console.log(`electronegativity: ${results.length} finding(s)`);
  process.exitCode = results.length === 0 ? 0 : 1;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
