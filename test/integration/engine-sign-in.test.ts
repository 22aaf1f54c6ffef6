/**
 * Interactive-grant accounts in the engine (main/engine/sign-in.ts, Engine.signIn and Test
 * connection) against a real oidc-provider, its pages driven in headless Chromium: sign-in stores
 * the refresh token before the token is handed out, renewals live on it (rotated), a refused
 * refresh turns the account into "sign-in needed" and a new sign-in keeps every other setting.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SignInError } from '../../main/engine/interactive/index.js';
import { createLogger } from '../../main/engine/log.js';
import type { AccountInput, SignInEvent } from '../../main/engine/types.js';
import { Cleanups } from '../fixtures/engine-harness.js';
import { startEngine } from '../helpers/engine.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, type OidcPeerHandle } from '../peers/oidc.js';
import { enterDeviceCode, interactiveSuite, scriptedBrowser } from './interactive-harness.js';

const { peer, context } = interactiveSuite();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const tokenRequests = (server: OidcPeerHandle, grant: string) =>
  server.requests.filter((r) => r.form?.grant_type === grant).length;

const deviceAccount = (server: OidcPeerHandle, name = 'graph'): AccountInput => ({
  name,
  preset: 'oauth2',
  grantType: 'device_code',
  issuer: server.issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  clientAuth: 'none',
  scope: 'openid offline_access',
  label: 'delegated',
  cliAccess: true,
});

const browserAccount = (server: OidcPeerHandle, name = 'portal'): AccountInput => ({
  name,
  preset: 'oauth2',
  grantType: 'authorization_code',
  issuer: server.issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  clientAuth: 'none',
  scope: 'openid offline_access',
  // oidc-provider issues a refresh token for offline_access only with prompt=consent.
  extraParams: { prompt: 'consent' },
});

/** Approves each device code as it is shown, through the provider's own page. */
function approvingDevice(login: string) {
  const events: SignInEvent[] = [];
  const approvals: Promise<string>[] = [];
  return {
    events,
    approvals,
    async browserContext() {
      return context();
    },
    onEventWith(browserContext: Awaited<ReturnType<typeof context>>) {
      return (event: SignInEvent) => {
        events.push(event);
        if (event.stage !== 'device-code') return;
        const approval = enterDeviceCode(browserContext, event.verificationUri, event.userCode, {
          kind: 'approve',
          login,
        });
        // A test that does not look at it must not leave it unhandled when its page closes.
        approval.catch(() => undefined);
        approvals.push(approval);
      };
    },
  };
}

async function storeText(dataDir: string): Promise<string> {
  return readFile(join(dataDir, 'accounts.json'), 'utf8');
}

