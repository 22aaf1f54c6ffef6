/**
 * The headless agent (`tokentray agent --data-dir DIR --passphrase-file FILE`): the engine under
 * plain Node with the passphrase cipher, its own socket at `DIR/agent.sock`, log lines on stderr
 * only, and a clean shutdown on SIGINT/SIGTERM. Bundled to dist/cli/agent.mjs; the CLI imports it
 * lazily so that every other command starts without loading the engine.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { StoreError } from '../engine/errors.js';
import { createEngine, createLogger, openPassphraseCipher } from '../engine/index.js';
import type { Engine } from '../engine/types.js';
import { acquireDataDirLockAsync, LockFileError, LockHeldError, type DataDirLock } from './lock.js';
import { startApiServer, type ApiServer } from './server.js';
import { DataDirError, prepareDataDir } from './data-dir.js';
import { shellQuote } from './shell-quote.js';
import { checkSocketPathLength, dataDirSocketPath, isSocketLive, SocketPathError } from './socket-path.js';

export const AGENT_USAGE = `Usage: tokentray agent --data-dir DIR --passphrase-file FILE

Runs the headless agent in the foreground: the same engine and scheduler as the tray app, without
a GUI. Secrets in DIR are encrypted with a key derived from the passphrase (the first line of FILE).
Scripts reach it through the socket DIR/agent.sock (pass them --data-dir DIR as well).
Log lines go to stderr. Stops cleanly on SIGINT, SIGTERM or SIGHUP.

Options:
  --data-dir DIR          where accounts, the key file and the socket live (created 0700 if missing)
  --passphrase-file FILE  file whose first line is the passphrase (refused unless 0600 or stricter);
                          a pipe works too: --passphrase-file <(pass show tokentray)
  -h, --help              show this help
`;

type Log = ReturnType<typeof createLogger>;

/** What stderrLog writes to: process.stderr, or a stand-in with a file descriptor. */
export interface LogStream {
  readonly fd: number;
  write(text: string): unknown;
}

/** How long a log line may wait to be written with the lines after it. */
export const LOG_FLUSH_MS = 50;
/** Pending log text past this (bytes, about 200 lines) is written at the end of the turn. */
export const LOG_FLUSH_BYTES = 16 * 1024;

/**
 * Where the agent's log lines go: stderr, in one write per LOG_FLUSH_MS at most (sooner, at the
 * end of the turn, once LOG_FLUSH_BYTES are waiting). A line per token served was a write of its
 * own, the largest cost of a token after Node's HTTP server (issue #10: about 30 µs of a 200 µs
 * request, profiled); a script asking for tokens in a loop now shares one write among a few
 * hundred of them, as pino's buffered destination does. Order is kept; whatever is pending is
 * written before the process ends (exit(), an uncaught exception, the end of the event loop) and
 * by close(). A death that runs no JavaScript can lose the last LOG_FLUSH_MS of lines: SIGKILL,
 * a signal left at its default action (SIGQUIT), a fatal V8 error (out of memory), a
 * power cut (before, that was at most one turn's lines). A regular file (a service's log
 * redirected to one) is written with writeSync, as process.stderr would, without going through
 * its stream.
 */
export function stderrLog(stream: LogStream = process.stderr): {
  write(line: string): void;
  close(): void;
} {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  let soon: NodeJS.Immediate | null = null;
  let toFile: boolean | null = null;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    if (soon !== null) clearImmediate(soon);
    timer = null;
    soon = null;
    if (pending === '') return;
    const text = pending;
    pending = '';
    toFile ??= isRegularFile(stream.fd);
    if (toFile) writeAllSync(stream.fd, text);
    else stream.write(text);
  };
  process.on('exit', flush);
  // Runs before Node prints an uncaught exception, so the lines leading to it come first.
  process.on('uncaughtExceptionMonitor', flush);
  return {
    write(line) {
      pending += `${line}\n`;
      // Unref'd: a pending line never keeps the process alive, and 'exit' writes it.
      if (timer === null) timer = setTimeout(flush, LOG_FLUSH_MS).unref();
      if (soon === null && pending.length >= LOG_FLUSH_BYTES) soon = setImmediate(flush);
    },
    close() {
      process.off('exit', flush);
      process.off('uncaughtExceptionMonitor', flush);
      flush();
    },
  };
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** Writes all of `text`: straight from the string; a short write (rare on a file) finished from bytes. */
function writeAllSync(fd: number, text: string): void {
  let at = writeSync(fd, text);
  const size = Buffer.byteLength(text);
  if (at === size) return;
  const bytes = Buffer.from(text, 'utf8');
  while (at < size) at += writeSync(fd, bytes, at, size - at);
}

