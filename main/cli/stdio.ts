/**
 * The CLI's stdout and stderr, and how it exits once they are written.
 */
import type { Output } from './commands.js';

let stdoutGuarded = false;

/**
 * process.stdout, with `tokentray token x | head -c 8` in mind: a reader that hangs up early is not
 * an error worth a stack trace. Made on first use, not at start-up: creating the stream costs about
 * 0.4 ms, which `token` spends while the agent is answering (Output.prepare) instead of before.
 */
export function guardedStdout(): NodeJS.WriteStream {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return process.stdout;
}

/** Writes not yet handed to the OS, and the exit code to leave with once there are none. */
let unwritten = 0;
let exitCode: number | null = null;

function written(): void {
  unwritten -= 1;
  if (unwritten === 0 && exitCode !== null) process.exit(exitCode);
}

function write(stream: NodeJS.WriteStream, text: string): void {
  unwritten += 1;
  stream.write(text, written);
}

/** The real stdout and stderr, counted for exitOnceWritten. */
export const stdio: Output = {
  out: (text) => write(guardedStdout(), text),
  err: (text) => write(process.stderr, text),
  prepare: () => void guardedStdout(),
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
  if (unwritten === 0) process.exit(code);
}
