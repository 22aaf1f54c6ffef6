/**
 * The desktop app as one program: the built bundles (main, preload, renderer) run under Electron
 * 45's Node with the Electron stand-in (a named fake, test/app/standin/), the window in real
 * Chromium, against real token servers on loopback. One user's journey, in order: first start,
 * add an account in the window, the tray, the clipboard, a notification, the CLI through the
 * app's socket, Quit, and a second start on the same profile.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccountWindow } from '../ui/account-window.js';
import { cleanEnv, ensureBuilt, runCli } from '../integration/cli-harness.js';
import { MPS_MONITOR_DEFAULTS, startMpsMonitorPeer, type MpsMonitorPeerHandle } from '../peers/index.js';
import { pastedJwt } from '../ui/fixtures.js';
import {
  electronNode,
  launchApp,
  makeProfile,
  removeProfile,
  writeInProfile,
  type Profile,
  type RunningApp,
} from './app-harness.js';
import type { StandinEvent } from './standin/protocol.js';

const node = electronNode();
if (!node.ok) console.log(`whole-app tests skipped: ${node.reason}`);

type NotificationEvent = Extract<StandinEvent, { event: 'notification' }>;
const isNotification =
  (text: string) =>
  (e: StandinEvent): e is NotificationEvent =>
    e.event === 'notification' && `${e.title} ${e.body}`.includes(text);

describe.skipIf(!node.ok)('the desktop app, run whole under Electron 45’s Node', () => {
  let peer: MpsMonitorPeerHandle;
  let profile: Profile;
  let app: RunningApp | null = null;
  let exportPath = '';

  const cli = (args: string[]) =>
    runCli(args, { env: cleanEnv({ XDG_RUNTIME_DIR: profile.runtimeDir, HOME: profile.home }) });

  beforeAll(async () => {
    await ensureBuilt();
    peer = await startMpsMonitorPeer();
    profile = await makeProfile();
    exportPath = path.join(profile.root, 'exported-accounts.json');
    // The copied token is cleared after 2 s instead of 45 (what Settings would store).
    await writeInProfile(
      path.join(profile.userData, 'settings.json'),
      JSON.stringify({ clipboardClearSeconds: 2 }),
    );
  }, 60_000);

  afterEach(() => {
    // An error box, or a call real Electron would refuse, fails the test that caused it.
    expect(app?.faults() ?? []).toEqual([]);
  });

  afterAll(async () => {
    await app?.stop();
    await peer?.close();
    if (profile) await removeProfile(profile);
  });

  it('first start with no data: the window opens on its own and the tray says there are no accounts', async () => {
    // The one message box this launch meets: "Discard unsaved changes?" at Quit, kept the first time.
    app = await launchApp({ profile, saveDialogPath: exportPath, messageBoxResponses: [1] });
    const ui = new AccountWindow(await app.window());
    await expect.poll(() => ui.count.textContent()).toMatch(/^(0 accounts|no accounts)/i);
    const tray = await app.tray();
    expect(tray.exists).toBe(true);
    expect(path.basename(tray.image ?? '')).toMatch(/^tray-.*\.png$/);
    expect(await app.menuLabels()).toContain('No accounts yet');
  }, 90_000);

  it('adds an account through the window: it gets a token, renews with the rotated refresh token, and shows in the tray', async () => {
    const ui = new AccountWindow(await app!.window());
    await ui.startAdd();
    await ui.choosePreset('MPS Monitor');
    await ui.fill({
      name: 'acme',
      baseUrl: peer.baseUrl,
      clientId: MPS_MONITOR_DEFAULTS.clientId,
      clientSecret: MPS_MONITOR_DEFAULTS.clientSecret,
      username: MPS_MONITOR_DEFAULTS.username,
      password: MPS_MONITOR_DEFAULTS.password,
    });
    await ui.save();
    await ui.detailsTitle.filter({ hasText: 'acme' }).waitFor();
    await ui.waitForState('Valid');
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password']);

    await ui.renew();
    await expect
      .poll(() => peer.requests.map((r) => r.form?.grant_type))
      .toEqual(['password', 'refresh_token']);
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(peer.issued.refreshTokens[0]);
    await ui.waitForState('Valid');

    // Scripts may use it: the CLI access switch in the details.
    await ui.page.getByRole('switch', { name: 'CLI access' }).check();
    await expect.poll(() => ui.page.getByRole('switch', { name: 'CLI access' }).isChecked()).toBe(true);

    await expect.poll(() => app!.menuLabels()).toContainEqual(expect.stringMatching(/^acme — /));
    expect(await app!.menuLabels()).not.toContain('No accounts yet');
  }, 60_000);

  it("the tray's Copy token puts the current token on the clipboard, marked concealed, and clears it after the delay", async () => {
    await app!.clickTray('acme', 'Copy token');
    const current = peer.issued.accessTokens.at(-1);
    await expect.poll(async () => (await app!.clipboard()).text).toBe(current);
    const copied = await app!.clipboard();
    // KDE's clipboard history skips an entry with this hint (the Linux concealed marker).
    expect(copied.markers['electron application/osclipboard;format="x-kde-passwordManagerHint"']).toBe(
      'secret',
    );
    await app!.waitForEvent(
      (e): e is Extract<StandinEvent, { event: 'clipboardCleared' }> => e.event === 'clipboardCleared',
      10_000,
    );
    expect((await app!.clipboard()).text).toBe('');
  }, 30_000);

  it('a token near expiry that cannot be renewed raises a notification; clicking it opens that account', async () => {
    const ui = new AccountWindow(await app!.window());
    // A pasted token that lapses in 5 minutes: inside the default 10-minute warning, and no way to renew it.
    await ui.startAdd();
    await ui.choosePreset('Pasted token');
    const jwt = pastedJwt(300);
    await ui.fill({ name: 'pasted', token: jwt });
    await ui.save();
    await ui.detailsTitle.filter({ hasText: 'pasted' }).waitFor();
    const notice = await app!.waitForEvent(isNotification('pasted'), 20_000);
    expect(`${notice.title} ${notice.body}`).not.toContain(jwt);

    // The user looks at another account, then clicks the notification.
    await ui.select('acme');
    await app!.command({ op: 'notificationClick', index: notice.index });
    await ui.detailsTitle.filter({ hasText: 'pasted' }).waitFor({ timeout: 10_000 });
    expect((await app!.windows()).filter((w) => w.visible)).toHaveLength(1);
  }, 60_000);

  it('`tokentray token acme` gets the token from the tray app’s own socket', async () => {
    const result = await cli(['token', 'acme']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(peer.issued.accessTokens.at(-1));
  }, 30_000);

  it('Export opens its save dialog as a sheet of the account window and writes an owner-only file', async () => {
    const ui = new AccountWindow(await app!.window());
    await ui.exportAccounts(false);
    const shown = await app!.waitForEvent(
      (e): e is Extract<StandinEvent, { event: 'saveDialog' }> => e.event === 'saveDialog',
    );
    const [window] = await app!.windows();
    expect(shown.parentWindowId).toBe(window?.id);
    expect(statSync(exportPath).mode & 0o777).toBe(0o600);
    const exported = JSON.parse(readFileSync(exportPath, 'utf8')) as { accounts: { name: string }[] };
    expect(exported.accounts.map((a) => a.name).sort()).toEqual(['acme', 'pasted']);
  }, 30_000);

  it('Quit with unsaved changes in the form asks first: Keep editing keeps the app and what was typed', async () => {
    const ui = new AccountWindow(await app!.window());
    // The Export dialog of the test before says where it saved: closed first.
    await ui.page.keyboard.press('Escape');
    await expect.poll(() => ui.page.getByRole('dialog').count()).toBe(0);
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    await ui.fill({ name: 'half-typed', username: 'api-user' });
    await app!.clickTray('Quit Tokentray');
    const asked = await app!.waitForEvent(
      (e): e is Extract<StandinEvent, { event: 'messageBox' }> => e.event === 'messageBox',
      10_000,
    );
    expect(asked).toMatchObject({
      message: 'Discard unsaved changes?',
      buttons: ['Discard changes', 'Keep editing'],
      response: 1,
    });
    expect(asked.parentWindowId).not.toBeNull();
    // Still running, still serving: the engine was not stopped behind the kept window.
    expect((await cli(['token', 'acme'])).code).toBe(0);
    expect(await ui.input('username').inputValue()).toBe('api-user');
    expect(app!.child.exitCode).toBeNull();
  }, 30_000);

  it('Quit in the tray ends the process with 0 within 10 s; the store is flushed, with no secret in clear', async () => {
    const started = Date.now();
    // The form still holds what was typed: this time the question is answered Discard changes.
    await app!.clickTray('Quit Tokentray');
    const status = await app!.exited;
    expect(status).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    const asked = app!.events.flatMap((e) => (e.event === 'messageBox' ? [e.response] : []));
    expect(asked).toEqual([1, 0]);
    const store = readFileSync(path.join(profile.userData, 'accounts.json'), 'utf8');
    expect(Object.keys((JSON.parse(store) as { accounts: object }).accounts).sort()).toEqual([
      'acme',
      'pasted',
    ]);
    for (const secret of [
      MPS_MONITOR_DEFAULTS.password,
      MPS_MONITOR_DEFAULTS.clientSecret,
      ...peer.issued.accessTokens,
      ...peer.issued.refreshTokens,
    ]) {
      expect(store).not.toContain(secret);
    }
    // Nor in the app's log.
    const log = readFileSync(path.join(profile.userData, 'logs', 'main.log'), 'utf8');
    expect(log).toContain('Tokentray started');
    for (const secret of [
      MPS_MONITOR_DEFAULTS.password,
      MPS_MONITOR_DEFAULTS.clientSecret,
      ...peer.issued.accessTokens,
      ...peer.issued.refreshTokens,
    ]) {
      expect(log).not.toContain(secret);
    }
    await app!.stop();
  }, 30_000);

  it('started again on the same profile (a keyring backend), the accounts and their token are there without a new sign-in', async () => {
    const requestsBefore = peer.requests.length;
    app = await launchApp({ profile });
    await expect
      .poll(() => app!.menuLabels(), { timeout: 15_000 })
      .toContainEqual(expect.stringMatching(/^acme — /));
    const result = await cli(['token', 'acme']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(peer.issued.accessTokens.at(-1));
    expect(peer.requests.length).toBe(requestsBefore);
  }, 60_000);
});