/** A passphrase file the agent will not use; the message says why and how to fix it. */
export class PassphraseFileError extends Error {
  override readonly name = 'PassphraseFileError';
}

/** A passphrase file larger than this is not one (and /dev/zero-like files must not be read whole). */
export const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;
/** How long a pipe or FIFO (`<(pass show tokentray)`, `/dev/stdin`, `mkfifo`) may take to deliver a line. */
export const PASSPHRASE_PIPE_WAIT_MS = 30_000;
const PIPE_POLL_MS = 20;

function firstLine(text: string, file: string): string {
  // A pipe's line is cut at its "\n": the "\r" of a CRLF ending goes too, as from a file.
  const passphrase = (text.split(/\r?\n/, 1)[0] ?? '').replace(/\r$/, '');
  if (passphrase.length === 0) throw new PassphraseFileError(`the passphrase file ${file} is empty`);
  return passphrase;
}

/** Whether `fd` is an anonymous pipe (not a named FIFO); false where /proc cannot tell. */
function isAnonymousPipe(fd: number): boolean {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith('pipe:');
  } catch {
    return false;
  }
}

/**
 * Reads a pipe's first line without ever blocking the event loop: the fd is non-blocking, so a
 * read with no data yet fails with EAGAIN (a writer is there) or returns 0 (none yet, or it left),
 * and the next try comes PIPE_POLL_MS later. Meanwhile SIGINT and SIGTERM stop the agent as at any
 * other time (a poll, not a 'readable' stream: net.Socket on a FIFO would end at once when no
 * writer has opened it yet). Done at the first line ending, at the end of what a writer sent, or
 * refused after `waitMs`, naming the file. An anonymous pipe (`<(cmd)`, `/dev/stdin` from `|`) had its writer
 * from the start, so a 0 there means it ended: refused at once, not after `waitMs` (Linux tells
 * one from a FIFO by /proc/self/fd; elsewhere both wait).
 */
