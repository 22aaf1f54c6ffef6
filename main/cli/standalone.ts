/**
 * Entry of the standalone `tokentray` executable, a Node single executable application built by
 * scripts/build-cli-exe.mjs: the CLI of main/cli/index.ts (plus `--version`) as the one CommonJS
 * script such an executable runs, with `require` for Node's built-in modules only.
 *
 * The headless agent (engine, store and every dependency, bundled into a CommonJS script of its
 * own) is an asset inside the same executable, compiled only for `tokentray agent`. Bundled into
 * this script, even behind lazy module initialisers, it made every `tokentray token NAME` parse it
 * or load its code cache: 1.5x `node -e 0` instead of 1.25x.
 */
import type { AgentModule, MainOptions } from './main.js';
import { start } from './start.js';

/** Set by scripts/build-cli-exe.mjs from package.json. */
declare const TOKENTRAY_VERSION: string;

/** The asset (and, run by plain Node, the file beside this script) that holds the agent bundle. */
const AGENT_ASSET = 'tokentray-agent.cjs';

/**
 * Compiles the agent bundle as a CommonJS module. Its `require` is this script's: inside the
 * executable that one loads Node's built-in modules only, all the agent bundle asks for.
 */
async function loadAgent(): Promise<AgentModule> {
  const sea = await import('node:sea');
  const vm = await import('node:vm');
  let source: string;
  if (sea.isSea()) {
    source = sea.getAsset(AGENT_ASSET, 'utf8');
  } else {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    source = readFileSync(join(__dirname, AGENT_ASSET), 'utf8');
  }
  const wrapper = vm.runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: AGENT_ASSET },
  ) as (exports: object, req: NodeJS.Require, module: { exports: object }, file: string, dir: string) => void;
  const module = { exports: {} };
  wrapper(module.exports, require, module, AGENT_ASSET, '.');
  return module.exports as AgentModule;
}

const options: MainOptions = {
  versionLine: () => `tokentray ${TOKENTRAY_VERSION} (standalone, Node ${process.versions.node})\n`,
  loadAgent,
};

// The whole CLI is in this script too (a single executable runs one), compiled only when needed.
start(process.argv.slice(2), async () => {
  const cli = await import('./main.js');
  return { ...cli, main: (argv, io) => cli.main(argv, io, options) };
});
