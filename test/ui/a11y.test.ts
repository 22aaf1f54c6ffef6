/** Keyboard and screen-reader use: axe finds nothing serious or critical, and every screen works from the keyboard. */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formValuesFor, seedShowcase, until } from './fixtures.js';
import { openWindow, type WindowUnderTest } from './harness.js';
import { seedSignInShowcase, signInPeers, systemBrowser, walkSignInStates } from './sign-in-fixtures.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const peers = filePeers();
const signIn = signInPeers(() => suite.browser());

/** axe's serious and critical findings, as readable lines (empty when clean). */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Every axe finding of any impact, as readable lines (empty when clean): the sign-in states are held to this. */
async function allViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

async function showcase(
  colorScheme: 'light' | 'dark',
  storageProtection: 'passphrase' | 'weak' = 'passphrase',
): Promise<WindowUnderTest> {
  return openWindow(suite, {
    colorScheme,
    storageProtection,
    seed: async (engine) => {
      await seedShowcase(engine, peers);
      await until(() => engine.list().every((v) => v.state !== 'refreshing'), 'renewals to finish');
    },
  });
}

describe.each(['light', 'dark'] as const)('axe in %s', (scheme) => {
  it('finds no serious or critical violation in the list, details, error, form, test result and dialogs', async () => {
    const win = await showcase(scheme, 'weak');
    const { ui, page } = win;
    const found: Record<string, string[]> = {};
    found.overview = await seriousViolations(page);

    await ui.select('acme-eu');
    await ui.activity.waitFor();
    found.details = await seriousViolations(page);

    await ui.select('globex-oauth');
    await ui.accountError.waitFor();
    found.error = await seriousViolations(page);

    await ui.startAdd();
    await ui.save();
    await page.locator('#preset-error').waitFor();
    found.picker = await seriousViolations(page);

    await ui.choosePreset('OAuth 2.0');
    await ui.fill({ name: '-bad', grantType: 'password' });
    await ui.openAdvanced();
    await ui.save();
    await ui.field('clientId').locator('[data-testid="field-error"]').waitFor();
    found.formErrors = await seriousViolations(page);

    await ui.choosePreset('Acronis');
    await ui.fill(formValuesFor(peers, 'acronis-a11y').Acronis!);
    await ui.testConnection();
    found.testResult = await seriousViolations(page);

    await ui.cancel();
    const discard = ui.dialog('Discard this new account?');
    await discard.waitFor();
    found.discard = await seriousViolations(page);
    await discard.getByRole('button', { name: 'Discard changes' }).click();
    await ui.form.waitFor({ state: 'detached' });
    for (const [button, title] of [
      ['Import', 'Import accounts'],
      ['Export', 'Export accounts'],
      ['Settings', 'Settings'],
    ] as const) {
      await page.getByRole('button', { name: button, exact: true }).click();
      await ui.dialog(title).waitFor();
      found[title] = await seriousViolations(page);
      await page.keyboard.press('Escape');
      await ui.dialog(title).waitFor({ state: 'hidden' });
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 120_000);
});

describe.each(['light', 'dark'] as const)('axe on the sign-in states in %s (issue #11)', (scheme) => {
  it('finds no violation at all: sign-in needed, device code, browser wait, failure, the form’s sign-in', async () => {
    const browser = systemBrowser(signIn.personsBrowser);
    const win = await openWindow(suite, {
      colorScheme: scheme,
      openBrowser: browser.openBrowser,
      seed: (engine) => seedSignInShowcase(engine, signIn.peer(), signIn.personsBrowser),
    });
    const found: Record<string, string[]> = {};
    await walkSignInStates({
      ui: win.ui,
      peer: signIn.peer(),
      browser,
      personsBrowser: signIn.personsBrowser,
      visit: async (state) => {
        if (state === 'browser-wait')
          await win.page.getByText('Or copy the address into a browser yourself').click();
        found[state] = await allViolations(win.page);
      },
    });
    expect(Object.keys(found)).toHaveLength(7);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 120_000);
});

describe('keyboard', () => {
  it('adds an account without the mouse: Tab to the picker, arrows choose, Enter saves', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await page.getByRole('button', { name: 'Add account', exact: true }).focus();
    await page.keyboard.press('Enter');
    // The first radio has focus; arrows move through the presets as in any radio group.
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value))
      .toBe('msp360');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value))
      .toBe('acronis');
    const values = formValuesFor(peers, 'keyboard-acronis').Acronis!;
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-name');
    await page.keyboard.type(values.name!);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-baseUrl');
    await page.keyboard.type(values.baseUrl!);
    await page.keyboard.press('Tab');
    await page.keyboard.type(values.clientId!);
    await page.keyboard.press('Tab');
    await page.keyboard.type(values.clientSecret!);
    await page.keyboard.press('Enter');
    await ui.detailsTitle.filter({ hasText: 'keyboard-acronis' }).waitFor();
    await ui.waitForState('Valid');
    // After saving, focus is on the new account's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('details-title');
  });

  it('Escape leaves the form and closes dialogs, returning focus to what opened them', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    await ui.input('name').focus();
    await page.keyboard.press('Escape');
    await ui.form.waitFor({ state: 'detached' });

    const settings = page.getByRole('button', { name: 'Settings', exact: true });
    await settings.focus();
    await page.keyboard.press('Enter');
    await ui.dialog('Settings').waitFor();
    await page.keyboard.press('Escape');
    await ui.dialog('Settings').waitFor({ state: 'hidden' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent?.trim()))
      .toBe('Settings');
  });

  it('keeps the focus on Renew now while it works, and opens dialogs on their first control', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    await ui.fill(formValuesFor(peers, 'focus-acronis').Acronis!);
    await ui.save();
    await ui.waitForState('Valid');
    const renew = page.getByRole('button', { name: 'Renew now' });
    await renew.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => peers.acronis.issued.length).toBeGreaterThan(1);
    await ui.waitForState('Valid');
    expect(await renew.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await ui.dialog('Settings').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('setting-clipboard');
    await page.keyboard.press('Escape');
  });

  it('does not pull the focus back after the user moved it (a late focus timer on a busy page)', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    // Cancel queues "focus the list"; the user reaches Settings before that timer runs.
    const focused = await page.evaluate(async () => {
      const cancel = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Cancel');
      cancel?.click();
      const settings = [...document.querySelectorAll('button')].find(
        (b) => b.textContent?.trim() === 'Settings',
      );
      settings?.focus();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return document.activeElement?.textContent?.trim();
    });
    expect(focused).toBe('Settings');
  });

  it('moves from the filter into the list with the down arrow, and Enter opens the account', async () => {
    const win = await openWindow(suite, {
      seed: async (engine) => {
        for (const name of ['alpha', 'bravo', 'charlie'])
          await engine.saveAccount({ name, preset: 'static', token: `opaque-${name}` });
      },
    });
    const { ui, page } = win;
    await page.getByLabel('Filter accounts by name').focus();
    await page.keyboard.type('r');
    await expect.poll(() => ui.count.textContent()).toBe('2 of 3');
    await page.keyboard.press('ArrowDown');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')))
      .toBe('listbox');
    const first = await ui.list.getAttribute('aria-activedescendant');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => ui.list.getAttribute('aria-activedescendant')).not.toBe(first);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('details-title');
  });

  it('shows a visible focus ring on buttons, inputs and the list', async () => {
    const win = await openWindow(suite, {
      seed: (engine) =>
        engine.saveAccount({ name: 'alpha', preset: 'static', token: 'opaque' }).then(() => {}),
    });
    const { page } = win;
    const outline = () => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    await page.keyboard.press('Tab');
    expect(await outline()).toBe('solid');
    await page.getByLabel('Filter accounts by name').focus();
    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')))
      .toBe('listbox');
    expect(await outline()).toBe('solid');
  });
});
