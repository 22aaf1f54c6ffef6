/**
 * Fault cases against real loopback peers (checklist C4, C5, C6): transient failures retry,
 * authentication failures wait for the user, invalid_grant falls back once, rotation is persisted,
 * and no error or log line ever carries a secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenError } from '../../main/engine/index.js';
import type { FetchLike } from '../../main/engine/types.js';
import {
  ACRONIS_DEFAULTS,
  MPS_MONITOR_DEFAULTS,
  startAcronisPeer,
  OIDC_DEFAULT_CLIENT,
  startBackupNetPeer,
  MSP360_DEFAULTS,
  OAUTH2_DEFAULTS,
  startMpsMonitorPeer,
  startMsp360Peer,
  startOAuth2ServerPeer,
  type MpsMonitorPeerHandle,
  type OAuth2PeerHandle,
  type OidcPeerHandle,
} from '../peers/index.js';
import {
  Cleanups,
  expectNoSecrets,
  idle,
  mpsAccount,
  requestsThenIdle,
  startHarness,
  type Harness,
} from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** Every engine of a test, and every token its peers issued: checked for leaks after each test. */
const watched: { h: Harness; issued: () => string[] }[] = [];
const WRONG_SECRETS = ['a-wrong-secret', 'a-wrong-password', 'changed-by-an-admin'];
// Registered after the cleanup hook, so it runs before it (afterEach hooks run in reverse).
afterEach(() => {
  for (const { h, issued } of watched) {
    const errors = h.engine.list().flatMap((view) => [view.error]);
    expectNoSecrets([...h.lines, ...errors], [...ALL_DEFAULT_SECRETS, ...WRONG_SECRETS, ...issued()]);
  }
  watched.length = 0;
});

/** Starts a harness whose log lines and errors are checked for secrets after the test. */
async function watchedHarness(issued: () => string[], options: Parameters<typeof startHarness>[1] = {}) {
  const h = await startHarness(cleanups, options);
  watched.push({ h, issued });
  return h;
}

const HOUR = 3_600_000;
const MPS = MPS_MONITOR_DEFAULTS;
const ALL_DEFAULT_SECRETS = [
  MPS.clientSecret,
  MPS.password,
  OAUTH2_DEFAULTS.clientSecret,
  OAUTH2_DEFAULTS.password,
  MSP360_DEFAULTS.password,
];

async function mpsSetup(options: Parameters<typeof startHarness>[1] = {}) {
  const peer = cleanups.add(await startMpsMonitorPeer());
  const h = await watchedHarness(() => [...peer.issued.accessTokens, ...peer.issued.refreshTokens], options);
  return { peer, h, account: mpsAccount(peer) };
}

/** An OAuth 2.0 peer, a watched harness, and an account 'rt' saved with a refresh token got out of band. */
async function refreshTokenSetup(more: Record<string, unknown> = {}) {
  const peer = cleanups.add(await startOAuth2ServerPeer());
  const h = await watchedHarness(() => secretsOf(peer));
  const seed = await passwordGrantOutOfBand(peer);
  await h.engine.saveAccount({
    name: 'rt',
    preset: 'oauth2',
    tokenUrl: peer.tokenUrl,
    grantType: 'refresh_token',
    ...more,
    clientId: OAUTH2_DEFAULTS.clientId,
    clientSecret: OAUTH2_DEFAULTS.clientSecret,
    refreshToken: seed,
  });
  return { peer, h, seed };
}

/** Saves an account whose first renewal should fail, and waits for that failure. */
async function saveAndFail(h: Harness, peer: { requests: unknown[] }, account: Record<string, unknown>) {
  await h.engine.saveAccount(account);
  await requestsThenIdle(h.engine, peer, 1);
  const view = h.engine.view(String(account.name));
  expect(view?.state).toBe('error');
  return view;
}

/** Secrets a test must never find in an error or a log line. */
function secretsOf(peer: MpsMonitorPeerHandle | OAuth2PeerHandle): string[] {
  return [...ALL_DEFAULT_SECRETS, ...peer.issued.accessTokens, ...peer.issued.refreshTokens];
}

