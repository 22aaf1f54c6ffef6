/**
 * The whole CLI (bundled to dist/cli/commands.cjs): parse, then either print help, hand over to
 * the headless agent (imported lazily: only `agent` loads the engine) or run one command against
 * the local API. The entry (start.ts) loads it for anything but a token that is handed out.
 */
import { parseCommandLine, UsageError } from './args.js';
import { EXIT, runApiCommand, type Output } from './commands.js';
import { guardedStdout, stdio } from './stdio.js';

export { explainError, explainFailure } from './commands.js';

/** The headless agent's module (dist/cli/agent.mjs, or the standalone executable's asset). */
export type AgentModule = typeof import('../agent/host.js');

/** What the standalone executable does its own way. */
export interface MainOptions {
  /** The `--version` line. */
  versionLine?: () => string | Promise<string>;
  /** The headless agent's module. */
  loadAgent?: () => Promise<AgentModule>;
}

async function defaultVersionLine(): Promise<string> {
  const { TOKENTRAY_CLI_VERSION } = await import('./version.js');
  return `tokentray ${TOKENTRAY_CLI_VERSION} (Node ${process.versions.node})\n`;
}

/** The agent cannot run from this copy of the CLI: said in a line, exit 1. */
class AgentMissingError extends Error {
  override readonly name = 'AgentMissingError';
}

/**
 * True for Node's "cannot find module" errors: ERR_MODULE_NOT_FOUND from the ES module loader (a
 * missing agent.mjs, or a missing package it imports), MODULE_NOT_FOUND from require (a package's
 * own CommonJS dependency missing).
 */
export function isMissingModule(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function bundledAgent(): Promise<AgentModule> {
  // A variable specifier keeps the bundler from inlining the agent: dist/cli/agent.mjs sits beside this file.
  const specifier = './agent.mjs';
  try {
    return (await import(specifier)) as AgentModule;
  } catch (error) {
    // A package ships this CLI without agent.mjs and the modules it needs (conf, oauth4webapi, zod):
    // there the standalone executable is the agent.
    if (!isMissingModule(error)) throw error;
    throw new AgentMissingError(
      `the headless agent cannot run from this copy of the CLI (${(error as Error).message.split('\n')[0]}). ` +
        'An installed Tokentray runs it as the standalone `tokentray agent` (the window\'s "Install command-line tool", ' +
        "or the app's resources/bin/tokentray); a source checkout needs `npm ci && npm run build` first.",
    );
  }
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Output = stdio, options: MainOptions = {}): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tokentray: ${error.message}\n\n${error.usage}`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.out(command.text);
    return EXIT.ok;
  }
  if (command.kind === 'version') {
    io.out(await (options.versionLine ?? defaultVersionLine)());
    return EXIT.ok;
  }
  if (command.kind === 'agent') {
    guardedStdout();
    let agent: AgentModule;
    try {
      agent = await (options.loadAgent ?? bundledAgent)();
    } catch (error) {
      if (!(error instanceof AgentMissingError)) throw error;
      io.err(`tokentray: ${error.message}\n`);
      return EXIT.failed;
    }
    return agent.runAgent(command.argv, io);
  }
  // Their one line reports a change already made: a lost report must not make a script redo it.
  if (command.kind === 'import' || command.kind === 'remove' || command.kind === 'refresh') io.reportOnly?.();
  return runApiCommand(command, io);
}
