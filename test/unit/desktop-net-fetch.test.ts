import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientRequest, ClientRequestConstructorOptions, Session } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createNetFetch,
  RedirectRefusedError,
  RefusedSchemeError,
  tokenFetch,
  type ElectronFetch,
  type NetFetchDeps,
  type ProxyChallenge,
  type ProxyCredentialsProvider,
} from '../../main/desktop/net-fetch.js';
import { TokenError } from '../../main/engine/errors.js';
import { networkError } from '../../main/engine/http.js';
import { standinNetRequest } from '../app/standin/net-request-standin.js';
import { FAKE_SESSION, fakeNetRequest, type FakeClientRequest } from '../fakes/net-request-fake.js';

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

/**
 * Type-level only (tsc checks it against electron.d.ts): Electron's `net.request` fits the port
 * `createNetFetch` takes, so setup.ts can pass `(options) => net.request(options)`.
 */
export function electronNetRequestFits(
  request: (options: ClientRequestConstructorOptions) => ClientRequest,
): NetFetchDeps<Session>['request'] {
  return (options) => request(options);
}

/**
 * createNetFetch over `net.request` cannot run here (no Electron): a fake ClientRequest and
 * IncomingMessage (test/fakes/net-request-fake.ts) play Chromium's side, so these tests cover the
 * request options, the body sent, the Response built from the message, proxy and server
 * challenges, redirects, aborts and net errors, but not Chromium itself.
 */
