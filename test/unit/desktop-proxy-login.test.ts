/**
 * Proxy sign-in (issue #9): the credentials provider, the window prompts, the answer's schema, and
 * the whole path from a proxy's challenge to the engine's error. Chromium's side of each request
 * is played by a fake ClientRequest (test/fakes/net-request-fake.ts): Electron cannot run here.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProxyCredentials, ProxyLoginRequest } from '../../preload/contract.js';
import { describeIssues, requestSchemas } from '../../main/desktop/ipc-schemas.js';
import { createNetFetch, tokenFetch, type ProxyAuthInfo } from '../../main/desktop/net-fetch.js';
import {
  CANCEL_QUIET_MS,
  createProxyCredentialsProvider,
  createProxyLoginPrompts,
  type AskProxyCredentials,
  type ProxyLoginWindow,
} from '../../main/desktop/proxy-login.js';
import { createGuardedFetch } from '../../main/engine/http.js';
import { FAKE_SESSION, FakeAuthProxy, fakeNetRequest } from '../fakes/net-request-fake.js';

const PROXY: ProxyAuthInfo = { host: 'proxy.corp.example', port: 3128, realm: 'Corp proxy', scheme: 'basic' };
const ALICE: ProxyCredentials = { username: 'alice', password: 'Tr0ub4dor&3-proxy' };

/** A fake of the user at the prompt: each ask waits until the test answers it. */
function fakeUser() {
  const asks: { info: ProxyAuthInfo; answer(credentials: ProxyCredentials | null): void }[] = [];
  const ask: AskProxyCredentials = (info) =>
    new Promise((resolve) => asks.push({ info, answer: (credentials) => resolve(credentials) }));
  return { ask, asks };
}

/** The engine's fetch over the net.request adapter, over fake requests, with the real provider. */
function stack(ask: AskProxyCredentials, now: () => number = Date.now) {
  const net = fakeNetRequest();
  const proxyCredentials = createProxyCredentialsProvider({ ask, now });
  const fetch = tokenFetch(
    createNetFetch({ request: net.request, session: FAKE_SESSION, proxyCredentials }),
    {
      timeoutMs: 5_000,
    },
  );
  const guarded = createGuardedFetch({ fetch, timeoutMs: 5_000, now: () => Date.now() });
  const token = () =>
    guarded('https://login.example.com/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
      headers: { accept: 'application/json' },
    });
  return { net, token };
}

const BODY = JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 });