describe('interactive-grant accounts in the engine', () => {
  it('device code: sign-in needed until signed in; then the token is served and renewed on the rotated refresh token', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    const saved = await engine.saveAccount(deviceAccount(server));
    expect(saved.signIn).toBe('device');
    // The first renewal (no refresh token yet) says what is needed, without a request.
    await expect.poll(() => engine.view('graph')?.errorCode, { timeout: 5000 }).toBe('signin_required');
    const needed = engine.view('graph');
    expect(needed?.signInNeeded).toBe(true);
    expect(needed?.renewable).toBe(false);
    expect(needed?.error).toMatch(/sign-in needed/);
    expect(needed?.error).toContain('tokentray login graph');
    expect(tokenRequests(server, DEVICE_GRANT)).toBe(0);

    const device = approvingDevice('erin');
    const view = await engine.signIn('graph', { onEvent: device.onEventWith(await device.browserContext()) });
    expect(await Promise.all(device.approvals)).toEqual(['Sign-in Success']);
    const shown = device.events.find((e) => e.stage === 'device-code');
    expect(shown).toMatchObject({ verificationUri: `${server.url}/device`, intervalSeconds: 1 });
    expect(view).toMatchObject({ state: 'valid', signInNeeded: false, error: null, renewable: true });

    const first = await engine.token('graph', { purpose: 'cli' });
    expect(first.accessToken).toMatch(/^\S{20,}$/);
    const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${first.accessToken}` } });
    expect(((await me.json()) as { sub?: string }).sub).toBe('erin');
    // Stored encrypted, never as text.
    const stored = await storeText(fixture.dataDir);
    expect(stored).not.toContain(first.accessToken);

    // Renewal uses the refresh token, and the server's rotated one replaces it on disk.
    const before = JSON.parse(stored).accounts.graph.token.refresh;
    expect(before).not.toBeNull();
    await engine.refresh('graph');
    expect(tokenRequests(server, 'refresh_token')).toBe(1);
    const after = JSON.parse(await storeText(fixture.dataDir)).accounts.graph.token.refresh;
    expect(after).not.toEqual(before);
    const second = await engine.token('graph', { purpose: 'cli' });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(engine.activity('graph').map((a) => a.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^device_code grant/),
        expect.stringMatching(/^refresh_token grant/),
      ]),
    );
  });

  it('a refused refresh token makes the account "sign-in needed"; signing in again keeps its other settings', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server));
    const device = approvingDevice('erin');
    const browserContext = await device.browserContext();
    await engine.signIn('graph', { onEvent: device.onEventWith(browserContext) });
    expect(await Promise.all(device.approvals)).toEqual(['Sign-in Success']);
    const settingsBefore = engine.view('graph')?.settings;

    server.faults.push({
      kind: 'status',
      status: 400,
      body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
    });
    await expect(engine.refresh('graph')).rejects.toMatchObject({ code: 'signin_required' });
    const refused = engine.view('graph');
    expect(refused).toMatchObject({ signInNeeded: true, errorCode: 'signin_required', renewable: false });
    expect(refused?.error).toMatch(/sign-in needed/);
    expect(refused?.error).toMatch(/grant request is invalid/);
    // The dead refresh token is gone from the store; the settings are untouched.
    expect(JSON.parse(await storeText(fixture.dataDir)).accounts.graph.token.refresh).toBeNull();
    expect(refused?.settings).toEqual(settingsBefore);

    // A new browser profile: the person signs in at the provider again.
    const again = approvingDevice('erin');
    const view = await engine.signIn('graph', { onEvent: again.onEventWith(await again.browserContext()) });
    expect(await Promise.all(again.approvals)).toEqual(['Sign-in Success']);
    expect(view).toMatchObject({ state: 'valid', signInNeeded: false, errorCode: null });
    expect(view.settings).toEqual(settingsBefore);
    expect(view.label).toBe('delegated');
    expect(view.cliAccess).toBe(true);
  });

  it('browser sign-in: the system browser is sent to the provider, and the account is valid once it comes back', async () => {
    const server = await peer();
    const browser = scriptedBrowser(await context(), { kind: 'approve', login: 'frank' });
    const fixture = cleanups.add(
      await startEngine({ fetch: globalThis.fetch, openBrowser: browser.openBrowser }),
    );
    const { engine } = fixture;
    await engine.saveAccount(browserAccount(server));
    expect(engine.view('portal')?.signIn).toBe('browser');
    const events: SignInEvent[] = [];
    const view = await engine.signIn('portal', { onEvent: (e) => events.push(e) });
    expect((await browser.finished()).heading).toMatch(/Signed in/);
    const waiting = events.find((e) => e.stage === 'waiting-for-browser');
    expect(waiting).toMatchObject({ browserOpened: true });
    expect(waiting?.stage === 'waiting-for-browser' && waiting.redirectUri).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\//,
    );
    expect(browser.url).toContain('code_challenge_method=S256');
    expect(view).toMatchObject({ state: 'valid', signInNeeded: false });
    expect(events.map((e) => e.stage)).toContain('exchanging-code');
  });

  it('with openBrowser false the link is only reported (tokentray login without --browser)', async () => {
    const server = await peer();
    let opened = 0;
    const fixture = cleanups.add(
      await startEngine({ fetch: globalThis.fetch, openBrowser: async () => void opened++ }),
    );
    const { engine } = fixture;
    await engine.saveAccount(browserAccount(server));
    const browserContext = await context();
    let page: Promise<unknown> | undefined;
    const view = await engine.signIn('portal', {
      openBrowser: false,
      onEvent(event) {
        if (event.stage !== 'waiting-for-browser') return;
        expect(event.browserOpened).toBe(false);
        // The person opens the link by hand.
        page = scriptedBrowser(browserContext, { kind: 'approve', login: 'gail' }).openBrowser(
          event.authorizationUrl,
        );
      },
    });
    await page;
    expect(opened).toBe(0);
    expect(view.state).toBe('valid');
  });

  it('Cancel ends the sign-in with aborted and changes nothing', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server));
    const storedBefore = JSON.parse(await storeText(fixture.dataDir)).accounts.graph.token;
    const cancel = new AbortController();
    const failure = await engine
      .signIn('graph', {
        signal: cancel.signal,
        onEvent: (event) => (event.stage === 'device-code' ? cancel.abort() : undefined),
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SignInError);
    expect((failure as SignInError).code).toBe('aborted');
    expect(engine.view('graph')?.signInNeeded).toBe(true);
    expect(JSON.parse(await storeText(fixture.dataDir)).accounts.graph.token).toEqual(storedBefore);
  });

  it('two accounts sign in at once, each with its own code', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server, 'one'));
    await engine.saveAccount(deviceAccount(server, 'two'));
    const first = approvingDevice('ines');
    const second = approvingDevice('jack');
    const [a, b] = await Promise.all([
      engine.signIn('one', { onEvent: first.onEventWith(await first.browserContext()) }),
      engine.signIn('two', { onEvent: second.onEventWith(await second.browserContext()) }),
    ]);
    expect([a.state, b.state]).toEqual(['valid', 'valid']);
    expect(await Promise.all([...first.approvals, ...second.approvals])).toEqual([
      'Sign-in Success',
      'Sign-in Success',
    ]);
    const codes = [first, second].map((d) => d.events.find((e) => e.stage === 'device-code'));
    expect(codes[0]).not.toEqual(codes[1]);
    const subjects = await Promise.all(
      ['one', 'two'].map(async (name) => {
        const { accessToken } = await engine.token(name, { purpose: 'cli' });
        const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
        return ((await me.json()) as { sub?: string }).sub;
      }),
    );
    expect(subjects).toEqual(['ines', 'jack']);
  });

  it('Test connection signs in for real and saves nothing; saving the same form keeps its tokens (no second sign-in)', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    const device = approvingDevice('kim');
    const result = await engine.testConnection(deviceAccount(server), {
      onEvent: device.onEventWith(await device.browserContext()),
    });
    expect(result).toMatchObject({ ok: true, signedIn: true, hasRefreshToken: true });
    expect(await Promise.all(device.approvals)).toEqual(['Sign-in Success']);
    expect(engine.list()).toEqual([]);
    const polls = tokenRequests(server, DEVICE_GRANT);
    const view = await engine.saveAccount(deviceAccount(server));
    expect(view).toMatchObject({ state: 'valid', signInNeeded: false });
    expect(tokenRequests(server, DEVICE_GRANT)).toBe(polls);
    expect(device.events.filter((e) => e.stage === 'device-code')).toHaveLength(1);
  });

  it('a browser sign-in cancelled at once, or replaced by a second one, fails cleanly and says which (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const trap = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', trap);
    try {
      const server = await peer();
      const fixture = cleanups.add(
        await startEngine({ fetch: globalThis.fetch, openBrowser: async () => undefined }),
      );
      const { engine } = fixture;
      await engine.saveAccount(browserAccount(server));
      // Cancelled while discovery is still under way (the listener opens after it).
      const cancel = new AbortController();
      const early = engine.signIn('portal', { signal: cancel.signal });
      cancel.abort();
      await expect(early).rejects.toMatchObject({ code: 'aborted', message: 'sign-in was cancelled' });
      // Two at once (Sign in… clicked twice): the first says it was replaced.
      const second = new AbortController();
      const first = engine.signIn('portal');
      const newer = engine.signIn('portal', { signal: second.signal });
      await expect(first).rejects.toMatchObject({ code: 'aborted', message: /replaced by a newer sign-in/ });
      second.abort();
      await expect(newer).rejects.toMatchObject({ code: 'aborted' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unhandled).toEqual([]);
      expect(engine.view('portal')?.signInNeeded).toBe(true);
    } finally {
      process.off('unhandledRejection', trap);
    }
  });

  it('stopping the engine mid sign-in fails it with stopped, not as the person’s Cancel', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server));
    const failure = await engine
      .signIn('graph', {
        onEvent: (event) => (event.stage === 'device-code' ? void engine.stop() : undefined),
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'stopped', message: /stopping/ });
  });

  it('a server that issues no refresh token: signed in and valid, but said not to renew (hasRefreshToken false)', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount({ ...deviceAccount(server), scope: 'openid' });
    const device = approvingDevice('otto');
    const view = await engine.signIn('graph', { onEvent: device.onEventWith(await device.browserContext()) });
    expect(await Promise.all(device.approvals)).toEqual(['Sign-in Success']);
    expect(view).toMatchObject({ state: 'valid', hasRefreshToken: false, signInNeeded: false });
    expect((await engine.token('graph', { purpose: 'cli' })).accessToken).toMatch(/^\S{20,}$/);
  });

  it('a device code no person could type (a server sending 100 KB of it) is refused, not shown', async () => {
    const server = await peer({ deviceAuthorizationPatch: { user_code: 'A'.repeat(100_000) } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server));
    const events: SignInEvent[] = [];
    await expect(engine.signIn('graph', { onEvent: (e) => events.push(e) })).rejects.toMatchObject({
      code: 'invalid_response',
      message: /user_code no person could type/,
    });
    expect(events).toEqual([]);
  });

  it('a server echoing the client secret in its refusal: the sign-in error and the log carry it redacted, still a SignInError', async () => {
    const secret = 'conf-device-secret+/=%:-value';
    // As an HTTP Basic credential would carry it, Base64 of id:secret.
    const basic = Buffer.from(`conf-device:${secret}`).toString('base64');
    const server = await peer({
      clients: [
        {
          ...OIDC_PUBLIC_NATIVE_CLIENT,
          client_id: 'conf-device',
          client_secret: secret,
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      deviceAuthorizationPatch: { interval: 1 },
    });
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch, log }));
    const { engine } = fixture;
    await engine.saveAccount({
      ...deviceAccount(server),
      clientId: 'conf-device',
      clientSecret: secret,
      clientAuth: 'client_secret_post',
    });
    server.faults.push({
      kind: 'status',
      status: 401,
      body: JSON.stringify({
        error: 'invalid_client',
        error_description: `client secret ${secret} is not valid (credentials ${basic})`,
      }),
    });
    const failure = await engine.signIn('graph').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SignInError);
    const info = failure as SignInError;
    expect(info.code).toBe('token_error');
    expect(info.serverMessage).toContain('[redacted]');
    for (const leaked of [secret, basic]) {
      expect(`${info.message} ${info.serverMessage ?? ''}`).not.toContain(leaked);
      expect(lines.join('\n')).not.toContain(leaked);
    }
    expect(lines.join('\n')).toContain('sign-in failed');
  });

  it('a sign-in whose token has expired on arrival hands nothing out, but keeps the refresh token that came with it', async () => {
    const server = await peer({ deviceAuthorizationPatch: { interval: 1 } });
    const fixture = cleanups.add(await startEngine({ fetch: globalThis.fetch }));
    const { engine } = fixture;
    await engine.saveAccount(deviceAccount(server));
    // The first poll is answered with a token that lives 0 s, and a refresh token.
    server.faults.push({
      kind: 'status',
      status: 200,
      body: JSON.stringify({
        access_token: 'expired-on-arrival-access-token',
        token_type: 'Bearer',
        expires_in: 0,
        refresh_token: 'kept-refresh-token-value',
      }),
    });
    const failure = await engine.signIn('graph').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'expired_on_arrival', message: /refresh token is kept/ });
    // No second sign-in needed: the account renews on the refresh token it kept (saved too).
    expect(engine.view('graph')).toMatchObject({ hasRefreshToken: true, signInNeeded: false });
    expect(JSON.parse(await storeText(fixture.dataDir)).accounts.graph.token.refresh).not.toBeNull();
  });

  it('an account whose grant needs no person is refused with not_interactive', async () => {
    const fixture = cleanups.add(await startEngine());
    const { engine } = fixture;
    engine.setPaused(true);
    await engine.saveAccount({
      name: 'machine',
      preset: 'oauth2',
      tokenUrl: 'https://idp.example.com/token',
      clientId: 'fake-client',
      clientSecret: 'fake-secret-1',
    });
    expect(engine.view('machine')).toMatchObject({ signIn: null, signInNeeded: false });
    await expect(engine.signIn('machine')).rejects.toMatchObject({ code: 'not_interactive' });
  });
});
