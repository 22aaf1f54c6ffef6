/**
 * The CLI's side of the local API: one HTTP/1.1 request over the agent's Unix socket (the
 * cookie-guarded named pipe on Windows), answered as status plus parsed JSON. Written on
 * `node:net` rather than `node:http`: loading and warming up Node's HTTP client costs a CLI run
 * more than the whole exchange (measured: ~20 ms against ~6 ms).
 */
import { connect, type Socket } from 'node:net';
import { connectPipe } from '../agent/pipe-auth.js';
import {
  checkUnixSocket,
  checkOnceConnected,
  checkWindowsPipeFile,
  type SocketIdentity,
} from './socket-trust.js';

export { UntrustedSocketError } from './socket-trust.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The socket could not be reached, or the agent went away before answering (exit 3). */
export class AgentUnavailableError extends Error {
  override readonly name = 'AgentUnavailableError';
  constructor(
    readonly socketPath: string,
    readonly code: string,
  ) {
    super(
      code === 'EACCES'
        ? `cannot connect to ${socketPath}: permission denied (is it another user's agent?)`
        : code === 'STOPPED'
          ? `the agent at ${socketPath} stopped before answering`
          : `no agent is running at ${socketPath}`,
    );
  }
}

/** How long the CLI waits for an answer: a renewal may take two 30 s requests (discovery, token). */
export const ANSWER_TIMEOUT_MS = 120_000;

/** The agent answered something that is not our protocol (exit 1). */
export class BadAnswerError extends Error {
  override readonly name = 'BadAnswerError';
}

