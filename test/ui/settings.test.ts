/** Settings, the weak-storage banner, CLI access, and live updates pushed by the app. */
import { describe, expect, it } from 'vitest';
import { pastedJwt } from './fixtures.js';
import { openWindow } from './harness.js';
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