describe('transient failures', () => {
  it('honours 429 Retry-After: no new request before it, one renewal after it', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({
      kind: 'status',
      status: 429,
      body: '{"error":"rate_limited","error_description":"Too many requests, slow down."}',
      headers: { 'retry-after': '120' },
    });
    const view = await saveAndFail(h, peer, account);
    expect(view).toMatchObject({ errorCode: 'rate_limited', needsUser: false, renewable: true });
    expect(view?.error).toContain('Too many requests, slow down.');
    expect(Date.parse(view?.nextRefreshAt ?? '') - h.clock.now()).toBeGreaterThanOrEqual(120_000);
    await h.clock.advance(119_000);
    await idle(h.engine);
    expect(peer.requests).toHaveLength(1);
    await h.clock.advance(2000);
    await requestsThenIdle(h.engine, peer, 2);
    expect(h.engine.view('mps')?.state).toBe('valid');
    expect(peer.requests).toHaveLength(2);
  });

  it('retries a 503 after a short backoff and recovers', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({ kind: 'status', status: 503, body: 'Service Unavailable: maintenance window' });
    const view = await saveAndFail(h, peer, account);
    expect(view).toMatchObject({ errorCode: 'server_error', needsUser: false });
    expect(view?.error).toMatch(/503.*maintenance window/);
    const due = Date.parse(view?.nextRefreshAt ?? '') - h.clock.now();
    expect(due).toBeGreaterThanOrEqual(1000);
    expect(due).toBeLessThanOrEqual(5000);
    await h.clock.advance(5000);
    await requestsThenIdle(h.engine, peer, 2);
    expect(h.engine.view('mps')).toMatchObject({ state: 'valid', error: null });
  });

  it('names the content type of an HTML 200 (a captive portal) and retries', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({
      kind: 'status',
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<html><head><title>Portal</title></head><body>Please accept the terms of use</body></html>',
    });
    const view = await saveAndFail(h, peer, account);
    expect(view?.errorCode).toBe('not_json');
    expect(view?.error).toContain('text/html');
    expect(view?.error).toContain('Please accept the terms of use');
    expect(view?.needsUser).toBe(false);
    await expect(h.engine.token('mps')).rejects.toMatchObject({ code: 'not_json' });
  });

  it('refuses a token answer that is JSON but labelled text/html, naming the content type', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({
      kind: 'status',
      status: 200,
      contentType: 'text/html',
      body: '{"access_token":"looks-like-a-token","token_type":"bearer","expires_in":3600}',
    });
    const view = await saveAndFail(h, peer, account);
    expect(view).toMatchObject({ errorCode: 'not_json', needsUser: false });
    expect(view?.error).toContain('text/html instead of application/json');
  });

  it('times out a request that never answers (requestTimeoutMs) as a transient failure', async () => {
    const { peer, h, account } = await mpsSetup({ requestTimeoutMs: 300 });
    peer.faults.push({ kind: 'hang' });
    const started = Date.now();
    const view = await saveAndFail(h, peer, account);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(view).toMatchObject({ errorCode: 'timeout', needsUser: false, renewable: true });
    expect(view?.error).toContain('127.0.0.1');
    await h.clock.advance(5000);
    await requestsThenIdle(h.engine, peer, 2);
    expect(h.engine.view('mps')?.state).toBe('valid');
  });

  it('reports a reset connection as a network failure and retries', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({ kind: 'reset' });
    const view = await saveAndFail(h, peer, account);
    expect(view?.errorCode).toBe('network');
    expect(view?.error).toMatch(/reset|closed|127\.0\.0\.1/);
    await h.clock.advance(5000);
    await requestsThenIdle(h.engine, peer, 2);
    expect(h.engine.view('mps')?.state).toBe('valid');
  });
});