async function readPipeLine(fd: number, file: string, waitMs: number): Promise<string> {
  const anonymous = isAnonymousPipe(fd);
  const chunk = Buffer.alloc(4096);
  const parts: Buffer[] = [];
  let size = 0;
  const deadline = Date.now() + waitMs;
  for (;;) {
    let got: number | null;
    try {
      got = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      got = null;
    }
    if (got !== null && got > 0) {
      const newline = chunk.subarray(0, got).indexOf(0x0a);
      parts.push(Buffer.from(chunk.subarray(0, newline === -1 ? got : newline)));
      size += newline === -1 ? got : newline;
      if (size > MAX_PASSPHRASE_FILE_BYTES) {
        throw new PassphraseFileError(
          `refusing the passphrase from ${file}: its first line is longer than ${MAX_PASSPHRASE_FILE_BYTES / 1024} KiB`,
        );
      }
      if (newline !== -1) break;
      continue;
    }
    // 0 after some bytes: the writer sent its passphrase without a line ending and closed.
    if (got === 0 && size > 0) break;
    if (got === 0 && anonymous) {
      throw new PassphraseFileError(
        `no passphrase arrived through ${file} (a pipe): its writer ended without sending a line`,
      );
    }
    if (Date.now() >= deadline) {
      throw new PassphraseFileError(
        `no passphrase arrived through ${file} (a pipe) within ${waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`}; ` +
          'write it there, or give a regular file (chmod 600)',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, PIPE_POLL_MS));
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Reads the passphrase: the file's first line, without its line ending. Like ssh with a private
 * key, a file that group or others may read or write (any of the 077 bits) is refused, naming
 * its mode and the chmod that fixes it. The mode is read from the opened file, so the check and
 * the read concern the same file. The file is opened non-blocking: a FIFO with no writer would
 * otherwise hold the agent in open(), where no signal handler runs. A pipe or FIFO is read
 * without blocking (readPipeLine, bounded by `pipeWaitMs`); a regular file over 64 KiB (a pipe's
 * first line, likewise), one owned by another user, or anything else (a device, a directory) is
 * refused.
 */
export async function readPassphrase(
  file: string,
  platform: NodeJS.Platform = process.platform,
  pipeWaitMs = PASSPHRASE_PIPE_WAIT_MS,
): Promise<string> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (platform === 'win32' ? 0 : constants.O_NONBLOCK));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // `/dev/stdin` opened where stdin is a socket (a program's child_process pipe): not a pipe.
    if (code === 'ENXIO') {
      throw new PassphraseFileError(
        `refusing the passphrase file ${file}: it is a socket, not a regular file or a pipe ` +
          '(give a file, or a shell pipe: <(pass show tokentray))',
      );
    }
    if (code === 'ENOENT') {
      throw new PassphraseFileError(
        `the passphrase file ${file} does not exist; create it, yours alone, with: ` +
          `install -m 600 /dev/null ${shellQuote(file)}, then put the passphrase on its first line`,
      );
    }
    if (code === 'EACCES') {
      throw new PassphraseFileError(`cannot read the passphrase file ${file}: permission denied`);
    }
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() && !stats.isFIFO()) {
      throw new PassphraseFileError(
        `refusing the passphrase file ${file}: it is not a regular file or a pipe`,
      );
    }
    const uid = platform !== 'win32' && typeof process.getuid === 'function' ? process.getuid() : null;
    // Root may read a file it does not own (a Docker secret bind-mounted with the host's uid,
    // `sudo tokentray agent`); anyone else must own it, as ssh wants of a key.
    if (uid !== null && uid !== 0 && stats.uid !== uid) {
      throw new PassphraseFileError(
        `refusing the passphrase file ${file}: it is owned by uid ${stats.uid}, not by us (uid ${uid}); ` +
          `only a file of our own can be trusted to hold the passphrase`,
      );
    }
    if (platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      const octal = (stats.mode & 0o7777).toString(8).padStart(4, '0');
      throw new PassphraseFileError(
        `refusing the passphrase file ${file}: its mode is ${octal}, so group or others may read ` +
          `or write it; make it yours alone with: chmod 600 ${shellQuote(file)}`,
      );
    }
    if (stats.isFIFO()) return firstLine(await readPipeLine(fd, file, pipeWaitMs), file);
    if (stats.size > MAX_PASSPHRASE_FILE_BYTES) {
      throw new PassphraseFileError(
        `refusing the passphrase file ${file}: it is ${stats.size} bytes, more than a passphrase file ` +
          `holds (${MAX_PASSPHRASE_FILE_BYTES / 1024} KiB at most)`,
      );
    }
    return firstLine(readFileSync(fd, 'utf8'), file);
  } finally {
    closeSync(fd);
  }
}

function waitForStopSignal(log: Log): Promise<string> {
  return new Promise((done) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info('stopping', { signal });
      // A second signal while shutting down means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      process.once('SIGHUP', () => process.exit(129));
      done(signal);
    };
    // SIGHUP too: the terminal of an agent run in the foreground was closed. Left at its default it
    // would end the agent mid-renewal, losing a refresh token the server had already rotated.
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('SIGHUP', onSignal);
  });
}

function fail(log: Log, message: string): number {
  log.error(message);
  return 1;
}

/** Where the agent's usage text goes; the CLI passes its own stdout and stderr (stdio.ts), whose failures it counts. */
export interface AgentOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: AgentOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Runs the agent until SIGINT/SIGTERM/SIGHUP; resolves to the process exit code (0 clean, 1 failed, 2 usage). */
export async function runAgent(argv: string[], io: AgentOutput = processOutput): Promise<number> {
  const sink = stderrLog();
  const log = createLogger(sink.write);
  // A promise nobody awaited that failed is a bug, but not one worth every account's renewals:
  // the agent says so (redacted, as every line) and keeps serving.
  // Only the error's name and code: its message may quote a server's words, and this logger knows
  // none of the engine's secrets to remove from them.
  const onUnhandled = (reason: unknown) =>
    log.error('internal error: a failure nobody handled (the agent goes on)', {
      error: reason instanceof Error ? reason.name : typeof reason,
      code: String((reason as { code?: unknown } | null)?.code ?? ''),
    });
  process.on('unhandledRejection', onUnhandled);
  try {
    return await runAgentLogging(argv, log, io);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    sink.close();
  }
}

async function runAgentLogging(argv: string[], log: Log, io: AgentOutput): Promise<number> {
  let values: { 'data-dir'?: string; 'passphrase-file'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'passphrase-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`tokentray agent: ${(error as Error).message}\n\n${AGENT_USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.out(AGENT_USAGE);
    return 0;
  }
  if (values['data-dir'] === undefined || values['passphrase-file'] === undefined) {
    const missing = [
      values['data-dir'] === undefined ? '--data-dir DIR' : '',
      values['passphrase-file'] === undefined ? '--passphrase-file FILE' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    io.err(
      `tokentray agent: ${missing} ${missing.includes(' and ') ? 'are' : 'is'} required\n\n${AGENT_USAGE}`,
    );
    return 2;
  }

  const dataDir = resolve(values['data-dir']);
  const socketPath = dataDirSocketPath(dataDir);
  let passphrase: string;
  let lock: DataDirLock;
  try {
    // On Windows DIR/agent.sock is the pipe's rendezvous file, not a socket: no sun_path limit.
    if (process.platform !== 'win32') checkSocketPathLength(socketPath);
    passphrase = await readPassphrase(values['passphrase-file']);
    // Before anything else touches the data dir (the lock included): checked, created or
    // tightened to 0700, and no link or other user's file where one of ours goes (issue #12).
    for (const warning of prepareDataDir(dataDir)) log.warn(warning);
    // A lock whose owner is gone (dead pid, a reused pid that started at another time, a socket
    // that does not answer) is taken over; a live owner's is refused.
    lock = await acquireDataDirLockAsync(dataDir, { socketPath, log: (message) => log.warn(message) });
  } catch (error) {
    if (
      error instanceof SocketPathError ||
      error instanceof LockHeldError ||
      error instanceof LockFileError ||
      error instanceof PassphraseFileError ||
      error instanceof DataDirError
    )
      return fail(log, error.message);
    return fail(log, `cannot start: ${(error as Error).message}`);
  }
  // A live agent on the socket, whatever the lock said: refused before the engine starts, so this
  // start renews nothing (its renewals would spend the other agent's rotating refresh tokens).
  if (process.platform !== 'win32' && (await isSocketLive(socketPath))) {
    lock.release();
    return fail(log, `another agent is already serving ${socketPath}; stop it first`);
  }

  let engine: Engine | null = null;
  let server: ApiServer | null = null;
  try {
    const cipher = await openPassphraseCipher(dataDir, passphrase);
    engine = createEngine({ dataDir, cipher, fetch: globalThis.fetch, log });
    await engine.start();
    // Only now, with the store loaded, may clients connect (CONTRACT §2).
    server = await startApiServer({ engine, socketPath, log });
    log.info('agent ready', { dataDir, socket: socketPath, accounts: engine.list().length });
  } catch (error) {
    await engine?.stop().catch(() => undefined);
    lock.release();
    if (error instanceof StoreError || error instanceof SocketPathError) return fail(log, error.message);
    return fail(log, `cannot start: ${(error as Error).message}`);
  }

  await waitForStopSignal(log);
  let code = 0;
  try {
    // No new clients; a renewal already on the wire finishes and is saved (bounded by its timeout).
    const closed = server.close();
    await engine.stop();
    await closed;
    log.info('stopped');
  } catch (error) {
    code = fail(log, `shutdown failed: ${(error as Error).message}`);
  } finally {
    lock.release();
  }
  return code;
}
