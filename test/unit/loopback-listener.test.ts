/**
 * The browser sign-in's loopback listener (main/engine/interactive/loopback.ts): what a redirect
 * URI means, and that a second program on the other loopback address of `localhost` is refused
 * rather than left to receive the answer.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SignInError } from '../../main/engine/interactive/errors.js';
import { openLoopbackListener, parseRedirectUri } from '../../main/engine/interactive/loopback.js';

const squatters: Server[] = [];
afterEach(async () => {
  await Promise.all(squatters.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function squat(host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    squatters.push(server);
    server.once('error', reject);
    server.listen({ host, port }, () => resolve((server.address() as AddressInfo).port));
  });
}

describe('parseRedirectUri', () => {
  it('keeps a port written out even when it is http’s default (:80), which the URL parser drops', () => {
    expect(parseRedirectUri('http://127.0.0.1:80/cb').port).toBe(80);
    expect(parseRedirectUri('http://[::1]:80/cb').port).toBe(80);
    expect(parseRedirectUri('http://127.0.0.1/cb').port).toBe(0);
    expect(parseRedirectUri('http://localhost:8400/cb')).toMatchObject({ port: 8400, path: '/cb' });
  });

  it('refuses an empty query or fragment too (the parser would drop it in silence)', () => {
    for (const uri of ['http://127.0.0.1:8400/cb?', 'http://127.0.0.1:8400/cb#', 'http://127.0.0.1/cb?a=1'])
      expect(() => parseRedirectUri(uri), uri).toThrow(/must not have a query or a fragment/);
  });
});

describe('openLoopbackListener with localhost', () => {
  it('fails with listener_failed when another program holds [::1] on the port, instead of letting it take the answer', async () => {
    const port = await squat('::1');
    const failure = await openLoopbackListener({
      redirectUri: `http://localhost:${port}/callback`,
      expectedState: 'state-1',
    }).then(
      async (listener) => {
        await listener.close();
        return null;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SignInError);
    expect((failure as SignInError).code).toBe('listener_failed');
    expect((failure as SignInError).message).toMatch(/in use by another program/);
    // Nothing is left listening on 127.0.0.1 either.
    await expect(squat('127.0.0.1', port)).resolves.toBe(port);
  });

  it('listens on both loopback addresses when both are free', async () => {
    const listener = await openLoopbackListener({
      redirectUri: 'http://localhost/callback',
      expectedState: 's',
    });
    try {
      await expect(squat('::1', listener.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(squat('127.0.0.1', listener.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await listener.close();
    }
  });
});
