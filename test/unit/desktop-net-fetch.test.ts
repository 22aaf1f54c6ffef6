import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedSchemeError, tokenFetch, type ElectronFetch } from '../../main/desktop/net-fetch.js';

type Init = Parameters<ElectronFetch>[1];

describe('token fetch over Electron net', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') return; // never answers
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/ok' }).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ cookie: req.headers.cookie ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('omits credentials, skips the cache, refuses redirects and bypasses custom protocol handlers on every call', async () => {
    const seen: Init[] = [];
    const spy: ElectronFetch = async (input, init) => {
      seen.push(init);
      return fetch(input, init);
    };
    const fetchToken = tokenFetch(spy, { timeoutMs: 5_000 });
    await fetchToken(`${base}/ok`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
      credentials: 'include',
      cache: 'default',
    });
    await fetchToken(new URL(`${base}/ok`));
    for (const init of seen) {
      expect(init).toMatchObject({
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        bypassCustomProtocolHandlers: true,
      });
      expect(init?.signal).toBeInstanceOf(AbortSignal);
    }
    expect(seen[0]).toMatchObject({ method: 'POST', body: 'grant_type=client_credentials' });
  });

  it('fails on a redirect instead of following it', async () => {
    const fetchToken = tokenFetch((input, init) => fetch(input, init), { timeoutMs: 5_000 });
    await expect(fetchToken(`${base}/redirect`)).rejects.toThrow();
  });

  it('aborts a request the server never answers after the timeout', async () => {
    const fetchToken = tokenFetch((input, init) => fetch(input, init), { timeoutMs: 300 });
    const started = Date.now();
    await expect(fetchToken(`${base}/hang`)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each(['file:///etc/passwd', 'app://tokentray/index.html', 'data:text/plain,x', 'ftp://example.com/x'])(
    'refuses %s before anything is fetched',
    async (url) => {
      let called = false;
      const fetchToken = tokenFetch(
        async () => {
          called = true;
          return new Response('');
        },
        { timeoutMs: 1_000 },
      );
      await expect(fetchToken(url)).rejects.toBeInstanceOf(RefusedSchemeError);
      expect(called).toBe(false);
    },
  );
});
