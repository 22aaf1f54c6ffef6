/** Settings, the weak-storage banner, CLI access, and live updates pushed by the app. */
import { AxeBuilder } from '@axe-core/playwright';
import { describe, expect, it } from 'vitest';
import { createRequestHandlers } from '../../main/app/handlers.js';
import type { CliInstallResult, RequestHandlers } from '../../preload/contract.js';
import { pastedJwt } from './fixtures.js';
import { openWindow, type WindowUnderTest } from './harness.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();

const pasted = (name: string, seconds = 3600) => ({ name, preset: 'static', token: pastedJwt(seconds) });

describe('settings', () => {
  it('saves the clipboard delay, the default warning lead and start at login; copies then clear after the new delay', async () => {
    const win = await openWindow(suite, {
      seed: (engine) => engine.saveAccount(pasted('alpha')).then(() => {}),
    });
    const { ui, page, settings, clipboard } = win;
    const dialog = await ui.openSettings();
    expect(await dialog.getByLabel('Clear copied tokens from the clipboard after').inputValue()).toBe('30');
    expect(await dialog.getByLabel('Warn before a token expires').inputValue()).toBe('10');
    await dialog.getByLabel('Clear copied tokens from the clipboard after').fill('12');
    await dialog.getByLabel('Warn before a token expires').fill('15');
    await dialog.getByRole('checkbox', { name: 'Start Tokentray when I log in' }).check();
    await dialog.getByLabel('Warn before a token expires').press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    expect(settings.current).toMatchObject({
      clipboardClearSeconds: 12,
      defaultNotifyBeforeSeconds: 900,
      startAtLogin: true,
      persistWeakSecrets: false,
    });

    await ui.select('alpha');
    await ui.copy('token');
    await expect.poll(() => clipboard.copies.at(-1)?.clearAfterSeconds).toBe(12);
    await expect.poll(() => page.locator('.toasts').textContent()).toContain('clears in 12 s');
  });

  it('refuses a delay that is not a whole number, and Cancel changes nothing', async () => {
    const win = await openWindow(suite);
    const { ui, settings } = win;
    const dialog = await ui.openSettings();
    await dialog.getByLabel('Clear copied tokens from the clipboard after').fill('soon');
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Under the field it concerns, which is marked invalid and keeps the focus.
    const field = dialog.getByLabel('Clear copied tokens from the clipboard after');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const described = (await field.getAttribute('aria-describedby')) ?? '';
    const errorId = described.split(' ').find((id) => id.endsWith('-error')) ?? '';
    expect(await dialog.locator(`#${errorId}`).textContent()).toContain('whole number of seconds');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(settings.current.clipboardClearSeconds).toBe(30);
  });
});

/**
 * The window's handlers, with `installCliCommand` from the real handlers given `installCli` as their
 * port (the harness gives them none, as a build without the installer would).
 */
function withInstaller(win: WindowUnderTest, installCli: () => Promise<CliInstallResult>): RequestHandlers {
  const { installCliCommand } = createRequestHandlers({
    engine: win.engine,
    clipboard: win.clipboard,
    settings: win.settings,
    saveExport: async () => null,
    appInfo: () => {
      throw new Error('not asked');
    },
    pausedChanged: () => undefined,
    quit: () => undefined,
    installCli,
  });
  return { ...win.handlers, installCliCommand };
}

describe('Install command-line tool', () => {
  it('shows what the installer did, on its lines, and waits for it with the button disabled', async () => {
    const win = await openWindow(suite, { open: false });
    let finish: (result: CliInstallResult) => void = () => undefined;
    const calls: number[] = [];
    // A fake installer: answers when the test says, with macOS's "run this sudo command" answer.
    const fakeInstall = () =>
      new Promise<CliInstallResult>((resolve) => {
        calls.push(Date.now());
        finish = resolve;
      });
    win.bridge.dispose();
    const bridge = suite.host().attach(withInstaller(win, fakeInstall), win.engine);
    try {
      await win.ui.open(suite.url());
      const dialog = await win.ui.openSettings();
      const button = dialog.getByRole('button', { name: 'Install command-line tool' });
      const result = dialog.getByTestId('cli-install-result');
      expect(await result.getAttribute('role')).toBe('status');
      expect(await result.textContent()).toBe('');
      await button.click();
      await expect.poll(() => button.isDisabled()).toBe(true);
      expect(await result.textContent()).toBe('Installing…');
      const message =
        '/usr/local/bin is not writable by you, and Tokentray does not ask for administrator rights. ' +
        'To install the command, run this in Terminal (sudo asks for your password):\n\n' +
        'sudo ln -s /Applications/Tokentray.app/Contents/Resources/bin/tokentray /usr/local/bin/tokentray';
      finish({ ok: false, message });
      await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
      expect(await result.textContent()).toBe(message);
      expect(await result.getAttribute('class')).toBe('error-text');
      // The command stands on a line of its own, as the user copies it.
      expect(await result.innerText()).toContain('\nsudo ln -s /Applications/');
      expect(await button.isDisabled()).toBe(false);
      const axe = await new AxeBuilder({ page: win.page }).include('dialog').analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(calls).toHaveLength(1);
      expect(bridge.calls.filter((call) => call.method === 'installCliCommand')).toHaveLength(1);

      // Again, succeeding this time; the dialog's Cancel still changes no setting.
      await button.click();
      finish({ ok: true, message: 'Linked /usr/local/bin/tokentray to the app.' });
      await expect.poll(() => result.getAttribute('data-ok')).toBe('true');
      expect(await result.textContent()).toBe('Linked /usr/local/bin/tokentray to the app.');
      expect(await result.getAttribute('class')).toBe('help');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(win.settings.current.startAtLogin).toBe(false);
    } finally {
      bridge.dispose();
    }
  });

  it('says so when this build has no installer (the handlers without the port)', async () => {
    const win = await openWindow(suite);
    const dialog = await win.ui.openSettings();
    await dialog.getByRole('button', { name: 'Install command-line tool' }).click();
    const result = dialog.getByTestId('cli-install-result');
    await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
    expect(await result.textContent()).toBe('This build of Tokentray cannot install the command-line tool.');
  });

  it('an installer that throws is told as a failure, not a broken dialog', async () => {
    const win = await openWindow(suite, { open: false });
    win.bridge.dispose();
    const bridge = suite.host().attach(
      withInstaller(win, async () => {
        throw new Error('EACCES: permission denied');
      }),
      win.engine,
    );
    try {
      await win.ui.open(suite.url());
      const dialog = await win.ui.openSettings();
      await dialog.getByRole('button', { name: 'Install command-line tool' }).click();
      const result = dialog.getByTestId('cli-install-result');
      await expect.poll(() => result.getAttribute('data-ok')).toBe('false');
      expect(await result.textContent()).toBe(
        'Could not install the command-line tool: EACCES: permission denied',
      );
    } finally {
      bridge.dispose();
    }
  });
});

