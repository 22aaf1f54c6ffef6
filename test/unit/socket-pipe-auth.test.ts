/**
 * The Windows named-pipe guard, tested where it can be: the pure parts, and the cookie handshake
 * over a real Unix socket (the guard only sees a stream). Not run on Windows itself here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  COOKIE_HEX_LENGTH,
  cookieMatches,
  formatRendezvous,
  guardPipeConnection,
  newCookie,
  newPipeName,
  parseRendezvous,
  publishRendezvous,
  withdrawRendezvous,
} from '../../main/agent/pipe-auth.js';

describe('pipe names, cookies and the rendezvous file', () => {
  it('makes pipe names with a random 128-bit part and 32-byte cookies', () => {
    const a = newPipeName();
    expect(a).toMatch(/^\\\\\.\\pipe\\tokentray-[0-9a-f]{32}$/);
    expect(newPipeName()).not.toBe(a);
    const cookie = newCookie();
    expect(cookie).toMatch(new RegExp(`^[0-9a-f]{${COOKIE_HEX_LENGTH}}$`));
    expect(newCookie()).not.toBe(cookie);
  });

  it('compares cookies exactly: equal, one character off, shorter, longer, empty', () => {
    const cookie = newCookie();
    expect(cookieMatches(cookie, cookie)).toBe(true);
    expect(cookieMatches(cookie, Buffer.from(cookie))).toBe(true);
    const flipped = `${cookie.slice(0, -1)}${cookie.endsWith('0') ? '1' : '0'}`;
    expect(cookieMatches(cookie, flipped)).toBe(false);
    expect(cookieMatches(cookie, cookie.slice(1))).toBe(false);
    expect(cookieMatches(cookie, `${cookie}0`)).toBe(false);
    expect(cookieMatches(cookie, '')).toBe(false);
  });

  it('round-trips the rendezvous file and rejects anything that is not ours', () => {
    const rendezvous = { pipe: newPipeName(), cookie: newCookie() };
    expect(parseRendezvous(formatRendezvous(rendezvous))).toEqual(rendezvous);
    expect(parseRendezvous('not json')).toBeNull();
    expect(
      parseRendezvous(JSON.stringify({ v: 1, pipe: '\\\\.\\pipe\\evil', cookie: rendezvous.cookie })),
    ).toBeNull();
    expect(parseRendezvous(JSON.stringify({ v: 1, pipe: rendezvous.pipe, cookie: 'short' }))).toBeNull();
    expect(parseRendezvous(JSON.stringify({ v: 2, ...rendezvous }))).toBeNull();
  });

  it('publishes the file 0600 and withdraws it only while it still names our pipe', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ttpipe-'));
    try {
      const path = join(dir, 'agent.sock');
      const ours = { pipe: newPipeName(), cookie: newCookie() };
      publishRendezvous(path, ours);
      const { lstatSync, existsSync } = await import('node:fs');
      expect(lstatSync(path).mode & 0o777).toBe(0o600);
      withdrawRendezvous(path, { pipe: newPipeName(), cookie: ours.cookie });
      expect(existsSync(path)).toBe(true);
      withdrawRendezvous(path, ours);
      expect(existsSync(path)).toBe(false);
      await writeFile(path, 'junk');
      withdrawRendezvous(path, ours);
      expect(existsSync(path)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the cookie handshake', () => {
  let dir: string;
  let path: string;
  let server: Server;
  const cookie = newCookie();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttpipe-'));
    path = join(dir, 'guard.sock');
    const http = createHttpServer((req, res) => res.end(`hello ${req.url}`));
    server = createServer((socket) =>
      guardPipeConnection(socket, cookie, (ok: Socket) => http.emit('connection', ok)),
    );
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  function exchange(bytes: string, waitMs = 3_000): Promise<{ reply: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = connect({ path });
      let reply = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ reply, closed: false });
      }, waitMs);
      socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ reply, closed: true });
      });
      socket.on('connect', () => socket.write(bytes));
    });
  }

  it('serves HTTP after the right cookie, including bytes sent in the same packet', async () => {
    const { reply } = await exchange(`${cookie}\nGET /v1/x HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reply).toContain('hello /v1/x');
  });

  it('closes on a wrong cookie having sent nothing at all', async () => {
    const wrong = newCookie();
    const result = await exchange(`${wrong}\nGET / HTTP/1.1\r\nHost: l\r\n\r\n`);
    expect(result).toEqual({ reply: '', closed: true });
  });

  it('closes on a request without a cookie, having sent nothing', async () => {
    const result = await exchange(`GET /v1/accounts HTTP/1.1\r\nHost: l\r\n${'X-Pad: 1\r\n'.repeat(8)}\r\n`);
    expect(result).toEqual({ reply: '', closed: true });
  });

  it('drops a client that never sends its cookie', async () => {
    const started = Date.now();
    const result = await exchange('', 6_000);
    expect(result).toEqual({ reply: '', closed: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
