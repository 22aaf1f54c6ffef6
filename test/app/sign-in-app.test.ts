/**
 * Interactive sign-in in the whole desktop app (issue #11): the built bundles under Electron 45's
 * Node with the Electron stand-in, the window in real Chromium, against a real oidc-provider. The
 * stand-in's `shell.openExternal` reports the URL; this test opens it in a loopback-only Chromium
 * profile of its own and signs in on the provider's pages, as the person would in their browser.
 * One journey: add an account that signs in through the browser, Sign in… in the window, a refused
 * refresh that the tray and a notification announce, and Sign in… from the tray.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consent, finalHeading, loopbackContext, logIn } from '../integration/interactive-harness.js';
import { ensureBuilt } from '../integration/cli-harness.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/oidc.js';
import { AccountWindow } from '../ui/account-window.js';
import { launchChromium } from '../ui/browser.js';
import {
  electronNode,
  launchApp,
  makeProfile,
  removeProfile,
  type Profile,
  type RunningApp,
} from './app-harness.js';
import type { StandinEvent } from './standin/protocol.js';

const node = electronNode();
if (!node.ok) console.log(`whole-app sign-in tests skipped: ${node.reason}`);

type OpenExternal = Extract<StandinEvent, { event: 'openExternal' }>;
type NotificationEvent = Extract<StandinEvent, { event: 'notification' }>;

describe.skipIf(!node.ok)(
  'interactive sign-in in the desktop app, run whole under Electron 45’s Node',
  () => {
    let peer: OidcPeerHandle;
    let profile: Profile;
    let app: RunningApp | null = null;
    let browser: Browser;

    /** The n-th URL the app sent to the system browser (0-based), once it has. */
    const nthOpened = async (n: number): Promise<string> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const opened = app!.events.filter((e): e is OpenExternal => e.event === 'openExternal');
        if (opened[n]) return opened[n].url;
        if (Date.now() > deadline) throw new Error(`the app opened ${opened.length} URLs, not ${n + 1}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    /** Signs in on the provider's pages in the person's browser. */
    const approveInBrowser = async (url: string, login: string): Promise<string> => {
      const context = await loopbackContext(browser);
      try {
        const page = await context.newPage();
        await page.goto(url);
        await logIn(page, login);
        await consent(page);
        return await finalHeading(page);
      } finally {
        await context.close();
      }
    };

    beforeAll(async () => {
      await ensureBuilt();
      peer = await startOidcPeer({ clients: [OIDC_PUBLIC_NATIVE_CLIENT], interactive: {} });
      profile = await makeProfile();
      browser = await launchChromium();
    }, 60_000);

    afterEach(() => {
      // An error box, or a call real Electron would refuse, fails the test that caused it.
      expect(app?.faults() ?? []).toEqual([]);
    });

    afterAll(async () => {
      await app?.stop();
      await browser?.close();
      await peer?.close();
      if (profile) await removeProfile(profile);
    });

    it('adds an account that signs in through the browser, and Sign in… in the window signs it in', async () => {
      app = await launchApp({ profile });
      const ui = new AccountWindow(await app.window());
      await ui.startAdd();
      await ui.choosePreset('OAuth 2.0');
      await ui.fill({
        name: 'portal',
        issuer: peer.issuer,
        grantType: 'authorization_code',
        clientAuth: 'none',
        clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
        scope: 'openid offline_access',
      });
      // oidc-provider issues a refresh token for offline_access only with prompt=consent.
      await ui.openAdvanced();
      await ui.field('extraParams').getByRole('button', { name: 'Add parameter' }).click();
      await ui.page.getByLabel('Parameter 1 name').fill('prompt');
      await ui.page.getByLabel('Parameter 1 value').fill('consent');
      expect(await ui.form.getByRole('button', { name: 'Test connection' }).count()).toBe(0);
      await ui.save();
      await ui.detailsTitle.filter({ hasText: 'portal' }).waitFor();
      await ui.waitForState('Sign-in needed');
      await expect.poll(() => app!.menuLabels()).toContain('portal — sign-in needed › Sign in…');

      await ui.signInButton.click();
      await ui.browserWait.waitFor();
      const url = await nthOpened(0);
      expect(url.startsWith(`${peer.authorizationUrl}?`)).toBe(true);
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      expect(await approveInBrowser(url, 'alice')).not.toBe('');
      await ui.waitForState('Valid', 15_000);
      await expect
        .poll(() => app!.menuLabels())
        .toContainEqual(expect.stringMatching(/^portal — valid · \d+ min left$/));
      // Signed in: no Sign in… item any more.
      expect((await app!.menuLabels()).filter((l) => l.endsWith('› Sign in…'))).toEqual([]);
    }, 90_000);

    it('a refused refresh: the tray and a notification say sign-in needed, and the tray’s Sign in… signs in again', async () => {
      peer.faults.push({
        kind: 'status',
        status: 400,
        body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
      });
      await app!.clickTray(
        (await app!.menuLabels()).find((l) => l.startsWith('portal — ') && !l.includes(' › '))!,
        'Renew now',
      );
      const notice = await app!.waitForEvent(
        (e): e is NotificationEvent => e.event === 'notification' && e.title === 'portal: sign-in needed',
        15_000,
      );
      expect(notice.body).toMatch(/invalid_grant.*Choose Sign in… to sign in again/);
      await expect.poll(() => app!.menuLabels()).toContain('portal — sign-in needed › Sign in…');

      const ui = new AccountWindow(await app!.window());
      await ui.select('portal');
      await ui.waitForState('Sign-in needed');
      await app!.clickTray('portal — sign-in needed', 'Sign in…');
      // The window shows the sign-in the tray started, with its Cancel.
      await ui.browserWait.waitFor({ timeout: 15_000 });
      const url = await nthOpened(1);
      await approveInBrowser(url, 'alice');
      await ui.waitForState('Valid', 15_000);
      await expect
        .poll(() => app!.menuLabels())
        .toContainEqual(expect.stringMatching(/^portal — valid · \d+ min left$/));
      await app!.waitForEvent(
        (e): e is NotificationEvent => e.event === 'notification' && e.title === 'portal: working again',
        15_000,
      );
    }, 90_000);
  },
);