describe('authentication failures wait for the user', () => {
  it('stops on invalid_client from a real OAuth server: error, needsUser, no request for hours', async () => {
    const peer = cleanups.add(await startOAuth2ServerPeer());
    const h = await watchedHarness(() => secretsOf(peer));
    const view = await saveAndFail(h, peer, {
      name: 'gen',
      preset: 'oauth2',
      tokenUrl: peer.tokenUrl,
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: 'a-wrong-secret',
    });
    expect(view).toMatchObject({
      state: 'error',
      errorCode: 'invalid_client',
      needsUser: true,
      renewable: false,
    });
    expect(view?.nextRefreshAt).toBeNull();
    await h.clock.advance(6 * HOUR);
    await idle(h.engine);
    await expect(h.engine.token('gen')).rejects.toMatchObject({ code: 'invalid_client' });
    await h.clock.advance(6 * HOUR);
    expect(peer.requests).toHaveLength(1);
    const restarted = await h.fixture.restart();
    await h.clock.advance(HOUR);
    await idle(restarted);
    expect(peer.requests).toHaveLength(1);
    expect(restarted.view('gen')?.needsUser).toBe(true);
  });

  it("reads the server's words from an Acronis-style error object", async () => {
    const peer = cleanups.add(await startAcronisPeer());
    const h = await watchedHarness(() => peer.issued);
    peer.faults.push({
      kind: 'status',
      status: 401,
      body: '{"error":{"code":"Unauthorized","message":"API client is disabled","domain":"PlatformAccountServer"}}',
    });
    const view = await saveAndFail(h, peer, {
      name: 'acr',
      preset: 'acronis',
      baseUrl: peer.url,
      clientId: ACRONIS_DEFAULTS.clientId,
      clientSecret: ACRONIS_DEFAULTS.clientSecret,
    });
    expect(view).toMatchObject({ errorCode: 'unauthorized', needsUser: true });
    expect(view?.error).toContain('API client is disabled');
  });

  it('stops on an error field in a 200 JSON answer', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({
      kind: 'status',
      status: 200,
      body: '{"error":"invalid_client","error_description":"Client is disabled."}',
    });
    const view = await saveAndFail(h, peer, account);
    expect(view).toMatchObject({ errorCode: 'invalid_client', needsUser: true });
    expect(view?.error).toContain('Client is disabled.');
    await h.clock.advance(3 * HOUR);
    expect(peer.requests).toHaveLength(1);
  });

  it('does not retry a bad MPS Monitor password on its own, and carries the server text', async () => {
    const { peer, h, account } = await mpsSetup();
    const view = await saveAndFail(h, peer, { ...account, password: 'a-wrong-password' });
    expect(view).toMatchObject({ needsUser: true, renewable: false });
    await h.clock.advance(6 * HOUR);
    await expect(h.engine.token('mps')).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof TokenError && error.serverMessage === 'The user name or password is incorrect.',
    );
    expect(peer.requests).toHaveLength(1);
    expectNoSecrets([view?.error, ...h.lines], ['a-wrong-password', MPS.clientSecret]);
  });

  it.each(['invalid_grant', 'denied'] as const)(
    'does not retry a bad MSP360 password (%s answer) on its own',
    async (badCredentials) => {
      const peer = cleanups.add(await startMsp360Peer({ badCredentials }));
      const h = await watchedHarness(() => peer.issued);
      const view = await saveAndFail(h, peer, {
        name: 'msp',
        preset: 'msp360',
        baseUrl: peer.url,
        username: MSP360_DEFAULTS.username,
        password: 'a-wrong-password',
      });
      expect(view?.needsUser).toBe(true);
      expect(view?.error).toMatch(/The user name or password is incorrect\.|Authorization has been denied/);
      await h.clock.advance(6 * HOUR);
      await expect(h.engine.token('msp')).rejects.toBeInstanceOf(TokenError);
      expect(peer.requests).toHaveLength(1);
      expectNoSecrets([view?.error, ...h.lines], ['a-wrong-password']);
    },
  );

  it('redacts a secret that the server echoes back in its error text', async () => {
    const { peer, h, account } = await mpsSetup();
    peer.faults.push({
      kind: 'status',
      status: 400,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `secret ${MPS.clientSecret} is not valid for ${MPS.username} with ${MPS.password}`,
      }),
    });
    const view = await saveAndFail(h, peer, account);
    const error = await h.engine.token('mps').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    const tokenError = error as TokenError;
    expect(tokenError.serverMessage).toContain('is not valid for');
    expectNoSecrets(
      [
        view?.error,
        tokenError.message,
        tokenError.serverMessage,
        ...h.lines,
        ...h.engine.activity('mps').map((a) => a.detail),
      ],
      [MPS.clientSecret, MPS.password],
    );
  });
});

