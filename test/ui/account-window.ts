/**
 * Page object for the account window: what a person sees and does, by role and label where the
 * page offers them, so tests read like the steps a newcomer takes.
 */
import type { Locator, Page } from 'playwright-core';
import type { CopyFormat } from '../../preload/contract.js';

export const COPY_BUTTON_NAMES: Record<CopyFormat, string> = {
  token: 'Copy token',
  header: 'Copy as Header',
  curl: 'Copy as curl',
  powershell: 'Copy as PowerShell',
};

const WAIT_MS = 10_000;

export class AccountWindow {
  constructor(readonly page: Page) {}

  /** Loads the window and waits until the accounts are listed. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.app').waitFor({ timeout: WAIT_MS });
    await this.page.waitForFunction(
      () => document.querySelector('[data-testid="account-count"]')?.textContent?.match(/\d/),
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
  }

  // ---------- list ----------

  get count(): Locator {
    return this.page.getByTestId('account-count');
  }

  get list(): Locator {
    return this.page.getByRole('listbox');
  }

  get rows(): Locator {
    return this.page.getByRole('option');
  }

  row(name: string): Locator {
    return this.page.locator(`[role="option"][data-name="${name}"]`);
  }

  /** Names of the rendered rows in list order (a virtual list renders only those near the view). */
  async renderedNames(): Promise<string[]> {
    return this.page.$$eval('[role="option"]', (rows) =>
      rows
        .map((row) => ({
          name: row.getAttribute('data-name') ?? '',
          pos: Number(row.getAttribute('aria-posinset')),
        }))
        .sort((a, b) => a.pos - b.pos)
        .map((row) => row.name),
    );
  }

  async filter(text: string): Promise<void> {
    await this.page.getByLabel('Filter accounts by name').fill(text);
  }

  /** Opens an account's details from the list. */
  async select(name: string): Promise<void> {
    await this.row(name).click();
    await this.detailsTitle.filter({ hasText: name }).waitFor({ timeout: WAIT_MS });
  }

  // ---------- add / edit form ----------

  async startAdd(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add account', exact: true }).click();
    await this.form.waitFor({ timeout: WAIT_MS });
  }

  get form(): Locator {
    return this.page.locator('form.account-form');
  }

  async choosePreset(title: string): Promise<void> {
    await this.page.getByRole('radio', { name: title, exact: true }).check();
  }

  field(name: string): Locator {
    return this.page.locator(`form.account-form [data-field="${name}"]`);
  }

  input(name: string): Locator {
    return this.page.locator(`#field-${name}`);
  }

  /** The preset the form is for: the checked radio when adding. */
  async currentPreset(): Promise<string> {
    return this.page.locator('input[name="preset"]:checked').inputValue();
  }

