/**
 * End to end through the real Electron app: launch, the window from the app:// origin, adding an
 * account against a local token peer, copying a token, and the notification on failure. Skipped,
 * with the reason printed, where no Electron binary can run (as on machines without the download).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountWindow } from '../ui/account-window.js';
import { OAUTH2_DEFAULTS, startOAuth2ServerPeer, type OAuth2PeerHandle } from '../peers/index.js';
import { captureNotifications, electronBinary, launchApp, type LaunchedApp } from './electron-app.js';

const binary = electronBinary();
if (!binary.ok) console.log(`test/e2e skipped: ${binary.reason}`);

describe.skipIf(!binary.ok)('Tokentray desktop app (Electron)', () => {
  let peer: OAuth2PeerHandle;
  let launched: LaunchedApp | undefined;

  beforeAll(async () => {
    peer = await startOAuth2ServerPeer();
  });
  afterAll(async () => {
    await peer?.close();
  });
  afterEach(async () => {
    await launched?.close();
    launched = undefined;
  });

  const launch = async () => {
    if (!binary.ok) throw new Error(binary.reason);
    launched = await launchApp(binary.path);
    return { ...launched, ui: new AccountWindow(launched.window) };
  };

  it('opens the account window from app://tokentray, isolated, with no Node in the page', async () => {
    const { window } = await launch();
    expect(new URL(window.url()).origin).toBe('app://tokentray');
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
      'undefined',
    );
    const api = await window.evaluate(() =>
      Object.keys((globalThis as unknown as { tokentray: object }).tokentray).sort(),
    );
    expect(api).toContain('listAccounts');
    expect(api).not.toContain('invoke');
  });

  it.skipIf(process.platform !== 'linux')(
    'shows the weak-storage state under the basic password store',
    async () => {
      const { ui } = await launch();
      await ui.weakStorageBanner.waitFor({ timeout: 10_000 });
      expect(await ui.weakStorageBanner.textContent()).toMatch(/keyring/i);
    },
  );

  it('adds an OAuth 2.0 account against a local peer and copies its token from main', async () => {
    const { app, ui } = await launch();
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    await ui.fill({
      name: 'acme',
      tokenUrl: peer.tokenUrl,
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: OAUTH2_DEFAULTS.clientSecret,
    });
    await ui.save();
    await ui.detailsTitle.filter({ hasText: 'acme' }).waitFor();
    await ui.waitForState('Valid');
    await ui.copy('token');
    await expect
      .poll(() => app.evaluate(({ clipboard }) => clipboard.readText()), { timeout: 10_000 })
      .toMatch(/\S{16,}/);
    expect(peer.requests.length).toBeGreaterThan(0);
  });

  it('shows a desktop notification, without the secret, when the token server refuses the credentials', async () => {
    const { app, ui } = await launch();
    const shown = await captureNotifications(app);
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    await ui.fill({
      name: 'broken',
      tokenUrl: peer.tokenUrl,
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: 'definitely-wrong-secret',
    });
    await ui.save();
    await ui.detailsTitle.filter({ hasText: 'broken' }).waitFor();
    await ui.renew();
    await expect
      .poll(shown, { timeout: 15_000 })
      .toEqual(expect.arrayContaining([expect.objectContaining({ title: 'broken: sign-in needed' })]));
    expect(JSON.stringify(await shown())).not.toContain('definitely-wrong-secret');
  });
});