describe('invalid_grant and refresh-token rotation', () => {
  it('falls back once to the stored password when the refresh token is refused', async () => {
    const { peer, h, account } = await mpsSetup();
    await h.engine.saveAccount(account);
    await h.engine.token('mps');
    expect(peer.requests).toHaveLength(1);
    peer.revokeAllRefreshTokens();
    await h.engine.refresh('mps');
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password', 'refresh_token', 'password']);
    expect(h.engine.view('mps')).toMatchObject({ state: 'valid', error: null });
    // The dead refresh token was replaced: the next renewal uses the new one.
    await h.engine.refresh('mps');
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: peer.issued.refreshTokens[1],
    });
    expectNoSecrets(h.lines, secretsOf(peer));
  });

  it('spends no more requests on a refused refresh token when the password fallback fails for now', async () => {
    const { peer, h, account } = await mpsSetup();
    await h.engine.saveAccount(account);
    await h.engine.token('mps');
    peer.revokeAllRefreshTokens();
    // The refresh is refused (revoked), the password fallback meets a 503.
    peer.faults.push({ kind: 'pass' }).push({ kind: 'status', status: 503 });
    const refresh = h.engine.refresh('mps');
    await expect(refresh).rejects.toMatchObject({ code: 'server_error' });
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password', 'refresh_token', 'password']);
    await h.clock.advance(10_000);
    await requestsThenIdle(h.engine, peer, 4);
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual([
      'password',
      'refresh_token',
      'password',
      'password',
    ]);
    expect(h.engine.view('mps')?.state).toBe('valid');
  });

  it('does not loop when the fallback password grant also fails', async () => {
    const { peer, h, account } = await mpsSetup();
    await h.engine.saveAccount(account);
    await h.engine.token('mps');
    peer.revokeAllRefreshTokens();
    peer.config.password = 'changed-by-an-admin';
    await expect(h.engine.refresh('mps')).rejects.toBeInstanceOf(TokenError);
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password', 'refresh_token', 'password']);
    expect(h.engine.view('mps')?.needsUser).toBe(true);
    await h.clock.advance(6 * HOUR);
    await idle(h.engine);
    expect(peer.requests).toHaveLength(3);
  });

  it('needs the user when an oauth2 refresh_token grant is refused and no password is stored', async () => {
    const { peer, h } = await refreshTokenSetup({ clientAuth: 'client_secret_post' });
    await h.engine.token('rt');
    peer.revokeAllRefreshTokens();
    const failure = await h.engine.refresh('rt').catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'invalid_grant' });
    expect((failure as Error).message).toMatch(/no password/);
    expect(h.engine.view('rt')).toMatchObject({ state: 'error', needsUser: true, renewable: false });
    const before = peer.requests.length;
    await h.clock.advance(6 * HOUR);
    await idle(h.engine);
    expect(peer.requests).toHaveLength(before);
    expectNoSecrets([(failure as Error).message, ...h.lines], secretsOf(peer));
  });

  it('persists the rotated refresh token and uses it for the next refresh, also after a restart', async () => {
    const { peer, h, seed } = await refreshTokenSetup();
    await h.engine.token('rt');
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(seed);
    const rotated = peer.issued.refreshTokens.at(-1);
    expect(rotated).not.toBe(seed);
    await h.engine.refresh('rt');
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(rotated);
    const rotatedAgain = peer.issued.refreshTokens.at(-1);
    const restarted = await h.fixture.restart();
    await restarted.refresh('rt');
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(rotatedAgain);
    expect(restarted.view('rt')?.state).toBe('valid');
  });

  it('Test connection with a pasted refresh token, then Save: the account starts from the tested token', async () => {
    const peer = cleanups.add(await startOAuth2ServerPeer());
    const h = await watchedHarness(() => secretsOf(peer));
    const seed = await passwordGrantOutOfBand(peer);
    const form = {
      name: 'rt',
      preset: 'oauth2',
      tokenUrl: peer.tokenUrl,
      grantType: 'refresh_token',
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: OAUTH2_DEFAULTS.clientSecret,
      refreshToken: seed,
    };
    const tested = await h.engine.testConnection(form);
    expect(tested).toMatchObject({ ok: true, hasRefreshToken: true, spentRefreshToken: true });
    const rotated = peer.issued.refreshTokens.at(-1);
    expect(rotated).not.toBe(seed);
    await h.engine.saveAccount(form);
    await idle(h.engine);
    // No request with the spent token: the access token from the test is handed out as is.
    expect(peer.requests.map((r) => r.form?.refresh_token)).toEqual([seed]);
    expect((await h.engine.token('rt')).accessToken).toBe(peer.issued.accessTokens.at(-1));
    await h.engine.refresh('rt');
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(rotated);
    expect(h.engine.view('rt')).toMatchObject({ state: 'valid', error: null });
  });

  it('Test connection never spends the refresh token a saved account holds', async () => {
    const { peer, h } = await refreshTokenSetup();
    await h.engine.token('rt');
    const before = peer.requests.length;
    const tested = await h.engine.testConnection(
      {
        name: 'rt',
        preset: 'oauth2',
        tokenUrl: peer.tokenUrl,
        grantType: 'refresh_token',
        clientId: OAUTH2_DEFAULTS.clientId,
      },
      { originalName: 'rt' },
    );
    expect(tested).toMatchObject({ ok: false, error: { code: 'would_spend_refresh_token' } });
    expect(peer.requests).toHaveLength(before);
    await h.engine.refresh('rt');
    expect(h.engine.view('rt')?.state).toBe('valid');
  });

  it('keeps the old refresh token when the answer omits refresh_token (C4a)', async () => {
    const { peer, h, account } = await mpsSetup();
    await h.engine.saveAccount(account);
    await h.engine.token('mps');
    const first = peer.issued.refreshTokens[0];
    peer.faults.push({
      kind: 'status',
      status: 200,
      body: JSON.stringify({
        access_token: 'access-without-refresh-token',
        token_type: 'bearer',
        expires_in: 1799,
      }),
    });
    await h.engine.refresh('mps');
    expect((await h.engine.token('mps')).accessToken).toBe('access-without-refresh-token');
    const restarted = await h.fixture.restart();
    await restarted.refresh('mps');
    expect(peer.requests.map((r) => r.form?.refresh_token)).toEqual([undefined, first, first]);
    expect(restarted.view('mps')?.state).toBe('valid');
  });

  it('recovers with the password when the stored refresh token was already used (crash after the 200, C4b)', async () => {
    const { peer, h, account } = await mpsSetup();
    await h.engine.saveAccount(account);
    await h.engine.token('mps');
    const stored = peer.issued.refreshTokens[0] ?? '';
    // Another process (or our own before a crash) redeemed the stored token; its answer never reached the store.
    const lost = await fetch(`${peer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: stored,
        client_id: MPS.clientId,
        client_secret: MPS.clientSecret,
      }),
    });
    expect(lost.status).toBe(200);
    const restarted = await h.fixture.restart();
    await restarted.refresh('mps');
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual([
      'password',
      'refresh_token',
      'refresh_token',
      'password',
    ]);
    expect(peer.requests[2]?.form?.refresh_token).toBe(stored);
    expect((await restarted.token('mps')).accessToken).toBe(peer.issued.accessTokens.at(-1));
  });
});

describe('discovery', () => {
  /** Saves a backup.net account against the peer and waits for its discovery to fail. */
  const saveAndFailDiscovery = (h: Harness, peer: OidcPeerHandle) =>
    saveAndFail(
      h,
      { requests: peer.discoveryRequests },
      {
        name: 'bnet',
        preset: 'backup-net',
        issuer: peer.issuer,
        clientId: 'fake-backupnet-client',
        clientSecret: OIDC_DEFAULT_CLIENT.client_secret,
      },
    );

  it('refuses a discovery document whose issuer differs (RFC 8414 mix-up) as a settings problem', async () => {
    const peer = cleanups.add(
      await startBackupNetPeer({ discoveryIssuerOverride: 'https://login.backup.net' }),
    );
    const h = await watchedHarness(() => []);
    const view = await saveAndFailDiscovery(h, peer);
    expect(view).toMatchObject({ errorCode: 'discovery', needsUser: true });
    expect(peer.requests).toHaveLength(0);
  });

  it('refuses a plain-http token endpoint on another host before sending anything to it', async () => {
    const peer = cleanups.add(
      await startBackupNetPeer({
        discoveryPatch: { token_endpoint: 'http://token.example.com/connect/token' },
      }),
    );
    const urls: string[] = [];
    const recordingFetch: FetchLike = (input, init) => {
      urls.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    const h = await watchedHarness(() => [], { fetch: recordingFetch });
    const view = await saveAndFailDiscovery(h, peer);
    expect(view?.errorCode).toBe('insecure_url');
    expect(view?.error).toContain('http://token.example.com/connect/token');
    expect(urls.every((url) => url.startsWith(peer.url))).toBe(true);
    expect(peer.requests).toHaveLength(0);
  });
});

/** Gets a refresh token from the OAuth 2.0 peer with the password grant, outside the engine. */
async function passwordGrantOutOfBand(peer: OAuth2PeerHandle): Promise<string> {
  const response = await fetch(peer.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: OAUTH2_DEFAULTS.username,
      password: OAUTH2_DEFAULTS.password,
      client_id: OAUTH2_DEFAULTS.clientId,
      client_secret: OAUTH2_DEFAULTS.clientSecret,
    }),
  });
  const body = (await response.json()) as { refresh_token: string };
  peer.requests.length = 0;
  return body.refresh_token;
}
