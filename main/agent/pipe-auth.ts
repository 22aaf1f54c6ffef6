/**
 * Windows transport for the local API. Node cannot set a named pipe's ACL and the default one lets
 * other local users connect, so the pipe's name carries a random 128-bit part, and name and a
 * per-run 32-byte cookie are published in a file only the user can read (`DIR/agent.sock`). A
 * client must send the cookie as its first line; the server compares it in constant time and sends
 * nothing at all before it matches. Node builtins only: the CLI uses the client half.
 *
 * NOT exercised on Windows here (no Windows runner): the pure parts are unit-tested on Linux.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** Hex characters in a cookie (32 random bytes). */
export const COOKIE_HEX_LENGTH = 64;
/** How long a pipe client may take to send its cookie before it is dropped. */
export const COOKIE_TIMEOUT_MS = 2_000;

/** What the rendezvous file holds. */
export interface PipeRendezvous {
  pipe: string;
  cookie: string;
}

/** A fresh pipe name with a random 128-bit part. */
export function newPipeName(): string {
  return `\\\\.\\pipe\\tokentray-${randomBytes(16).toString('hex')}`;
}

/** A fresh per-run cookie: 32 random bytes as hex. */
export function newCookie(): string {
  return randomBytes(COOKIE_HEX_LENGTH / 2).toString('hex');
}

/** Serializes the rendezvous file's contents. */
export function formatRendezvous(rendezvous: PipeRendezvous): string {
  return `${JSON.stringify({ v: 1, pipe: rendezvous.pipe, cookie: rendezvous.cookie })}\n`;
}

/** Parses the rendezvous file; null when it is not one of ours. */
export function parseRendezvous(text: string): PipeRendezvous | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { v, pipe, cookie } = parsed as Record<string, unknown>;
  if (v !== 1 || typeof pipe !== 'string' || typeof cookie !== 'string') return null;
  if (!/^\\\\\.\\pipe\\tokentray-[0-9a-f]{32}$/.test(pipe)) return null;
  if (!new RegExp(`^[0-9a-f]{${COOKIE_HEX_LENGTH}}$`).test(cookie)) return null;
  return { pipe, cookie };
}

/** Constant-time cookie comparison; a wrong length is rejected without an early exit on content. */
export function cookieMatches(expected: string, received: Buffer | string): boolean {
  const want = Buffer.from(expected, 'utf8');
  const got = typeof received === 'string' ? Buffer.from(received, 'utf8') : received;
  if (got.length !== want.length) {
    timingSafeEqual(want, want);
    return false;
  }
  return timingSafeEqual(want, got);
}

/** Writes the rendezvous file atomically, readable by the user only (the ACL of the user's profile on Windows). */
export function publishRendezvous(path: string, rendezvous: PipeRendezvous): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, formatRendezvous(rendezvous), { mode: 0o600, flag: 'wx' });
  renameSync(temp, path);
}

/** Removes the rendezvous file if it still names our pipe. */
export function withdrawRendezvous(path: string, rendezvous: PipeRendezvous): void {
  try {
    const current = parseRendezvous(readFileSync(path, 'utf8'));
    if (current?.pipe === rendezvous.pipe) unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Server side: waits for `cookie + "\n"` as the first bytes on `socket`. On a match the bytes
 * after it are pushed back and `accept(socket)` runs; otherwise the socket is destroyed having
 * received nothing.
 */
export function guardPipeConnection(socket: Socket, cookie: string, accept: (socket: Socket) => void): void {
  const needed = COOKIE_HEX_LENGTH + 1;
  let buffered = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), COOKIE_TIMEOUT_MS);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length < needed) return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.pause();
    const line = buffered.subarray(0, COOKIE_HEX_LENGTH);
    if (buffered[COOKIE_HEX_LENGTH] !== 0x0a || !cookieMatches(cookie, line)) {
      socket.destroy();
      return;
    }
    const rest = buffered.subarray(needed);
    if (rest.length > 0) socket.unshift(rest);
    accept(socket);
    // Node's HTTP server reads straight from the handle when it can, which would skip the bytes
    // pushed back above; a 'data' listener makes it parse from the stream instead.
    socket.on('data', () => undefined);
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** Client side: reads the rendezvous file, connects to the pipe and sends the cookie first. */
export function connectPipe(rendezvousPath: string): Socket {
  const rendezvous = parseRendezvous(readFileSync(rendezvousPath, 'utf8'));
  if (rendezvous === null) {
    const error = new Error(`${rendezvousPath} is not a Tokentray pipe file`) as NodeJS.ErrnoException;
    error.code = 'ECONNREFUSED';
    throw error;
  }
  const socket = connect({ path: rendezvous.pipe });
  socket.write(`${rendezvous.cookie}\n`);
  return socket;
}