describe('token fetch over net.request (fake ClientRequest)', () => {
  const noProxy: ProxyCredentialsProvider = async () => {
    throw new Error('no proxy challenge expected');
  };
  function setup(proxyCredentials: ProxyCredentialsProvider = noProxy) {
    const net = fakeNetRequest();
    const fetchOverNet = createNetFetch({ request: net.request, session: FAKE_SESSION, proxyCredentials });
    return { net, fetchOverNet };
  }
  const only = (net: ReturnType<typeof fakeNetRequest>): FakeClientRequest => {
    expect(net.made).toHaveLength(1);
    return net.made[0]!;
  };

  it('gives net.request the session, method, headers and token-request options, and sends the body', async () => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://login.example.com/oauth/token', {
      method: 'post',
      headers: { accept: 'application/json', authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }),
    });
    const request = only(net);
    expect(request.options).toEqual({
      session: FAKE_SESSION,
      url: 'https://login.example.com/oauth/token',
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: 'Basic Y2xpZW50OnNlY3JldA==',
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
      redirect: 'manual',
      credentials: 'omit',
      cache: 'no-store',
      bypassCustomProtocolHandlers: true,
    });
    expect(request.ended).toBe(true);
    expect(request.body?.toString()).toBe('grant_type=client_credentials&scope=a+b');
    request.respond(200).finish();
    expect((await pending).status).toBe(200);
  });

  it.each([
    ['a string', 'a=1&b=2', 'a=1&b=2', 'text/plain;charset=UTF-8'],
    ['bytes', new TextEncoder().encode('{"x":1}'), '{"x":1}', undefined],
  ])('sends %s as the body, keeping a content type that was given', async (_what, body, sent, type) => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://login.example.com/t', { method: 'POST', body });
    const request = only(net);
    expect(request.body?.toString()).toBe(sent);
    expect(request.options.headers['content-type']).toBe(type);
    request.respond(204).finish();
    await pending;
    const typed = setup();
    const second = typed.fetchOverNet('https://login.example.com/t', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(only(typed.net).options.headers['content-type']).toBe('application/json');
    only(typed.net).respond(204).finish();
    await second;
  });

  it('refuses a body on GET and a body it cannot send, before any request is made', async () => {
    const { net, fetchOverNet } = setup();
    await expect(fetchOverNet('https://a.example/x', { body: 'x' })).rejects.toThrow(
      /GET request cannot have a body/,
    );
    await expect(
      fetchOverNet('https://a.example/x', { method: 'POST', body: new Blob(['x']) }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(net.made).toHaveLength(0);
  });

  it('builds the Response from the IncomingMessage: status, reason, repeated headers, a body streamed in chunks', async () => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://login.example.com/oauth/token', { method: 'POST', body: 'x' });
    const message = only(net).respond(
      400,
      { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-request-id': 'r-1' },
      'Bad Request',
    );
    const response = await pending;
    expect(response.status).toBe(400);
    expect(response.statusText).toBe('Bad Request');
    expect(response.ok).toBe(false);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('x-request-id')).toBe('r-1');
    message.send('{"error":"invalid_');
    message.send('client","error_description":"é"}');
    message.finish();
    expect(await response.json()).toEqual({ error: 'invalid_client', error_description: 'é' });
  });

  it('pauses the message while the reader is behind and resumes it when read', async () => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://a.example/big');
    const message = only(net).respond(200);
    const response = await pending;
    message.send(Buffer.alloc(40 * 1024, 1));
    expect(message.paused).toBe(false);
    message.send(Buffer.alloc(40 * 1024, 2));
    expect(message.paused).toBe(true);
    const reader = response.body!.getReader();
    await reader.read();
    await vi.waitFor(() => expect(message.paused).toBe(false));
    message.finish();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('a 204 has no body; a cancelled body aborts the request', async () => {
    const { net, fetchOverNet } = setup();
    const empty = fetchOverNet('https://a.example/none');
    only(net).respond(204).finish();
    expect((await empty).body).toBeNull();
    const second = setup();
    const pending = second.fetchOverNet('https://a.example/more');
    const request = only(second.net);
    request.respond(200).send('partial');
    await (await pending).body!.cancel();
    expect(request.aborted).toBe(true);
  });

  it('answers a proxy challenge with the provider’s credentials, telling it when they were refused', async () => {
    const seen: ProxyChallenge[] = [];
    const { net, fetchOverNet } = setup(async (challenge) => {
      seen.push(structuredClone(challenge));
      return { username: 'alice', password: `pw-${seen.length}` };
    });
    const pending = fetchOverNet('https://login.example.com/t', { method: 'POST', body: 'x' });
    const request = only(net);
    expect(await request.challenge({ host: 'proxy.corp.example', port: 3128, realm: 'Corp' })).toEqual({
      username: 'alice',
      password: 'pw-1',
    });
    expect(await request.challenge({ host: 'proxy.corp.example', port: 3128, realm: 'Corp' })).toEqual({
      username: 'alice',
      password: 'pw-2',
    });
    expect(seen).toEqual([
      {
        info: { host: 'proxy.corp.example', port: 3128, realm: 'Corp', scheme: 'basic' },
        attempt: 1,
        refused: null,
      },
      {
        info: { host: 'proxy.corp.example', port: 3128, realm: 'Corp', scheme: 'basic' },
        attempt: 2,
        refused: { username: 'alice', password: 'pw-1' },
      },
    ]);
    request.respond(200).finish();
    expect((await pending).status).toBe(200);
  });

  it('cancels a server (401) challenge without asking anyone: the 401 is the answer', async () => {
    const provider = vi.fn(noProxy);
    const { net, fetchOverNet } = setup(provider);
    const pending = fetchOverNet('https://login.example.com/t');
    const request = only(net);
    expect(await request.challenge({ isProxy: false, host: 'login.example.com', port: 443 })).toEqual({});
    expect(provider).not.toHaveBeenCalled();
    request.respond(401, { 'www-authenticate': 'Basic realm="x"' }).finish();
    expect((await pending).status).toBe(401);
  });

  it('a provider’s null cancels the proxy authentication (its 407 is the answer); its error fails the request', async () => {
    const cancelling = setup(async () => null);
    const pending = cancelling.fetchOverNet('https://login.example.com/t');
    const request = only(cancelling.net);
    expect(await request.challenge()).toEqual({});
    request.respond(407).finish();
    expect((await pending).status).toBe(407);

    const refusal = new TokenError(
      'proxy_auth_refused',
      'the proxy proxy.corp.example:3128 refused the credentials',
      'transient',
    );
    const failing = setup(async () => {
      throw refusal;
    });
    const failed = failing.fetchOverNet('https://login.example.com/t');
    const answer = only(failing.net).challenge();
    await expect(failed).rejects.toBe(refusal);
    expect(only(failing.net).aborted).toBe(true);
    // The callback is never called once the request failed: the abort ends it.
    expect(await answer).toEqual({ aborted: true });
  });

  it('refuses a redirect with an error that says so (never following it)', async () => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://login.example.com/t');
    const request = only(net);
    request.redirect(302, 'https://elsewhere.example/t');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedirectRefusedError);
    expect(String(error)).toMatch(/login\.example\.com answered with a redirect \(HTTP 302\)/);
    expect(request.followedRedirect).toBe(false);
    expect(request.aborted).toBe(true);
    // The engine reads it as a redirect (a config error naming the URL), as with session.fetch.
    expect(networkError(error, 'login.example.com', 30_000).code).toBe('redirect');
  });

  it('a net error carries its Chromium name as a code, so TLS failures read as such', async () => {
    const { net, fetchOverNet } = setup();
    const pending = fetchOverNet('https://login.example.com/t');
    only(net).fail('net::ERR_CERT_AUTHORITY_INVALID');
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_CERT_AUTHORITY_INVALID',
      message: 'net::ERR_CERT_AUTHORITY_INVALID',
    });
    expect(networkError(error, 'login.example.com', 30_000).code).toBe('tls');
    const other = setup();
    const refused = other.fetchOverNet('https://login.example.com/t');
    only(other.net).fail('net::ERR_PROXY_CONNECTION_FAILED');
    expect(networkError(await refused.catch((e: unknown) => e), 'login.example.com', 30_000).message).toBe(
      'could not reach login.example.com (ERR_PROXY_CONNECTION_FAILED)',
    );
  });

  it('an abort stops the request: before it is sent, while the headers are awaited, and while the body streams', async () => {
    const { net, fetchOverNet } = setup();
    const early = new AbortController();
    early.abort(new DOMException('stopped', 'AbortError'));
    await expect(fetchOverNet('https://a.example/x', { signal: early.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(net.made).toHaveLength(0);

    const waiting = new AbortController();
    const headers = fetchOverNet('https://a.example/x', { signal: waiting.signal });
    waiting.abort(new DOMException('timed out', 'TimeoutError'));
    await expect(headers).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(net.made[0]!.aborted).toBe(true);

    const streaming = new AbortController();
    const body = fetchOverNet('https://a.example/x', { signal: streaming.signal });
    const message = net.made[1]!.respond(200);
    message.send('part');
    const response = await body;
    streaming.abort(new DOMException('timed out', 'TimeoutError'));
    await expect(response.text()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(net.made[1]!.aborted).toBe(true);
  });

  it('a timeout while the user is still asked for the proxy password says so (not "no answer")', async () => {
    const { net, fetchOverNet } = setup(() => new Promise(() => {}));
    const signal = new AbortController();
    const pending = fetchOverNet('https://a.example/x', { signal: signal.signal });
    void only(net).challenge({ host: 'proxy.corp.example', port: 3128 });
    signal.abort(new DOMException('timed out', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({
      code: 'proxy_auth_pending',
      message:
        'the proxy proxy.corp.example:3128 asks for a user name and password: sign in to it in the Tokentray window',
    });
    expect(only(net).aborted).toBe(true);
  });

  it('through tokenFetch: http(s) only (no request made otherwise), the timeout, redirects refused', async () => {
    const { net, fetchOverNet } = setup();
    const fetchToken = tokenFetch(fetchOverNet, { timeoutMs: 200 });
    await expect(fetchToken('file:///etc/passwd')).rejects.toBeInstanceOf(RefusedSchemeError);
    expect(net.made).toHaveLength(0);
    const started = Date.now();
    await expect(fetchToken('https://hangs.example/t', { method: 'POST', body: 'x' })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(net.made[0]!.aborted).toBe(true);
    const redirected = fetchToken('https://login.example.com/t', { redirect: 'follow' });
    net.made[1]!.redirect(301, 'https://login.example.com/t2');
    await expect(redirected).rejects.toBeInstanceOf(RedirectRefusedError);
  });
});

/**
 * The adapter over real sockets: the whole-app stand-in's net.request (Node's http, a named fake,
 * not Chromium: no proxy, no 'login') against a loopback server. What it shows is the adapter's
 * side with a real byte stream: the request sent as built, a chunked body streamed, redirects and
 * timeouts ending the request.
 */
describe('token fetch over the stand-in net.request, against a loopback server', () => {
  let server: Server;
  let base: string;
  const received: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/hang') return;
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/token' }).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        // Chunked, in pieces: the body streams.
        res.write('{"access_token":"');
        setTimeout(() => res.end('at-1","token_type":"Bearer"}'), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const fetchToken = (timeoutMs = 5_000) =>
    tokenFetch(
      createNetFetch({
        request: standinNetRequest,
        session: FAKE_SESSION,
        proxyCredentials: async () => null,
      }),
      { timeoutMs },
    );

  it('sends the method, headers and form body, and streams the answer into a Response', async () => {
    const response = await fetchToken()(`${base}/token`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ access_token: 'at-1', token_type: 'Bearer' });
    expect(received.at(-1)).toMatchObject({
      method: 'POST',
      url: '/token',
      body: 'grant_type=client_credentials',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
    });
    expect(received.at(-1)?.headers.cookie).toBeUndefined();
  });

  it('refuses a redirect, and a request the server never answers ends at the timeout', async () => {
    await expect(fetchToken()(`${base}/redirect`)).rejects.toBeInstanceOf(RedirectRefusedError);
    const started = Date.now();
    await expect(fetchToken(300)(`${base}/hang`)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