describe('proxy credentials provider', () => {
  it('asks once per proxy per session: a later request behind the same proxy is not asked', async () => {
    const user = fakeUser();
    const { net, token } = stack(user.ask);
    const proxy = new FakeAuthProxy(ALICE);

    const first = token();
    const served = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    expect(user.asks[0]!.info).toEqual(PROXY);
    user.asks[0]!.answer(ALICE);
    await served;
    expect(await (await first).json()).toMatchObject({ access_token: 'at-1' });

    const second = token();
    await proxy.serve(await net.next(), BODY);
    expect((await second).status).toBe(200);
    expect(user.asks).toHaveLength(1);
    expect(proxy.answers).toEqual([ALICE, ALICE]);
  });

  it('concurrent requests behind the same proxy share one prompt', async () => {
    const user = fakeUser();
    const { net, token } = stack(user.ask);
    const proxy = new FakeAuthProxy(ALICE);
    const requests = [token(), token(), token()];
    await vi.waitFor(() => expect(net.made).toHaveLength(3));
    const served = net.made.map((request) => proxy.serve(request, BODY));
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(user.asks).toHaveLength(1);
    user.asks[0]!.answer(ALICE);
    await Promise.all(served);
    for (const response of await Promise.all(requests)) expect(response.status).toBe(200);
    expect(proxy.answers).toEqual([ALICE, ALICE, ALICE]);
  });

  it('asks separately for each proxy (host:port)', async () => {
    const user = fakeUser();
    const provide = createProxyCredentialsProvider({ ask: user.ask });
    const a = provide({ info: PROXY, attempt: 1, refused: null });
    const b = provide({ info: { ...PROXY, port: 8080 }, attempt: 1, refused: null });
    const c = provide({ info: { ...PROXY, host: 'proxy2.corp.example' }, attempt: 1, refused: null });
    await vi.waitFor(() => expect(user.asks).toHaveLength(3));
    user.asks.forEach((ask, i) => ask.answer({ username: `u${i}`, password: `p${i}` }));
    expect(await Promise.all([a, b, c])).toEqual([
      { username: 'u0', password: 'p0' },
      { username: 'u1', password: 'p1' },
      { username: 'u2', password: 'p2' },
    ]);
    expect(await provide({ info: { ...PROXY, port: 8080 }, attempt: 1, refused: null })).toEqual({
      username: 'u1',
      password: 'p1',
    });
    expect(user.asks).toHaveLength(3);
  });

  it('credentials the proxy refuses are forgotten and asked for again once, then the request fails saying so (not 407)', async () => {
    const user = fakeUser();
    const { net, token } = stack(user.ask);
    const proxy = new FakeAuthProxy(ALICE);
    const wrong = { username: 'alice', password: 'typo' };

    const first = token().catch((e: unknown) => e);
    const served = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    user.asks[0]!.answer(wrong);
    await vi.waitFor(() => expect(user.asks).toHaveLength(2));
    expect(user.asks[1]!.info).toEqual(PROXY);
    user.asks[1]!.answer({ ...wrong, password: 'typo again' });
    await served;
    const error = await first;
    expect(error).toMatchObject({
      name: 'TokenError',
      code: 'proxy_auth_refused',
      kind: 'transient',
      message: 'the proxy proxy.corp.example:3128 refused the credentials',
    });
    expect(String(error)).not.toMatch(/407/);
    expect(user.asks).toHaveLength(2);
    // Two answers sent, then the third challenge failed the request (its callback never answered).
    expect(proxy.answers).toEqual([wrong, { ...wrong, password: 'typo again' }]);

    // Forgotten: the next request asks afresh, and the right password goes through.
    const second = token();
    const servedAgain = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(3));
    user.asks[2]!.answer(ALICE);
    await servedAgain;
    expect((await second).status).toBe(200);
  });

  it('remembered credentials the proxy now refuses (password changed) are asked for once', async () => {
    const user = fakeUser();
    const provide = createProxyCredentialsProvider({ ask: user.ask });
    const first = provide({ info: PROXY, attempt: 1, refused: null });
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    user.asks[0]!.answer(ALICE);
    expect(await first).toEqual(ALICE);
    // A later request sends the remembered ones; the proxy refuses them.
    expect(await provide({ info: PROXY, attempt: 1, refused: null })).toEqual(ALICE);
    const again = provide({ info: PROXY, attempt: 2, refused: ALICE });
    await vi.waitFor(() => expect(user.asks).toHaveLength(2));
    const changed = { username: 'alice', password: 'new-password' };
    user.asks[1]!.answer(changed);
    expect(await again).toEqual(changed);
    expect(await provide({ info: PROXY, attempt: 1, refused: null })).toEqual(changed);
    await expect(provide({ info: PROXY, attempt: 3, refused: changed })).rejects.toMatchObject({
      code: 'proxy_auth_refused',
    });
    expect(user.asks).toHaveLength(2);
  });

  it('keeps newer credentials another request brought in while this one was refused', async () => {
    const user = fakeUser();
    const provide = createProxyCredentialsProvider({ ask: user.ask });
    const first = provide({ info: PROXY, attempt: 1, refused: null });
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    user.asks[0]!.answer(ALICE);
    await first;
    const stale = { username: 'alice', password: 'old' };
    expect(await provide({ info: PROXY, attempt: 2, refused: stale })).toEqual(ALICE);
    expect(user.asks).toHaveLength(1);
  });

  it('a cancelled prompt fails with "proxy sign-in was cancelled"; the proxy is not asked again for a while, then is', async () => {
    let now = 1_000_000;
    const user = fakeUser();
    const { net, token } = stack(user.ask, () => now);
    const proxy = new FakeAuthProxy(ALICE);

    const first = token().catch((e: unknown) => e);
    const served = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    user.asks[0]!.answer(null);
    await served;
    expect(await first).toMatchObject({
      code: 'proxy_auth_cancelled',
      kind: 'transient',
      message: 'proxy sign-in was cancelled (proxy proxy.corp.example:3128)',
    });

    now += CANCEL_QUIET_MS - 1;
    const quiet = token().catch((e: unknown) => e);
    await proxy.serve(await net.next(), BODY);
    expect(await quiet).toMatchObject({ message: expect.stringMatching(/^proxy sign-in was cancelled/) });
    expect(user.asks).toHaveLength(1);

    now += 2;
    const later = token();
    const servedLater = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(2));
    user.asks[1]!.answer(ALICE);
    await servedLater;
    expect((await later).status).toBe(200);
  });

  it('a prompt that cannot be shown fails the request saying why', async () => {
    const provide = createProxyCredentialsProvider({
      ask: async () => {
        throw new Error('the window could not open');
      },
    });
    await expect(provide({ info: PROXY, attempt: 1, refused: null })).rejects.toMatchObject({
      code: 'proxy_auth_unavailable',
      message:
        'the proxy proxy.corp.example:3128 asks for a user name and password, and Tokentray could not ask you: the window could not open',
    });
  });

  it('never puts the password in an error', async () => {
    const user = fakeUser();
    const { net, token } = stack(user.ask);
    const proxy = new FakeAuthProxy({ username: 'alice', password: 'right' });
    const pending = token().catch((e: unknown) => e);
    const served = proxy.serve(await net.next(), BODY);
    await vi.waitFor(() => expect(user.asks).toHaveLength(1));
    user.asks[0]!.answer({ username: 'alice', password: 'SECRET-PROXY-PW-1' });
    await vi.waitFor(() => expect(user.asks).toHaveLength(2));
    user.asks[1]!.answer({ username: 'alice', password: 'SECRET-PROXY-PW-2' });
    await served;
    const error = await pending;
    expect(error).toMatchObject({ code: 'proxy_auth_refused' });
    const everything = JSON.stringify({
      error,
      message: String(error),
      stack: (error as Error).stack,
      props: Object.entries(error as object),
    });
    expect(everything).not.toMatch(/SECRET-PROXY-PW/);
  });
});

