/**
 * Browser sign-in (main/engine/interactive/authorization-code.ts) against a real oidc-provider,
 * its login and consent pages driven by Playwright in headless Chromium, the redirect coming
 * back to the sign-in's own loopback listener.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { createGuardedFetch } from '../../main/engine/http.js';
import {
  signInWithAuthorizationCode,
  SignInError,
  type AuthorizationCodePorts,
  type AuthorizationCodeProgress,
  type AuthorizationCodeSettings,
  type SignInFetch,
} from '../../main/engine/interactive/index.js';
import { OIDC_INTERACTIVE_GRANTS, OIDC_PUBLIC_NATIVE_CLIENT, type OidcPeerHandle } from '../peers/oidc.js';
import { interactiveSuite, scriptedBrowser } from './interactive-harness.js';

const { peer, context, cleanups } = interactiveSuite();

/** What oidc-provider needs to issue a refresh token: offline_access, asked with prompt=consent. */
const settingsFor = (
  issuer: string,
  more: Partial<AuthorizationCodeSettings> = {},
): AuthorizationCodeSettings => ({
  issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  scope: 'openid offline_access',
  extraParams: { prompt: 'consent' },
  ...more,
});

/** Plain fetch with redirects refused, as the engine's own fetch does. */
const plainFetch: SignInFetch = (url, init) => fetch(url, { ...init, redirect: 'manual' });

type Waiting = Extract<AuthorizationCodeProgress, { stage: 'waiting-for-browser' }>;

function recorder() {
  const events: AuthorizationCodeProgress[] = [];
  let resolveWaiting!: (event: Waiting) => void;
  const waiting = new Promise<Waiting>((resolve) => {
    resolveWaiting = resolve;
  });
  return {
    events,
    waiting,
    onProgress(event: AuthorizationCodeProgress) {
      events.push(event);
      if (event.stage === 'waiting-for-browser') resolveWaiting(event);
    },
  };
}

/** Resolves true once nothing listens on 127.0.0.1:port. */
function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => (socket.destroy(), resolve(false)), 2000);
    socket.once('connect', () => (clearTimeout(timer), socket.destroy(), resolve(false)));
    socket.once('error', () => (clearTimeout(timer), resolve(true)));
  });
}

async function expectSignInError(promise: Promise<unknown>, code: SignInError['code']): Promise<SignInError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignInError);
  const failure = error as SignInError;
  expect(failure.code, failure.message).toBe(code);
  return failure;
}

