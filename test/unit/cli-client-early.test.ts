/**
 * The CLI takes an answer with a Content-Length as soon as that many bytes are in, instead of
 * waiting for the agent's hang-up to reach it and the socket to be torn down (a start-up cost on
 * every call). Answers framed otherwise still end with the connection, and a short one is still
 * refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadAnswerError, callAgent } from '../../main/cli/client.js';

async function withServer(onConnection: (socket: Socket) => void, run: (path: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'ttearly-'));
  const path = join(dir, 'agent.sock');
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => open.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((done) => server.listen(path, done));
  try {
    await run(path);
  } finally {
    for (const socket of open) socket.destroy();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const answerOnRequest = (socket: Socket, parts: string[], close: boolean) =>
  socket.once('data', () => {
    for (const part of parts) socket.write(part);
    if (close) socket.end();
  });

describe('callAgent takes a complete answer without waiting for the hang-up', () => {
  it('a Content-Length answer from an agent that keeps the connection open', async () => {
    await withServer(
      (socket) =>
        answerOnRequest(
          socket,
          ['HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n', 'Content-Length: 7\r\n\r\n{"a"', ':1}'],
          false,
        ),
      async (path) => {
        const started = Date.now();
        const answer = await callAgent(path, 'GET', '/v1/accounts', undefined, 5_000);
        expect(answer).toEqual({ status: 200, body: { a: 1 } });
        expect(Date.now() - started).toBeLessThan(4_000);
      },
    );
  });

  it('a chunked answer still ends with the connection', async () => {
    await withServer(
      (socket) =>
        answerOnRequest(
          socket,
          [
            'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n',
            '7\r\n{"a":1}\r\n0\r\n\r\n',
          ],
          true,
        ),
      async (path) => {
        expect(await callAgent(path, 'GET', '/v1/accounts', undefined, 5_000)).toEqual({
          status: 200,
          body: { a: 1 },
        });
      },
    );
  });

  it('an answer with no length ends with the connection', async () => {
    await withServer(
      (socket) => answerOnRequest(socket, ['HTTP/1.1 200 OK\r\n\r\n{"a"', ':1}'], true),
      async (path) => {
        expect(await callAgent(path, 'GET', '/v1/accounts', undefined, 5_000)).toEqual({
          status: 200,
          body: { a: 1 },
        });
      },
    );
  });

  it('an answer shorter than its Content-Length is still refused when the agent hangs up', async () => {
    await withServer(
      (socket) => answerOnRequest(socket, ['HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{"a":1}'], true),
      async (path) => {
        await expect(callAgent(path, 'GET', '/v1/accounts', undefined, 5_000)).rejects.toBeInstanceOf(
          BadAnswerError,
        );
      },
    );
  });

  it('a complete answer that is not a JSON object is refused', async () => {
    await withServer(
      (socket) => answerOnRequest(socket, ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]'], false),
      async (path) => {
        await expect(callAgent(path, 'GET', '/v1/accounts', undefined, 5_000)).rejects.toBeInstanceOf(
          BadAnswerError,
        );
      },
    );
  });
});