describe('weak secret storage', () => {
  it('warns with a banner, and storing secrets anyway needs an explicit click that sets persistWeakSecrets', async () => {
    const win = await openWindow(suite, { storageProtection: 'weak' });
    const { ui, settings } = win;
    await ui.weakStorageBanner.waitFor();
    expect(await ui.weakStorageBanner.textContent()).toContain('basic_text');
    expect(await ui.weakStorageBanner.textContent()).toContain('in memory only');
    expect(settings.current.persistWeakSecrets).toBe(false);
    await ui.weakStorageBanner.getByRole('button', { name: 'Store secrets anyway' }).click();
    await expect.poll(() => settings.current.persistWeakSecrets).toBe(true);
    await expect.poll(() => ui.weakStorageBanner.textContent()).toContain('You chose to store them anyway');
    await ui.weakStorageBanner.getByRole('button', { name: 'Keep secrets in memory only' }).click();
    await expect.poll(() => settings.current.persistWeakSecrets).toBe(false);
  });

  it('shows no banner when secrets are encrypted', async () => {
    const win = await openWindow(suite, { storageProtection: 'os' });
    const dialog = await win.ui.openSettings();
    expect(await dialog.getByTestId('storage-protection').textContent()).toContain('operating system');
    expect(await win.ui.weakStorageBanner.count()).toBe(0);
  });
});

describe('CLI access', () => {
  it('shows the exact command and turns access on and off in the engine', async () => {
    const win = await openWindow(suite, {
      seed: (engine) => engine.saveAccount(pasted('acme-eu')).then(() => {}),
    });
    const { ui, engine } = win;
    await ui.select('acme-eu');
    expect(await ui.cliCommand.textContent()).toBe('tokentray token acme-eu');
    expect(await ui.cliSwitch.isChecked()).toBe(false);
    await ui.cliSwitch.check();
    await expect.poll(() => engine.view('acme-eu')?.cliAccess).toBe(true);
    await expect.poll(() => ui.cliSwitch.isChecked()).toBe(true);
    await ui.cliSwitch.uncheck();
    await expect.poll(() => engine.view('acme-eu')?.cliAccess).toBe(false);
  });
});

describe('live updates', () => {
  it('shows accounts added, changed and removed by someone else (CLI, tray) without a reload', async () => {
    const win = await openWindow(suite);
    const { ui, engine } = win;
    await expect.poll(() => ui.count.textContent()).toBe('0 accounts');
    await engine.importAccounts({ accounts: [pasted('from-cli'), pasted('soon', 120)] });
    await engine.refresh('soon');
    await expect.poll(() => ui.count.textContent()).toBe('2 accounts');
    await expect.poll(() => ui.renderedNames()).toEqual(['soon', 'from-cli']);
    await expect.poll(() => ui.row('soon').textContent()).toContain('Expiring');
    await engine.removeAccount('soon');
    await expect.poll(() => ui.renderedNames()).toEqual(['from-cli']);
  });

  it('opens the account the tray asks to focus', async () => {
    const win = await openWindow(suite, {
      seed: async (engine) => {
        for (const name of ['alpha', 'bravo']) await engine.saveAccount(pasted(name));
      },
    });
    const { ui, bridge } = win;
    await ui.filter('alpha');
    await bridge.push('focusAccount', 'bravo');
    await expect.poll(() => ui.detailsTitle.textContent()).toBe('bravo');
    expect(await ui.page.getByLabel('Filter accounts by name').inputValue()).toBe('');
    await expect.poll(() => ui.list.getAttribute('aria-activedescendant')).toBe('account-bravo');
  });

  it('removes an account after confirmation, with Cancel as the default button', async () => {
    const win = await openWindow(suite, {
      seed: (engine) => engine.saveAccount(pasted('doomed')).then(() => {}),
    });
    const { ui, page, engine } = win;
    await ui.select('doomed');
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    const dialog = ui.dialog('Remove doomed?');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Cancel');
    await dialog.getByRole('button', { name: 'Remove account' }).click();
    await expect.poll(() => engine.list().length).toBe(0);
    await expect.poll(() => ui.count.textContent()).toBe('0 accounts');
  });
});
