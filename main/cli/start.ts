/**
 * How the `tokentray` command starts, from dist/cli/tokentray.cjs and in the standalone
 * executable. `token NAME` and `header NAME` in the form scripts use go straight to the agent
 * (token-command.ts: the request, the socket checks, the answer) without compiling the rest of the
 * CLI; anything else, and any failure to explain, loads the whole CLI (main.ts) first.
 */
import { parseTokenCommandQuickly } from './args-quick.js';
import type { Output } from './commands.js';
import type { MainOptions } from './main.js';
import { exitOnceWritten, stdio } from './stdio.js';
import { runTokenCommand, type TokenFailures } from './token-command.js';

/** The whole CLI, main.ts. */
export interface WholeCli extends TokenFailures {
  main(argv: string[], io: Output, options?: MainOptions): Promise<number>;
}

/** Runs the CLI on `argv` (without node and the script), then exits with its code. */
export function start(argv: string[], load: () => Promise<WholeCli>): void {
  const command = parseTokenCommandQuickly(argv);
  const run =
    command !== null ? runTokenCommand(command, stdio, load) : load().then((cli) => cli.main(argv, stdio));
  run.then(exitOnceWritten, (error: unknown) => {
    stdio.err(`tokentray: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    exitOnceWritten(1);
  });
}
