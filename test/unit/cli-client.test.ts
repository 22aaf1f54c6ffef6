/** The CLI's minimal HTTP/1.1 response reader (it talks to the agent over node:net). */
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentUnavailableError, callAgent, decodeChunked, parseResponse } from '../../main/cli/client.js';
import { explainError, explainFailure } from '../../main/cli/commands.js';
import { runTokenCommand } from '../../main/cli/token-command.js';

const raw = (text: string) => Buffer.from(text, 'latin1');

describe('parseResponse', () => {
  it('reads status and a Content-Length body', () => {
    const answer = parseResponse(raw('HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\nX: y\r\n\r\n{"a":1}'));
    expect(answer?.status).toBe(404);
    expect(answer?.body.toString()).toBe('{"a":1}');
  });

  it('decodes a chunked body', () => {
    const answer = parseResponse(
      raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{"a\r\n4;ext=1\r\n":1}\r\n0\r\n\r\n'),
    );
    expect(answer?.body.toString()).toBe('{"a":1}');
  });

  it('refuses truncated or foreign answers', () => {
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'))).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 10'))).toBeNull();
    expect(parseResponse(raw('SSH-2.0-OpenSSH_9.6\r\n\r\n'))).toBeNull();
    expect(decodeChunked(raw('zz\r\n'))).toBeNull();
    expect(decodeChunked(raw('5\r\nab'))).toBeNull();
  });

  it('refuses two Content-Lengths, a length that is not digits and a bad status line', () => {
    expect(
      parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\n{}')),
    ).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n{}'))).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\n{}'))).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}'))).toBeNull();
    expect(parseResponse(raw('HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\n{}'))).toBeNull();
    expect(parseResponse(raw('HTTP/1.1 204\r\nContent-Length: 0\r\n\r\n'))?.status).toBe(204);
  });

  it('counts the body in bytes: a head that is not ASCII is refused, a UTF-8 body is kept whole', () => {
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nX: é\r\nContent-Length: 2\r\n\r\n{}'))).toBeNull();
    const body = '{"name":"Zürich ✓"}';
    const answer = parseResponse(
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}trailing`),
    );
    expect(answer?.body.toString()).toBe(body);
  });
});

describe('callAgent against a socket that misbehaves', () => {
  async function withServer(onConnection: (socket: Socket) => void, run: (path: string) => Promise<void>) {
    const dir = await mkdtemp(join(tmpdir(), 'ttclient-'));
    const path = join(dir, 'agent.sock');
    const server = createServer(onConnection);
    await new Promise<void>((done) => server.listen(path, done));
    try {
      await run(path);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('gives up on an agent that accepts and never answers (stopped, wedged)', async () => {
    const held: Socket[] = [];
    await withServer(
      (socket) => held.push(socket),
      async (path) => {
        const started = Date.now();
        await expect(callAgent(path, 'GET', '/v1/accounts', undefined, 200)).rejects.toThrow(
          /did not answer within 0 s/,
        );
        expect(Date.now() - started).toBeLessThan(2000);
        for (const socket of held) socket.destroy();
      },
    );
  });

  /**
   * A real agent-shaped process stopped with SIGSTOP: the kernel still takes connections into its
   * listen queue (backlog 1 here) while it is stopped, and refuses them once the queue is full.
   * Either way connecting does not wait, which is why the answer timer is armed only once the
   * request is written (client.ts): the first case must still end at the timeout.
   */
  it.skipIf(process.platform === 'win32')(
    'a stopped agent: times out with its queue not full, and fails at once when it is',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ttstopped-'));
      const path = join(dir, 'agent.sock');
      const held: Socket[] = [];
      const child = spawn(
        process.execPath,
        [
          '-e',
          `require('node:net').createServer(() => {}).listen({ path: ${JSON.stringify(path)}, backlog: 1 }, () => process.stdout.write('ok'))`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      try {
        await new Promise<void>((listening, failed) => {
          child.stdout.once('data', () => listening());
          child.once('exit', (code) => failed(new Error(`the stand-in agent exited ${code}`)));
        });
        process.kill(child.pid as number, 'SIGSTOP');
        const started = Date.now();
        await expect(callAgent(path, 'GET', '/v1/accounts/x/token', undefined, 300)).rejects.toThrow(
          /did not answer within 0 s/,
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
        expect(Date.now() - started).toBeLessThan(5000);
        if (process.platform !== 'linux') return; // how a full queue refuses differs by kernel
        // Fill the queue; Linux then refuses with EAGAIN (bounded: a few connections at most).
        let refused: Error | null = null;
        for (let i = 0; i < 16 && refused === null; i++) {
          refused = await new Promise<Error | null>((done) => {
            const socket = connect({ path });
            held.push(socket);
            socket.once('connect', () => done(null));
            socket.once('error', (error) => done(error));
          });
        }
        expect((refused as NodeJS.ErrnoException | null)?.code).toBe('EAGAIN');
        const full = Date.now();
        await expect(callAgent(path, 'GET', '/v1/accounts/x/token', undefined, 60_000)).rejects.toThrow(
          /is not taking connections \(its queue is full/,
        );
        expect(Date.now() - full).toBeLessThan(5000);
      } finally {
        for (const socket of held) socket.destroy();
        child.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('takes an answer as soon as its Content-Length is in, even split inside a UTF-8 character', async () => {
    const body = Buffer.from(JSON.stringify({ accessToken: 'tøken ✓', name: 'Zürich' }));
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    const whole = Buffer.concat([head, body]);
    const split = whole.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
    const held: Socket[] = [];
    await withServer(
      (socket) => {
        held.push(socket); // never closed by the server: the answer must not wait for a hang-up
        socket.once('data', () => {
          socket.write(whole.subarray(0, split));
          setTimeout(() => socket.write(whole.subarray(split)), 20);
        });
      },
      async (path) => {
        const answer = await callAgent(path, 'GET', '/v1/accounts/x/token', undefined, 5_000);
        expect(answer).toEqual({ status: 200, body: { accessToken: 'tøken ✓', name: 'Zürich' } });
        for (const socket of held) socket.destroy();
      },
    );
  });

  it('a 200 answer without a token is a bad answer (exit 1), never an empty line and exit 0', async () => {
    const body = '{"tokenType":"bearer"}';
    await withServer(
      (socket) =>
        socket.once('data', () =>
          socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
        ),
      async (path) => {
        let out = '';
        let err = '';
        const io = { out: (text: string) => void (out += text), err: (text: string) => void (err += text) };
        const code = await runTokenCommand(
          { kind: 'token', name: 'x', rejected: false, dataDir: dirname(path) },
          io,
          () => ({ explainFailure, explainError }),
        );
        expect({ code, out }).toEqual({ code: 1, out: '' });
        expect(err).toMatch(/unexpected answer from the agent at .* \(no token in it\)/);
      },
    );
  });

  it('reports an agent that hangs up without answering as gone (exit 3), not as a bad answer', async () => {
    await withServer(
      (socket) => socket.destroy(),
      async (path) => {
        const error = await callAgent(path, 'GET', '/v1/accounts').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AgentUnavailableError);
        expect((error as Error).message).toContain('stopped before answering');
      },
    );
  });
});
