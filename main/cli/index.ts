/**
 * The `tokentray` CLI entry (bundled to dist/cli/tokentray.cjs). It loads only argument parsing and
 * the socket client, so `tokentray token NAME` costs little more than Node's own start-up.
 */
import { main } from './main.js';

// process.stdout (and its EPIPE guard, main.ts guardedStdout) is made when first used.

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
    // The agent has closed its server, engine and lock by now: don't wait on a stray timer.
    if (argv[0] === 'agent') process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `tokentray: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