describe('proxy sign-in prompts in the account window', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fake of the window controller: what was opened and pushed. */
  function fakeWindow() {
    const opened: (string | null)[] = [];
    const pushed: ProxyLoginRequest[] = [];
    const window: ProxyLoginWindow = {
      open: (account) => void opened.push(account),
      push: (_name, payload) => void pushed.push(payload),
    };
    return { window, opened, pushed };
  }

  it('opens the window, pushes the request, and resolves with the answer; an id answers once', async () => {
    const prompts = createProxyLoginPrompts({ newId: () => '00000000-0000-4000-8000-000000000001' });
    const win = fakeWindow();
    prompts.attachWindow(win.window);
    const asked = prompts.ask({ ...PROXY, scheme: 'Basic' });
    const expected = {
      id: '00000000-0000-4000-8000-000000000001',
      host: 'proxy.corp.example',
      port: 3128,
      realm: 'Corp proxy',
      scheme: 'basic',
    };
    expect(win.opened).toEqual([null]);
    expect(win.pushed).toEqual([expected]);
    expect(prompts.pending()).toEqual([expected]);
    expect(prompts.answer('00000000-0000-4000-8000-000000000009', ALICE)).toBe(false);
    expect(prompts.answer(expected.id, ALICE)).toBe(true);
    expect(await asked).toEqual(ALICE);
    expect(prompts.answer(expected.id, null)).toBe(false);
    expect(prompts.pending()).toEqual([]);
  });

  it('closing the window answers every waiting prompt as Cancel, so no request stays held', async () => {
    const prompts = createProxyLoginPrompts();
    prompts.attachWindow(fakeWindow().window);
    const first = prompts.ask(PROXY);
    const second = prompts.ask({ ...PROXY, host: 'other.corp.example' });
    prompts.windowClosed();
    expect(await first).toBeNull();
    expect(await second).toBeNull();
    expect(prompts.pending()).toEqual([]);
  });

  it('a prompt asked before the window exists is shown once it is attached; null answers cancel', async () => {
    const prompts = createProxyLoginPrompts();
    const asked = prompts.ask(PROXY);
    const [request] = prompts.pending();
    const win = fakeWindow();
    prompts.attachWindow(win.window);
    expect(win.opened).toEqual([null]);
    expect(win.pushed).toEqual([request]);
    expect(request!.id).toMatch(/^[0-9a-f-]{36}$/);
    prompts.answer(request!.id, null);
    expect(await asked).toBeNull();
  });

  it('repeats the push while the prompt waits (the window drops pushes until loaded), and stops once answered', async () => {
    vi.useFakeTimers();
    const prompts = createProxyLoginPrompts({ repeatMs: 1_000 });
    const win = fakeWindow();
    prompts.attachWindow(win.window);
    void prompts.ask(PROXY);
    vi.advanceTimersByTime(3_500);
    expect(win.pushed).toHaveLength(4);
    expect(new Set(win.pushed.map((p) => p.id)).size).toBe(1);
    expect(win.opened).toEqual([null]);
    prompts.answer(win.pushed[0]!.id, ALICE);
    vi.advanceTimersByTime(5_000);
    expect(win.pushed).toHaveLength(4);
  });

  it('through the provider: concurrent requests make one prompt, and its answer serves them all', async () => {
    const prompts = createProxyLoginPrompts();
    const win = fakeWindow();
    prompts.attachWindow(win.window);
    const provide = createProxyCredentialsProvider({ ask: prompts.ask });
    const asks = [1, 2, 3].map(() => provide({ info: PROXY, attempt: 1, refused: null }));
    await vi.waitFor(() => expect(win.pushed).toHaveLength(1));
    expect(prompts.pending()).toHaveLength(1);
    prompts.answer(win.pushed[0]!.id, ALICE);
    expect(await Promise.all(asks)).toEqual([ALICE, ALICE, ALICE]);
  });
});