const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ENOTDIR',
  'ENOTSOCK',
  'EPERM',
  'ECONNRESET',
]);
/** An answer bigger than this is not from our agent. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Decodes a `Transfer-Encoding: chunked` body; null when it is malformed. */
export function decodeChunked(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return null;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return null;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (start + size > data.length) return null;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** What the CLI reads of a response's head: the status and how the body is framed. */
interface ResponseHead {
  status: number;
  /** Content-Length, or null when there is none. */
  length: number | null;
  /** Transfer-Encoding, lower case, or null when there is none. */
  transferEncoding: string | null;
  /** Where the body starts, in bytes (the head is ASCII, so also in characters). */
  bodyStart: number;
}

/** Whether `value` is one or more ASCII digits. */
function isDigits(value: string): boolean {
  if (value === '') return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The value of header `name` (lower case) in `head` (lower case, each line ending in CRLF); null
 * when there is none, undefined when it is there twice (not an answer to trust).
 */
function headerValue(head: string, name: string): string | null | undefined {
  const needle = `\r\n${name}:`;
  const at = head.indexOf(needle);
  if (at === -1) return null;
  if (head.includes(needle, at + needle.length)) return undefined;
  return head.slice(at + needle.length, head.indexOf('\r\n', at + needle.length)).trim();
}

/**
 * The head of the response in `data` (`text` is the same bytes as UTF-8), or null while it is
 * incomplete or when it is not an HTTP/1.x response with a valid Content-Length. A few string
 * methods, no regular expressions and no loop over characters: this runs once per CLI call, and in
 * a process that lives 25 ms each first use of a regular expression, a text encoding or a function
 * costs tens of microseconds (this was 105 µs with a line-by-line parser, 40 µs now).
 */
function readHead(data: Buffer, text: string): ResponseHead | null {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  // The head's end must be at the same offset in bytes as in characters, as it is when the head is
  // ASCII: then bodyStart counts both.
  if (
    data[headEnd] !== 0x0d ||
    data[headEnd + 1] !== 0x0a ||
    data[headEnd + 2] !== 0x0d ||
    data[headEnd + 3] !== 0x0a
  )
    return null;
  // "HTTP/1.1 200 OK" or "HTTP/1.1 200": the version, a space, three digits, a space or the end.
  if (!text.startsWith('HTTP/1.1 ') && !text.startsWith('HTTP/1.0 ')) return null;
  const head = text.slice(0, headEnd + 2).toLowerCase();
  const code = head.slice(9, 12);
  if (!isDigits(code) || code.length !== 3 || (head[12] !== ' ' && head[12] !== '\r')) return null;
  const length = headerValue(head, 'content-length');
  const transferEncoding = headerValue(head, 'transfer-encoding');
  if (length === undefined || transferEncoding === undefined) return null;
  if (length !== null && (!isDigits(length) || !Number.isSafeInteger(Number(length)))) return null;
  return {
    status: Number(code),
    length: length === null ? null : Number(length),
    transferEncoding,
    bodyStart: headEnd + 4,
  };
}

/** Parses a complete HTTP/1.1 response (the connection was closed after it). */
export function parseResponse(raw: Buffer): { status: number; body: Buffer } | null {
  const head = readHead(raw, raw.toString());
  if (head === null) return null;
  let body = raw.subarray(head.bodyStart);
  if (head.transferEncoding === 'chunked') {
    const decoded = decodeChunked(body);
    if (decoded === null) return null;
    body = decoded;
  } else if (head.length !== null) {
    if (body.length < head.length) return null;
    body = body.subarray(0, head.length);
  }
  return { status: head.status, body };
}

/** A head this long without its end is not from our agent: it is left to the hang-up. */
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Reads an answer as its chunks arrive and takes it once it is complete by its Content-Length:
 * the head is decoded until it is read (at most MAX_HEAD_BYTES), the body once, when all of it is
 * in; each chunk costs its own length, not the length so far. A chunked answer, or one without a
 * length, is left to the hang-up (parseResponse).
 */
function answerReader(): (chunks: Buffer[], size: number) => { status: number; body: string } | null {
  // Where the body is, once the head is read; null when the hang-up ends the answer instead.
  let framed: { status: number; bodyStart: number; end: number } | null | undefined;
  return (chunks, size) => {
    if (framed === null) return null;
    let text: string | undefined;
    let data: Buffer | undefined;
    if (framed === undefined) {
      if (size > MAX_HEAD_BYTES) {
        framed = null;
        return null;
      }
      data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      text = data.toString();
      const head = readHead(data, text);
      if (head === null) return null;
      framed =
        head.transferEncoding === null && head.length !== null
          ? { status: head.status, bodyStart: head.bodyStart, end: head.bodyStart + head.length }
          : null;
      if (framed === null) return null;
    }
    const { status, bodyStart, end } = framed;
    if (size < end) return null;
    data ??= Buffer.concat(chunks, size);
    // Usually the body is all that follows the head, decoded already with it.
    const body =
      text !== undefined && size === end ? text.slice(bodyStart) : data.subarray(bodyStart, end).toString();
    return { status, body };
  };
}

function openSocket(socketPath: string): Socket {
  return process.platform === 'win32' ? connectPipe(socketPath) : connect({ path: socketPath });
}

/**
 * Sends one request to the agent; rejects with AgentUnavailableError when nobody answers, and
 * with UntrustedSocketError, before a byte is sent, when the socket or its folder is not this
 * user's alone (see socket-trust.ts).
 */
export async function callAgent(
  socketPath: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: Buffer,
  timeoutMs = ANSWER_TIMEOUT_MS,
  /** Runs once the request is written, while the agent works on it. */
  onSent?: () => void,
): Promise<ApiAnswer> {
  let checked: SocketIdentity | null = null;
  if (process.platform === 'win32') await checkWindowsPipeFile(socketPath);
  else checked = checkUnixSocket(socketPath);
  return exchange(socketPath, checked, method, path, body, timeoutMs, onSent);
}

function exchange(
  socketPath: string,
  checked: SocketIdentity | null,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body: Buffer | undefined,
  timeoutMs: number,
  onSent: (() => void) | undefined,
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    let connected = false;
    let timedOut = false;
    const fail = (error: NodeJS.ErrnoException): void => {
      const code = error.code ?? '';
      if (!connected && UNREACHABLE.has(code)) reject(new AgentUnavailableError(socketPath, code));
      else if (!connected && code === 'EAGAIN')
        // Linux refuses a connection at once when the agent's listen queue is full.
        reject(
          new BadAnswerError(
            `the agent at ${socketPath} is not taking connections (its queue is full: is it stopped or overloaded?)`,
          ),
        );
      else if (connected && size === 0 && (code === 'ECONNRESET' || code === 'EPIPE'))
        reject(new AgentUnavailableError(socketPath, 'STOPPED'));
      else
        reject(
          new BadAnswerError(`the agent at ${socketPath} closed the connection (${code || error.message})`),
        );
    };
    try {
      socket = openSocket(socketPath);
    } catch (error) {
      fail(error as NodeJS.ErrnoException);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const readAnswer = answerReader();
    // A stopped (SIGSTOP) or wedged agent must not hang a script for ever. On POSIX connecting to
    // a Unix socket never waits (the kernel takes the connection into the agent's backlog or
    // refuses it), so the timer is armed once the request is written: the first setTimeout of a
    // process costs about 0.27 ms, spent then while the agent works instead of before connecting.
    // A Windows pipe may be busy, and its connection waits: armed at once there.
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      timer = setTimeout(() => {
        timedOut = true;
        socket.destroy();
      }, timeoutMs);
      timer.unref();
    };
    if (process.platform === 'win32') arm();
    socket.once('connect', () => {
      // The socket appeared after the check, or was swapped since: look again before writing.
      try {
        checkOnceConnected(socketPath, checked);
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      connected = true;
      const head =
        `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n` +
        (body === undefined
          ? '\r\n'
          : `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body === undefined ? head : Buffer.concat([Buffer.from(head, 'latin1'), body]));
      if (timer === undefined) arm();
      onSent?.();
    });
    let settled = false;
    /** The answer as an object, or the error that it is not our protocol. */
    const conclude = (response: { status: number; body: string } | null): void => {
      if (response === null) {
        reject(new BadAnswerError(`unexpected answer from the agent at ${socketPath}`));
        return;
      }
      try {
        const parsed = JSON.parse(response.body) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        resolve({ status: response.status, body: parsed as Record<string, unknown> });
      } catch {
        reject(
          new BadAnswerError(`unexpected answer from the agent at ${socketPath} (HTTP ${response.status})`),
        );
      }
    };
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        socket.destroy(new Error('answer too large'));
        return;
      }
      chunks.push(chunk);
      // An answer with a Content-Length is complete once that many bytes are in: take it then
      // rather than wait for the agent's hang-up (~1-2 ms of every CLI call). Anything else
      // (chunked, no length) ends with the connection.
      const response = readAnswer(chunks, size);
      if (response === null) return;
      settled = true;
      clearTimeout(timer);
      // Not destroyed: the agent closes the connection itself (Connection: close), and the CLI
      // exits as soon as it has printed. Tearing the socket down first cost 0.3 ms of every call.
      conclude(response);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // The agent may answer (e.g. 413) and hang up while a large upload is still being written.
      if (chunks.length > 0 && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) return;
      socket.destroy();
      fail(error);
    });
    socket.once('close', () => {
      if (settled) return;
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new BadAnswerError(
            `the agent at ${socketPath} did not answer within ${Math.round(timeoutMs / 1000)} s`,
          ),
        );
        return;
      }
      if (!connected) return;
      if (size === 0) {
        reject(new AgentUnavailableError(socketPath, 'STOPPED'));
        return;
      }
      const response = parseResponse(Buffer.concat(chunks));
      conclude(response === null ? null : { status: response.status, body: response.body.toString() });
    });
  });
}
