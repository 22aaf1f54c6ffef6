// Builds every bundle into dist/: Electron main and preload (esbuild), the CLI and the headless
// agent (esbuild, plain Node), and the account window (Vite). An entry that does not exist yet is
// skipped with a note, so each part builds on its own. The standalone `tokentray` executable
// (scripts/build-cli-exe.mjs, about 100 MB) is built only when named: `node scripts/build.mjs cli-exe`.
import { existsSync, rmSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { bundledPackageAliases } from './bundle-aliases.mjs';

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const targets = [
  // Electron main: one CommonJS file with every dependency bundled in; only `electron` is left to
  // Electron's loader. Leaving node_modules to `require` at run time broke start-up: Electron 45's
  // Node 24 loads the ESM-only `conf` through require(esm), whose namespace esbuild's interop then
  // wraps once more (`import_conf.default is not a constructor`). Bundled, there is no interop
  // and no node_modules in the package (test/unit/desktop-main-bundle.test.ts checks both).
  {
    name: 'main',
    entry: 'main/index.ts',
    outfile: 'dist/main/index.cjs',
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
    target: 'node24',
  },
  // The sandboxed preload cannot require anything but electron: bundle it whole into one file.
  {
    name: 'preload',
    entry: 'preload/index.ts',
    outfile: 'dist/preload/index.cjs',
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
  },
  // The CLI must start fast: only node builtins, no engine code (the agent is imported lazily),
  // and CommonJS, which starts ~15 ms sooner than an ES module bundle. Two files: the entry holds
  // what `tokentray token NAME` runs (main/cli/start.ts), commands.cjs the rest of the CLI, which
  // the entry requires only when it is needed (compiling it cost every token call about 0.5 ms).
  {
    name: 'cli',
    entry: 'main/cli/index.ts',
    outfile: 'dist/cli/tokentray.cjs',
    platform: 'node',
    format: 'cjs',
    external: ['./commands.cjs'],
  },
  {
    name: 'cli',
    entry: 'main/cli/main.ts',
    outfile: 'dist/cli/commands.cjs',
    platform: 'node',
    format: 'cjs',
    external: ['./agent.mjs'],
  },
  {
    name: 'agent',
    entry: 'main/agent/host.ts',
    outfile: 'dist/cli/agent.mjs',
    platform: 'node',
    format: 'esm',
    packages: 'external',
  },
];

for (const t of targets) {
  if (!want(t.name)) continue;
  if (!existsSync(t.entry)) {
    console.log(`build: ${t.name}: ${t.entry} does not exist yet, skipped`);
    continue;
  }
  await esbuild({
    entryPoints: [t.entry],
    outfile: t.outfile,
    bundle: true,
    platform: t.platform,
    format: t.format,
    target: t.target ?? 'node20',
    external: t.external ?? [],
    packages: t.packages,
    alias: t.packages === 'external' ? {} : bundledPackageAliases,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`build: ${t.name} -> ${t.outfile}`);
}

if (want('renderer')) {
  if (existsSync('renderer/index.html')) {
    rmSync('dist/renderer', { recursive: true, force: true });
    const { build } = await import('vite');
    await build({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
    console.log('build: renderer -> dist/renderer');
  } else {
    console.log('build: renderer: renderer/index.html does not exist yet, skipped');
  }
}

// Only when asked for by name (`npm run build:cli-exe`, which `npm run dist` runs): a copy of Node
// with the CLI and the agent inside, dist/cli-exe/tokentray (tokentray.exe on Windows).
if (only.includes('cli-exe')) {
  const { buildCliExe } = await import('./build-cli-exe.mjs');
  await buildCliExe();
}