  /** Types into text, URL, number and secret fields; picks an option in selects; ticks checkboxes. */
  async fill(values: Record<string, string | boolean>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const input = this.input(name);
      // A field under the collapsed "Advanced" is opened first, as a person would.
      if ((await this.page.locator(`details.advanced #field-${name}`).count()) > 0) await this.openAdvanced();
      if (typeof value === 'boolean') await input.setChecked(value);
      else if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
      else await input.fill(value);
    }
  }

  /** Names of the fields the form has now, in order (those inside the collapsed "Advanced" included). */
  async fieldNames(): Promise<string[]> {
    return this.page.$$eval('form.account-form [data-field]', (fields) =>
      fields.map((f) => f.getAttribute('data-field') ?? '').filter((name) => name !== 'preset'),
    );
  }

  /** The messages shown under a field. */
  async fieldErrors(name: string): Promise<string[]> {
    return this.field(name).locator('[data-testid="field-error"] p').allTextContents();
  }

  async openAdvanced(): Promise<void> {
    const advanced = this.page.locator('details.advanced');
    if (!(await advanced.evaluate((el) => (el as HTMLDetailsElement).open)))
      await advanced.locator('summary').click();
  }

  async save(): Promise<void> {
    await this.form.getByRole('button', { name: /^Save (account|changes)$/ }).click();
  }

  async cancel(): Promise<void> {
    await this.form.getByRole('button', { name: 'Cancel' }).click();
  }

  /** Clicks "Test connection" and waits for the answer (success or failure). */
  async testConnection(): Promise<Locator> {
    await this.form.getByRole('button', { name: 'Test connection' }).click();
    const answer = this.form.locator('[data-testid="test-result"], [data-testid="error-box"]');
    await answer.first().waitFor({ timeout: WAIT_MS });
    return answer.first();
  }

  get testResult(): Locator {
    return this.page.getByTestId('test-result');
  }

  get errorBox(): Locator {
    return this.page.getByTestId('error-box');
  }

  async replaceSecret(name: string): Promise<void> {
    await this.field(name)
      .getByRole('button', { name: /^Replace / })
      .click();
  }

  // ---------- details ----------

  get detailsTitle(): Locator {
    return this.page.locator('#details-title');
  }

  get stateBadge(): Locator {
    return this.page.getByTestId('state-badge');
  }

  get accountError(): Locator {
    return this.page.getByTestId('account-error');
  }

  /** Waits until the open account shows this state badge text. */
  async waitForState(label: string, timeout = WAIT_MS): Promise<void> {
    await this.stateBadge.filter({ hasText: new RegExp(`^${label}$`) }).waitFor({ timeout });
  }

  async edit(): Promise<void> {
    await this.page.getByRole('button', { name: 'Edit', exact: true }).click();
    await this.form.waitFor({ timeout: WAIT_MS });
  }

  /** Clicks Reveal and returns the token shown. */
  async reveal(): Promise<string> {
    await this.page.getByRole('button', { name: 'Reveal' }).click();
    const token = this.page.getByTestId('revealed-token');
    await token.waitFor({ timeout: WAIT_MS });
    return (await token.textContent()) ?? '';
  }

  async copy(format: CopyFormat): Promise<void> {
    await this.page.getByRole('button', { name: COPY_BUTTON_NAMES[format], exact: true }).click();
  }

  async renew(): Promise<void> {
    await this.page.getByRole('button', { name: 'Renew now' }).click();
  }

  get cliSwitch(): Locator {
    return this.page.getByRole('switch', { name: 'CLI access' });
  }

  get cliCommand(): Locator {
    return this.page.getByTestId('cli-command');
  }

  get activity(): Locator {
    return this.page.getByTestId('activity');
  }

  get toasts(): Locator {
    return this.page.locator('.toasts');
  }

  // ---------- interactive sign-in ----------

  /** The account's Sign in… button (details), or the form's (where Test connection was). */
  get signInButton(): Locator {
    return this.page.getByRole('button', { name: 'Sign in…', exact: true });
  }

  get signInProgress(): Locator {
    return this.page.getByTestId('sign-in-progress');
  }

  get userCode(): Locator {
    return this.page.getByTestId('user-code');
  }

  get browserWait(): Locator {
    return this.page.getByTestId('browser-wait');
  }

  /** The device code as shown (without the "Code:" said to screen readers). */
  async shownUserCode(): Promise<string> {
    await this.userCode.waitFor({ timeout: WAIT_MS });
    return (await this.userCode.evaluate((el) => el.lastChild?.textContent ?? '')).trim();
  }

  async cancelSignIn(): Promise<void> {
    await this.signInProgress.getByRole('button', { name: 'Cancel', exact: true }).click();
    await this.signInProgress.waitFor({ state: 'detached', timeout: WAIT_MS });
  }

  // ---------- dialogs ----------

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title });
  }

  /** Imports a file with these contents through the file input; returns the dialog. */
  async importText(contents: string, fileName = 'accounts.json'): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = this.dialog('Import accounts');
    await dialog
      .getByLabel('File')
      .setInputFiles({ name: fileName, mimeType: 'application/json', buffer: Buffer.from(contents) });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog
      .locator('[data-testid="import-result"], [data-testid="import-issues"]')
      .first()
      .waitFor({ timeout: WAIT_MS });
    return dialog;
  }

  /** Exports through the dialog; returns the dialog after the app reported where it saved. */
  async exportAccounts(includeSecrets: boolean): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = this.dialog('Export accounts');
    await dialog.getByRole('checkbox', { name: 'Include secrets' }).setChecked(includeSecrets);
    await dialog.getByRole('button', { name: 'Export…' }).click();
    await dialog.getByTestId('export-result').waitFor({ timeout: WAIT_MS });
    return dialog;
  }

  async openSettings(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = this.dialog('Settings');
    await dialog.waitFor({ timeout: WAIT_MS });
    return dialog;
  }

  get weakStorageBanner(): Locator {
    return this.page.getByTestId('weak-storage-banner');
  }

  /** Every input, textarea and select value in the page (what a secret must never be). */
  async allInputValues(): Promise<string[]> {
    return this.page.$$eval('input, textarea, select', (els) =>
      els.map((el) => (el as HTMLInputElement).value),
    );
  }

  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  }
}
