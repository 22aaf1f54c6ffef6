/**
 * The CLI's stdout and stderr, and how it exits once they are written.
 */
import type { Output } from './commands.js';

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * `stream` with a no-op 'error' listener, added once: every error is handled by the write's own
 * callback (see write), and the listener only keeps the 'error' event from becoming an uncaught
 * exception (stderr's failure, `2> /dev/full`, has nowhere left to be told).
 */
function guard(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', () => undefined);
  }
  return stream;
}

/**
 * process.stdout, with `tokentray token x | head -c 8` in mind: a reader that hangs up early is not
 * an error worth a stack trace. Made on first use, not at start-up: creating the stream costs about
 * 0.4 ms, which `token` spends while the agent is answering (Output.prepare) instead of before.
 */
export function guardedStdout(): NodeJS.WriteStream {
  return guard(process.stdout);
}

/** Writes not yet handed to the OS, and the exit code to leave with once there are none. */
let unwritten = 0;
let exitCode: number | null = null;
/** Set when a write to stdout failed for a reason other than a reader that hung up. */
let stdoutFailed = false;
/** False for commands whose output only reports what they did (import, remove, refresh). */
let outputIsTheResult = true;

/**
 * Marks this command's stdout as a report of a change already made, not its result: if it cannot
 * be written, the command's own exit code stands (stderr still says the report was lost), so a
 * script does not redo an import or get exit 4 retrying a `remove` that worked.
 */
export function outputIsAReport(): void {
  outputIsTheResult = false;
}

/**
 * What the exit code becomes when stdout could not be written. A reader that hung up (EPIPE,
 * `tokentray token x | head -c 8`) took what it wanted: the command's own code stands. Any other
 * failure (`> /dev/full`: ENOSPC, EIO, EBADF) means the output, the token itself for `token`, did
 * not arrive, and exit 0 would tell a script it did: exit 1, as for any other failed command. Not
 * for a command whose output only reports a change it made (outputIsAReport).
 */
export function exitCodeAfterWrites(code: number, failed: boolean): number {
  return failed && code === 0 ? 1 : code;
}

function finish(): void {
  if (exitCode !== null) process.exit(exitCodeAfterWrites(exitCode, stdoutFailed && outputIsTheResult));
}

function write(stream: NodeJS.WriteStream, text: string): void {
  unwritten += 1;
  stream.write(text, (error?: NodeJS.ErrnoException | null) => {
    if (error && stream === process.stdout && error.code !== 'EPIPE' && !stdoutFailed) {
      stdoutFailed = true;
      const what = outputIsTheResult
        ? 'the output did not arrive'
        : 'the command was carried out, only its report was lost';
      write(
        guard(process.stderr),
        `tokentray: could not write to stdout (${error.code ?? error.message}); ${what}\n`,
      );
    }
    unwritten -= 1;
    if (unwritten === 0) finish();
  });
}

/** The real stdout and stderr, counted for exitOnceWritten. */
export const stdio: Output = {
  out: (text) => write(guardedStdout(), text),
  err: (text) => write(guard(process.stderr), text),
  prepare: () => void guardedStdout(),
  // Through the Output object, not an import: main.ts is bundled apart (dist/cli/commands.cjs),
  // with its own copy of this module.
  reportOnly: outputIsAReport,
};

/**
 * Ends the process with `code` once everything written through `stdio` has reached the OS.
 * process.exit() skips the teardown of Node's heap that a natural exit does (about 0.6 ms of a 25
 * ms `tokentray token`, measured); waiting for the writes keeps it from cutting output short where
 * they are not done at once: more than the pipe holds (on Linux too: `list --json` of 2,000
 * accounts, test/integration/cli-stdout.test.ts), any pipe on macOS, a terminal on Windows.
 */
export function exitOnceWritten(code: number): void {
  exitCode = code;
  if (unwritten === 0) finish();
}
