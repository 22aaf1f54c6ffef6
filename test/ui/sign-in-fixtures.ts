/**
 * Interactive sign-in for the window's tests: an oidc-provider with its sign-in pages, accounts of
 * both interactive grants on it, and the person's browser (a loopback-only Chromium profile per
 * test) that the engine's `openBrowser` and the device code pages are driven in.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AccountInput, Engine, SignInEvent } from '../../main/engine/types.js';
import {
  enterDeviceCode,
  loopbackContext,
  scriptedBrowser,
  type BrowserScript,
} from '../integration/interactive-harness.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/oidc.js';
import type { AccountWindow } from './account-window.js';

export interface SignInPeers {
  /** The interactive oidc-provider for the file. */
  peer(): OidcPeerHandle;
  /** A fresh profile of the person's browser, closed after the test. */
  personsBrowser(): Promise<BrowserContext>;
}

/** Registers a file's hooks: one interactive oidc-provider, and the person's browser profiles each test opens. */
export function signInPeers(browser: () => Browser): SignInPeers {
  let peer: OidcPeerHandle | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    peer = await startOidcPeer({
      clients: [OIDC_PUBLIC_NATIVE_CLIENT],
      interactive: {},
      // oidc-provider sends no interval; RFC 8628's 5 s default would make every test slow.
      deviceAuthorizationPatch: { interval: 1 },
    });
  });
  afterAll(async () => peer?.close());
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  return {
    peer() {
      if (!peer) throw new Error('the sign-in peer is not started');
      return peer;
    },
    async personsBrowser() {
      const context = await loopbackContext(browser());
      contexts.push(context);
      return context;
    },
  };
}

/** A delegated account signed in with a device code. */
export const deviceAccount = (peer: OidcPeerHandle, name = 'graph'): AccountInput => ({
  name,
  preset: 'oauth2',
  grantType: 'device_code',
  issuer: peer.issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  clientAuth: 'none',
  scope: 'openid offline_access',
  label: 'Contoso · delegated Graph',
});

/** An account signed in through the browser (authorization code + PKCE). */
export const browserAccount = (peer: OidcPeerHandle, name = 'portal'): AccountInput => ({
  name,
  preset: 'oauth2',
  grantType: 'authorization_code',
  issuer: peer.issuer,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  clientAuth: 'none',
  scope: 'openid offline_access',
  // oidc-provider issues a refresh token for offline_access only with prompt=consent.
  extraParams: { prompt: 'consent' },
  label: 'Partner portal',
});

/**
 * The engine's system browser: each sign-in's URL opened in a tab of the person's browser, which
 * does what `state.script` says at that moment (approve, cancel at the login page, or nothing).
 */
export function systemBrowser(personsBrowser: () => Promise<BrowserContext>) {
  const state: { script: BrowserScript; runs: ReturnType<typeof scriptedBrowser>[] } = {
    script: { kind: 'idle' },
    runs: [],
  };
  const openBrowser = async (url: string): Promise<void> => {
    const run = scriptedBrowser(await personsBrowser(), state.script);
    state.runs.push(run);
    await run.openBrowser(url);
  };
  return { state, openBrowser };
}

/** Signs `name` in from Node (not through the window), approving its device code in `context`. */
export async function signInFromNode(engine: Engine, name: string, context: BrowserContext): Promise<void> {
  let approval: Promise<string> | undefined;
  await engine.signIn(name, {
    onEvent: (event: SignInEvent) => {
      if (event.stage === 'device-code')
        approval = enterDeviceCode(context, event.verificationUri, event.userCode, {
          kind: 'approve',
          login: 'setup',
        });
    },
  });
  await approval;
}

export { enterDeviceCode };

/**
 * Accounts in each sign-in state, for screenshots and axe: `graph` signed in and then refused (its
 * refresh token was turned down: "Sign-in needed"), `portal` (browser) and `intune` (device code)
 * saved and never signed in.
 */
export async function seedSignInShowcase(
  engine: Engine,
  peer: OidcPeerHandle,
  personsBrowser: () => Promise<BrowserContext>,
): Promise<void> {
  await engine.saveAccount(deviceAccount(peer, 'graph'));
  await signInFromNode(engine, 'graph', await personsBrowser());
  peer.faults.push({
    kind: 'status',
    status: 400,
    body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
  });
  await engine.refresh('graph').catch(() => undefined);
  await engine.saveAccount(browserAccount(peer, 'portal'));
  await engine.saveAccount({ ...deviceAccount(peer, 'intune'), label: 'Fabrikam · Intune (device code)' });
}

export type SignInState =
  | 'sign-in-needed'
  | 'device-code'
  | 'browser-wait'
  | 'sign-in-failed'
  | 'form-sign-in'
  | 'form-device-code'
  | 'form-signed-in';

/**
 * Walks the window through every sign-in state over the showcase accounts, calling `visit` in each
 * (axe, a screenshot). `browser` is the engine's openBrowser port (systemBrowser).
 */
export async function walkSignInStates(opts: {
  ui: AccountWindow;
  peer: OidcPeerHandle;
  browser: ReturnType<typeof systemBrowser>;
  personsBrowser: () => Promise<BrowserContext>;
  visit: (state: SignInState) => Promise<void>;
}): Promise<void> {
  const { ui, peer, browser, visit } = opts;
  const page = ui.page;
  const wait = { timeout: 15_000 };

  await ui.select('graph');
  await ui.waitForState('Sign-in needed');
  await visit('sign-in-needed');

  await ui.signInButton.click();
  await ui.shownUserCode();
  await visit('device-code');
  await ui.cancelSignIn();

  browser.state.script = { kind: 'idle' };
  await ui.select('portal');
  await ui.signInButton.click();
  await ui.browserWait.waitFor(wait);
  await visit('browser-wait');
  await ui.cancelSignIn();

  browser.state.script = { kind: 'cancel' };
  await ui.signInButton.click();
  await ui.errorBox.waitFor(wait);
  await visit('sign-in-failed');

  await ui.startAdd();
  await ui.choosePreset('OAuth 2.0');
  await ui.fill({
    name: 'contoso-graph',
    label: 'Contoso · Microsoft Graph (delegated)',
    issuer: peer.issuer,
    grantType: 'device_code',
    clientAuth: 'none',
    clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
    scope: 'openid offline_access',
  });
  await page.getByTestId('sign-in-hint').waitFor(wait);
  await visit('form-sign-in');

  await ui.form.locator('.form-actions').getByRole('button', { name: 'Sign in…' }).click();
  const code = await ui.shownUserCode();
  await visit('form-device-code');

  await enterDeviceCode(await opts.personsBrowser(), `${peer.issuer}/device`, code, {
    kind: 'approve',
    login: 'dana',
  });
  await ui.testResult.waitFor(wait);
  await visit('form-signed-in');
}