describe('answerProxyLogin payload', () => {
  const schema = requestSchemas.answerProxyLogin;
  const ID = '6f1c1c7e-2b0a-4c43-9a57-4bd1f2a6c0de';

  it('accepts a prompt id with credentials or null', () => {
    expect(schema.safeParse([ID, ALICE]).success).toBe(true);
    expect(schema.safeParse([ID, { username: 'DOMAIN\\alice', password: '' }]).success).toBe(true);
    expect(schema.safeParse([ID, null]).success).toBe(true);
  });

  it.each([
    ['not an id', ['../../etc', ALICE], /id: not a prompt id/],
    [
      'no user name',
      [ID, { username: '', password: 'SECRET-PW' }],
      /credentials\.username: a user name is needed/,
    ],
    ['a control character', [ID, { username: 'ali\r\nce', password: 'SECRET-PW' }], /control characters/],
    ['an extra field', [ID, { ...ALICE, password: 'SECRET-PW', remember: true }], /Unrecognized key/],
    ['a password that is not text', [ID, { username: 'alice', password: 42 }], /credentials\.password/],
    ['a huge password', [ID, { username: 'alice', password: 'SECRET-PW'.repeat(1000) }], /too long/],
  ])('refuses %s, and the message never quotes the password', (_what, args, message) => {
    const parsed = schema.safeParse(args);
    expect(parsed.success).toBe(false);
    const text = describeIssues('answerProxyLogin', parsed.error!.issues);
    expect(text).toMatch(message);
    expect(text).not.toMatch(/SECRET-PW|Tr0ub4dor/);
  });
});
