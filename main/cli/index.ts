/**
 * The `tokentray` CLI entry (bundled to dist/cli/tokentray.cjs). It loads only argument parsing and
 * the socket client, so `tokentray token NAME` costs little more than Node's own start-up.
 */
import { main } from './main.js';

// `tokentray token x | head -c 8`: a reader that hangs up early is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

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