async function userinfoSubject(handle: OidcPeerHandle, accessToken: string): Promise<unknown> {
  const response = await fetch(`${handle.url}/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
    signal: AbortSignal.timeout(5000),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { sub?: unknown }).sub;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('browser sign-in (authorization_code) against oidc-provider', () => {
  it('signs in with PKCE S256, state and nonce on a loopback port chosen at sign-in, and the tab says so', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const progress = recorder();
    const tokens = await signInWithAuthorizationCode(settingsFor(server.issuer), {
      fetch: plainFetch,
      openBrowser: tab.openBrowser,
      onProgress: progress.onProgress,
    });

    expect(tokens.accessToken).toMatch(/^\S{20,}$/);
    expect(tokens.refreshToken).toMatch(/^\S{20,}$/);
    expect(tokens.tokenType).toBe('bearer');
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid']);
    expect(tokens.answer).not.toHaveProperty('id_token');
    expect(await userinfoSubject(server, tokens.accessToken)).toBe('alice');
    expect((await tab.finished()).heading).toBe('Signed in — you can close this tab');

    const authorization = new URL(tab.url ?? '');
    expect(authorization.origin + authorization.pathname).toBe(server.authorizationUrl);
    const query = authorization.searchParams;
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const redirect = new URL(query.get('redirect_uri') ?? '');
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(redirect.pathname).toBe('/callback');
    expect(Number(redirect.port)).toBeGreaterThan(0);

    const tokenRequest = server.requests.find((r) => r.form?.grant_type === 'authorization_code');
    expect(tokenRequest?.form?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokenRequest?.form?.redirect_uri).toBe(redirect.href);
    expect(tokenRequest?.form).not.toHaveProperty('client_secret');
    expect(tokenRequest?.headers).not.toHaveProperty('authorization');
    expect(progress.events.map((e) => e.stage)).toEqual(['waiting-for-browser', 'exchanging-code']);
    expect(await portIsClosed(Number(redirect.port))).toBe(true);
  });

  it('refuses a redirect carrying another state, and the genuine one still signs in', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const progress = recorder();
    let forged: { status: number; text: string } | undefined;
    const tokens = await signInWithAuthorizationCode(settingsFor(server.issuer), {
      fetch: plainFetch,
      onProgress: progress.onProgress,
      openBrowser: async (url) => {
        const { redirectUri } = await progress.waiting;
        const answer = await fetch(`${redirectUri}?code=forged-code&state=forged-state`, {
          signal: AbortSignal.timeout(5000),
        });
        forged = { status: answer.status, text: await answer.text() };
        await tab.openBrowser(url);
      },
    });
    expect(forged?.status).toBe(400);
    expect(forged?.text).toContain('This sign-in answer was refused');
    expect(forged?.text).not.toContain('forged-code');
    expect(progress.events).toContainEqual({ stage: 'refused-redirect', refused: 1 });
    expect(tokens.refreshToken).toBeTruthy();
    expect((await tab.finished()).heading).toBe('Signed in — you can close this tab');
    // The forged code never reached the token endpoint.
    expect(server.requests.map((r) => r.form?.code)).not.toContain('forged-code');
  });

  it('fails with state_mismatch when only a redirect with another state came within the bound', async () => {
    const server = await peer();
    const progress = recorder();
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        timeoutMs: 1500,
        onProgress: progress.onProgress,
        openBrowser: async () => {
          const { redirectUri } = await progress.waiting;
          await fetch(`${redirectUri}?code=x&state=from-an-older-tab`, { signal: AbortSignal.timeout(5000) });
        },
      }),
      'state_mismatch',
    );
    expect(failure.message).toMatch(/state did not match.*start sign-in again/);
    expect(server.requests).toHaveLength(0);
  });

  it('says access_denied when the user cancels at the server, and the tab names the error', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'cancel' });
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        openBrowser: tab.openBrowser,
      }),
      'access_denied',
    );
    expect(failure.serverError).toBe('access_denied');
    expect(failure.serverMessage).toBe('End-User aborted interaction');
    expect(failure.message).toMatch(/cancelled or refused .* start sign-in again/);
    const { page, heading } = await tab.finished();
    expect(heading).toBe('Sign-in failed');
    expect(await page.locator('main').textContent()).toContain('access_denied: End-User aborted interaction');
    expect(server.requests).toHaveLength(0);
  });

  it('times out after its bound when the browser never comes back, and closes the listener', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'idle' });
    const progress = recorder();
    const started = Date.now();
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        openBrowser: tab.openBrowser,
        timeoutMs: 800,
        onProgress: progress.onProgress,
      }),
      'timeout',
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(failure.message).toContain('did not finish within 800 ms');
    const port = Number(new URL((await progress.waiting).redirectUri).port);
    expect(await portIsClosed(port)).toBe(true);
  });

  it('is refused by the server when the PKCE verifier does not match: code_refused, and the tab says so', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    // The token request leaves with another (well-formed) verifier than the challenge was made from.
    const wrongVerifier: SignInFetch = (url, init) => {
      const body = init.body;
      if (body instanceof URLSearchParams && body.has('code_verifier')) {
        body.set('code_verifier', oauth.generateRandomCodeVerifier());
      }
      return plainFetch(url, init);
    };
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: wrongVerifier,
        openBrowser: tab.openBrowser,
      }),
      'code_refused',
    );
    expect(failure.serverError).toBe('invalid_grant');
    // oidc-provider keeps its reason to itself ("grant request is invalid"); what differed is the verifier.
    const sent = server.requests.find((r) => r.form?.grant_type === 'authorization_code')?.form
      ?.code_verifier;
    const challenge = new URL(tab.url ?? '').searchParams.get('code_challenge');
    expect(await oauth.calculatePKCECodeChallenge(sent ?? '')).not.toBe(challenge);
    expect(failure.message).toMatch(/refused the sign-in code .*start sign-in again/);
    const { page, heading } = await tab.finished();
    expect(heading).toBe('Sign-in failed');
    expect(await page.locator('main').textContent()).toContain('invalid_grant');
  });

  it('checks the ID token’s nonce: one the server put there for another request is refused', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        // The browser reaches the server with another nonce than the one the sign-in made.
        openBrowser: (url) => {
          const changed = new URL(url);
          changed.searchParams.set('nonce', 'a-nonce-from-somewhere-else');
          return tab.openBrowser(changed.href);
        },
      }),
      'invalid_response',
    );
    expect(failure.message).toMatch(/does not carry this sign-in's nonce/);
    expect((await tab.finished()).heading).toBe('Sign-in failed');
  });

  it('refuses an answer naming another issuer (RFC 9207 iss) than the one set', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const failure = await expectSignInError(
      signInWithAuthorizationCode(
        settingsFor('https://login.example.com', {
          authorizationUrl: server.authorizationUrl,
          tokenUrl: server.tokenUrl,
        }),
        { fetch: plainFetch, openBrowser: tab.openBrowser },
      ),
      'issuer_mismatch',
    );
    expect(failure.message).toContain('another issuer than https://login.example.com');
    expect(server.requests).toHaveLength(0);
    expect(server.discoveryRequests).toHaveLength(0);
  });

  it('signs in with authorizationUrl and tokenUrl set by hand, without discovery', async () => {
    const server = await peer();
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'frank' });
    const tokens = await signInWithAuthorizationCode(
      settingsFor(server.issuer, {
        issuer: undefined,
        authorizationUrl: server.authorizationUrl,
        tokenUrl: server.tokenUrl,
      }),
      { fetch: plainFetch, openBrowser: tab.openBrowser },
    );
    expect(server.discoveryRequests).toHaveLength(0);
    expect(await userinfoSubject(server, tokens.accessToken)).toBe('frank');
    expect(tokens.refreshToken).toBeTruthy();
  });

  it('hands over a refresh token that rotates on use (the old one is then refused)', async () => {
    const server = await peer({ interactive: { rotateRefreshTokens: true } });
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const tokens = await signInWithAuthorizationCode(settingsFor(server.issuer), {
      fetch: plainFetch,
      openBrowser: tab.openBrowser,
    });
    const as: oauth.AuthorizationServer = { issuer: server.issuer, token_endpoint: server.tokenUrl };
    const client: oauth.Client = { client_id: OIDC_PUBLIC_NATIVE_CLIENT.client_id };
    const refresh = async (refreshToken: string) =>
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, {
          [oauth.allowInsecureRequests]: true,
        }),
      );

    const first = tokens.refreshToken ?? '';
    const renewed = await refresh(first);
    expect(renewed.access_token).not.toBe(tokens.accessToken);
    expect(renewed.refresh_token).toMatch(/^\S{20,}$/);
    expect(renewed.refresh_token).not.toBe(first);
    const again = await refresh(renewed.refresh_token ?? '');
    expect(again.refresh_token).not.toBe(renewed.refresh_token);
    const reuse = await refresh(first).then(
      () => null,
      (e: unknown) => e,
    );
    expect(reuse).toBeInstanceOf(oauth.ResponseBodyError);
    expect((reuse as oauth.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('runs two sign-ins at once for two accounts on two listeners, each getting its own tokens', async () => {
    const second = { ...OIDC_PUBLIC_NATIVE_CLIENT, client_id: 'fake-native-client-2' };
    const server = await peer({ clients: [OIDC_PUBLIC_NATIVE_CLIENT, second] });
    const aliceTab = scriptedBrowser(await context(), { kind: 'approve', login: 'alice' });
    const bobTab = scriptedBrowser(await context(), { kind: 'approve', login: 'bob' });
    const aliceProgress = recorder();
    const bobProgress = recorder();
    const [alice, bob] = await Promise.all([
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: plainFetch,
        openBrowser: aliceTab.openBrowser,
        onProgress: aliceProgress.onProgress,
      }),
      signInWithAuthorizationCode(settingsFor(server.issuer, { clientId: second.client_id }), {
        fetch: plainFetch,
        openBrowser: bobTab.openBrowser,
        onProgress: bobProgress.onProgress,
      }),
    ]);
    const alicePort = new URL((await aliceProgress.waiting).redirectUri).port;
    const bobPort = new URL((await bobProgress.waiting).redirectUri).port;
    expect(alicePort).not.toBe(bobPort);
    expect(await userinfoSubject(server, alice.accessToken)).toBe('alice');
    expect(await userinfoSubject(server, bob.accessToken)).toBe('bob');
    expect(alice.refreshToken).not.toBe(bob.refreshToken);
    const states = [aliceTab.url, bobTab.url].map((url) => new URL(url ?? '').searchParams.get('state'));
    expect(states[0]).not.toBe(states[1]);
    const exchanges = server.requests.filter((r) => r.form?.grant_type === 'authorization_code');
    expect(
      exchanges.map((r) => [r.form?.client_id, new URL(r.form?.redirect_uri ?? '').port]).sort(),
    ).toEqual(
      [
        [OIDC_PUBLIC_NATIVE_CLIENT.client_id, alicePort],
        [second.client_id, bobPort],
      ].sort(),
    );
    expect(aliceProgress.events.some((e) => e.stage === 'refused-redirect')).toBe(false);
    expect(bobProgress.events.some((e) => e.stage === 'refused-redirect')).toBe(false);
  });

  it('uses a fixed redirectUri for a server that needs an exact match, with a confidential client', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/oauth/done`;
    const confidential = {
      client_id: 'fake-web-client',
      client_secret: 'web secret +/=%:-',
      token_endpoint_auth_method: 'client_secret_post' as const,
      grant_types: OIDC_INTERACTIVE_GRANTS,
      redirect_uris: [redirectUri],
      application_type: 'web' as const,
    };
    const server = await peer({ clients: [confidential] });
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'carol' });
    const tokens = await signInWithAuthorizationCode(
      settingsFor(server.issuer, {
        clientId: confidential.client_id,
        clientSecret: confidential.client_secret,
        clientAuth: 'client_secret_post',
        redirectUri,
      }),
      { fetch: plainFetch, openBrowser: tab.openBrowser },
    );
    expect(await userinfoSubject(server, tokens.accessToken)).toBe('carol');
    expect(new URL(tab.url ?? '').searchParams.get('redirect_uri')).toBe(redirectUri);
    const exchange = server.requests.find((r) => r.form?.grant_type === 'authorization_code');
    expect(exchange?.form?.client_secret).toBe(confidential.client_secret);
    expect(exchange?.form?.code_verifier).toBeTruthy();
  });

  it('works through the engine’s guarded fetch (its TokenErrors become SignInErrors)', async () => {
    const server = await peer();
    const guarded = createGuardedFetch({ fetch, timeoutMs: 5000, now: () => Date.now() });
    const tab = scriptedBrowser(await context(), { kind: 'approve', login: 'dave' });
    const tokens = await signInWithAuthorizationCode(settingsFor(server.issuer), {
      fetch: guarded,
      openBrowser: tab.openBrowser,
    });
    expect(await userinfoSubject(server, tokens.accessToken)).toBe('dave');
    expect(tokens.refreshToken).toBeTruthy();

    const wrongVerifier: SignInFetch = (url, init) => {
      if (init.body instanceof URLSearchParams && init.body.has('code_verifier')) {
        init.body.set('code_verifier', oauth.generateRandomCodeVerifier());
      }
      return guarded(url, init);
    };
    const again = scriptedBrowser(await context(), { kind: 'approve', login: 'dave' });
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), {
        fetch: wrongVerifier,
        openBrowser: again.openBrowser,
      }),
      'code_refused',
    );
    expect(failure.serverError).toBe('invalid_grant');
  });

  it('stops at once, closing the listener, when the sign-in is cancelled in Tokentray', async () => {
    const server = await peer();
    const cancel = new AbortController();
    const progress = recorder();
    const ports: AuthorizationCodePorts = {
      fetch: plainFetch,
      signal: cancel.signal,
      onProgress: progress.onProgress,
      openBrowser: async () => {
        setTimeout(() => cancel.abort(), 50);
      },
    };
    const failure = await expectSignInError(
      signInWithAuthorizationCode(settingsFor(server.issuer), ports),
      'aborted',
    );
    expect(failure.message).toBe('sign-in was cancelled');
    expect(await portIsClosed(Number(new URL((await progress.waiting).redirectUri).port))).toBe(true);
  });

  it('fails before opening any browser on settings that cannot work', async () => {
    const server = await peer();
    let opened = 0;
    const ports: AuthorizationCodePorts = { fetch: plainFetch, openBrowser: async () => void opened++ };
    const cases: [Partial<AuthorizationCodeSettings>, RegExp][] = [
      [{ extraParams: { state: 'mine' } }, /extraParams may not set "state"/],
      [
        { issuer: undefined, authorizationUrl: 'http://login.example.com/auth', tokenUrl: server.tokenUrl },
        /must use https/,
      ],
      [{ redirectUri: 'http://192.168.1.2:8400/cb' }, /must name 127.0.0.1, \[::1\] or localhost/],
      [{ redirectUri: 'https://127.0.0.1:8400/cb' }, /must be an http: URL/],
      [{ clientAuth: 'client_secret_basic' }, /needs a clientSecret/],
    ];
    for (const [change, message] of cases) {
      const failure = await expectSignInError(
        signInWithAuthorizationCode(settingsFor(server.issuer, change), ports),
        'bad_settings',
      );
      expect(failure.message).toMatch(message);
    }
    expect(opened).toBe(0);
  });

  it('says which port is taken when a fixed redirectUri cannot be listened on', async () => {
    const server = await peer();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(() => resolve())));
    const { port } = squatter.address() as AddressInfo;
    const failure = await expectSignInError(
      signInWithAuthorizationCode(
        settingsFor(server.issuer, { redirectUri: `http://127.0.0.1:${port}/cb` }),
        {
          fetch: plainFetch,
          openBrowser: async () => undefined,
        },
      ),
      'listener_failed',
    );
    expect(failure.message).toContain(`port ${port} on 127.0.0.1 is in use`);
  });
});
