/**
 * An Entra sign-in end to end: the preset's own sign-in settings (interactiveSettingsFor) handed
 * to the interactive sign-in, discovery from the Entra stand-in (its `organizations` document
 * names the `{tenantid}` placeholder issuer) pointing at a real oidc-provider, whose device and
 * login pages are driven in headless Chromium; then the preset's flow renews with the refresh
 * token the sign-in got.
 */
import { expect, it } from 'vitest';
import { createGuardedFetch } from '../../main/engine/http.js';
import {
  signInWithAuthorizationCode,
  signInWithDeviceCode,
  type DeviceCodePrompt,
} from '../../main/engine/interactive/index.js';
import { interactiveSettingsFor } from '../../main/engine/presets/index.js';
import { flowFor } from '../../main/engine/providers/index.js';
import { startEntraPeer, type EntraPeerHandle } from '../peers/entra.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, type OidcPeerHandle } from '../peers/oidc.js';
import { enterDeviceCode, interactiveSuite, scriptedBrowser } from './interactive-harness.js';

const { peer, context, cleanups } = interactiveSuite();

/** The engine's guarded fetch (it drops any id_token, as the engine's sign-in does). */
const guardedFetch = () => createGuardedFetch({ fetch, timeoutMs: 5000, now: () => Date.now() });

/** An Entra stand-in whose discovery sends the endpoints to `oidc`. */
async function entraInFrontOf(oidc: OidcPeerHandle): Promise<EntraPeerHandle> {
  const entra = await startEntraPeer({
    clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
    delegate: {
      tokenUrl: oidc.tokenUrl,
      authorizationUrl: oidc.authorizationUrl,
      deviceAuthorizationUrl: oidc.deviceAuthorizationUrl,
    },
  });
  cleanups.push(() => entra.close());
  return entra;
}

const accountSettings = (entra: EntraPeerHandle, grantType: string) => ({
  preset: 'entra',
  tenant: 'organizations',
  authority: entra.url,
  clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
  grantType,
  // oidc-provider knows openid; the preset adds offline_access.
  scope: 'openid',
});

it('signs an organizations account in with a device code, then renews it with the refresh token', async () => {
  const oidc = await peer({ deviceAuthorizationPatch: { interval: 1 } });
  const entra = await entraInFrontOf(oidc);
  const browserContext = await context();
  const settings = accountSettings(entra, 'device_code');
  const interactive = interactiveSettingsFor('entra', settings);
  expect(interactive?.kind).toBe('device');
  expect(interactive?.client.scope).toBe('openid offline_access');

  let prompt: DeviceCodePrompt | undefined;
  let approval: Promise<string> | undefined;
  const tokens = await signInWithDeviceCode(
    { ...interactive!.endpoints, ...interactive!.client },
    {
      fetch: guardedFetch(),
      onCode: (code) => (prompt = code),
      // Approved once the first poll was answered authorization_pending.
      onProgress(progress) {
        if (progress.stage !== 'polling' || progress.attempt !== 2 || !prompt || approval) return;
        approval = enterDeviceCode(browserContext, prompt.verificationUri, prompt.userCode, {
          kind: 'approve',
          login: 'adele',
        });
      },
    },
  );
  expect(await approval).toBe('Sign-in Success');
  expect(entra.discoveryRequests.map((r) => r.path)).toEqual([
    '/organizations/v2.0/.well-known/openid-configuration',
  ]);
  expect(entra.issuerFor('organizations')).toBe(`${entra.url}/{tenantid}/v2.0`);
  expect(tokens.refreshToken).toMatch(/^\S{20,}$/);
  expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid']);

  // The engine's renewal of the account: the preset's flow, with the refresh token it keeps.
  const renewed = await flowFor('entra').obtain(
    { fetch: guardedFetch(), now: () => Date.now(), discoveryCache: new Map() },
    { settings, secret: async () => undefined, refreshToken: tokens.refreshToken },
  );
  expect(renewed.grant).toBe('refresh_token');
  expect(renewed.accessToken).not.toBe(tokens.accessToken);
  expect(renewed.refreshToken).toMatch(/^\S{20,}$/);
  expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
  const refresh = oidc.requests.at(-1);
  expect(refresh?.form).toMatchObject({
    grant_type: 'refresh_token',
    client_id: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
    scope: 'openid offline_access',
  });
  expect(refresh?.headers.authorization).toBeUndefined();
});

it('signs an organizations account in with the browser, the placeholder issuer leaving iss unchecked', async () => {
  const oidc = await peer();
  const entra = await entraInFrontOf(oidc);
  const browser = scriptedBrowser(await context(), { kind: 'approve', login: 'adele' });
  const interactive = interactiveSettingsFor('entra', accountSettings(entra, 'authorization_code'));
  expect(interactive?.kind).toBe('browser');
  const tokens = await signInWithAuthorizationCode(
    { ...interactive!.endpoints, ...interactive!.client },
    { fetch: guardedFetch(), openBrowser: browser.openBrowser },
  );
  expect(tokens.accessToken).toMatch(/^\S{20,}$/);
  const opened = new URL(browser.url ?? '');
  expect(opened.origin + opened.pathname).toBe(oidc.authorizationUrl);
  expect(opened.searchParams.get('code_challenge_method')).toBe('S256');
  expect(opened.searchParams.get('scope')).toBe('openid offline_access');
  expect(opened.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  expect((await browser.finished()).heading).toMatch(/Signed in/);
});

it('a device code sign-in whose answer carries an ID token (a fetch that keeps it) drops it unread under the placeholder issuer', async () => {
  const oidc = await peer({ deviceAuthorizationPatch: { interval: 1 } });
  const entra = await entraInFrontOf(oidc);
  const browserContext = await context();
  const interactive = interactiveSettingsFor('entra', accountSettings(entra, 'device_code'));
  let prompt: DeviceCodePrompt | undefined;
  let approval: Promise<string> | undefined;
  // Plain fetch: the ID token (issued by oidc-provider's own issuer) reaches the sign-in. Its iss
  // cannot match the {tenantid} placeholder, so checking it would fail the whole sign-in.
  const tokens = await signInWithDeviceCode(
    { ...interactive!.endpoints, ...interactive!.client },
    {
      fetch: (url, init) => fetch(url, { ...init, redirect: 'manual' }),
      onCode: (code) => (prompt = code),
      onProgress(progress) {
        if (progress.stage !== 'polling' || progress.attempt !== 2 || !prompt || approval) return;
        approval = enterDeviceCode(browserContext, prompt.verificationUri, prompt.userCode, {
          kind: 'approve',
          login: 'bruno',
        });
      },
    },
  );
  expect(await approval).toBe('Sign-in Success');
  expect(tokens.accessToken).toMatch(/^\S{20,}$/);
  expect(tokens.answer).not.toHaveProperty('id_token');
});
