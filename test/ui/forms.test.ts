/** The add form: each preset shows exactly its fields with defaults, and every engine message sits under its field. */
import { describe, expect, it } from 'vitest';
import type { ValidationIssue } from '../../preload/contract.js';
import { issueText } from '../../renderer/src/form-model.js';
import { formFields, type Preset } from '../../renderer/src/presets.js';
import type { AccountWindow } from './account-window.js';
import type { Bridge } from './bridge.js';
import { openWindow } from './harness.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();

const ADVANCED = ['tokenUrl', 'refreshBeforeSeconds', 'notifyBeforeSeconds'];

const EXPECTED: Record<string, { fields: string[]; defaults: Record<string, string>; doc: RegExp }> = {
  MSP360: {
    fields: ['name', 'label', 'baseUrl', 'username', 'password', ...ADVANCED, 'cliAccess'],
    defaults: { baseUrl: 'https://api.mspbackups.com' },
    doc: /Getting Started with MBS API/,
  },
  'backup.net': {
    fields: [
      'name',
      'label',
      'issuer',
      'clientId',
      'clientSecret',
      'scope',
      'clientAuth',
      ...ADVANCED,
      'cliAccess',
    ],
    defaults: { issuer: 'https://login.backup.net', clientAuth: '' },
    doc: /How to get a bearer token for the MSP portal API/,
  },
  'MPS Monitor': {
    fields: [
      'name',
      'label',
      'baseUrl',
      'clientId',
      'clientSecret',
      'username',
      'password',
      'scope',
      ...ADVANCED,
      'cliAccess',
    ],
    defaults: { scope: 'account', baseUrl: '' },
    doc: /MPS Monitor API/,
  },
  Acronis: {
    fields: ['name', 'label', 'baseUrl', 'clientId', 'clientSecret', 'tokenPath', ...ADVANCED, 'cliAccess'],
    defaults: { tokenPath: '/bc/idp/token' },
    doc: /Acronis CyberApp/,
  },
  'OAuth 2.0': {
    fields: [
      'name',
      'label',
      'issuer',
      'tokenUrl',
      'grantType',
      'clientAuth',
      'clientId',
      'clientSecret',
      'scope',
      'audience',
      'extraParams',
      'refreshBeforeSeconds',
      'notifyBeforeSeconds',
      'cliAccess',
    ],
    defaults: { grantType: 'client_credentials', clientAuth: 'client_secret_basic' },
    doc: /RFC 6749/,
  },
  'Microsoft Entra ID': {
    fields: [
      'name',
      'label',
      'tenant',
      'clientId',
      'grantType',
      'clientSecret',
      'scope',
      'authority',
      ...ADVANCED,
      'cliAccess',
    ],
    defaults: {
      grantType: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
      authority: 'https://login.microsoftonline.com',
    },
    doc: /Microsoft identity platform/,
  },
  'Pasted token': {
    fields: ['name', 'label', 'token', 'expiresAt', 'notifyBeforeSeconds', 'cliAccess'],
    defaults: { expiresAt: '' },
    doc: /RFC 6750/,
  },
};

/** The issues of the page's latest validation request, once the debounce has settled. */
async function latestIssues(bridge: Bridge, after: number): Promise<ValidationIssue[]> {
  await expect
    .poll(() => bridge.calls.filter((c) => c.method === 'validateAccount').length, { timeout: 5000 })
    .toBeGreaterThan(after);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const last = bridge.calls.filter((c) => c.method === 'validateAccount').at(-1);
  return (last?.result as ValidationIssue[] | undefined) ?? [];
}

/**
 * Asserts that each issue's message is shown under the form field it names, in the form's words:
 * the engine's message with other fields called by their labels (form-model's issueText).
 */
async function expectEachUnderItsField(ui: AccountWindow, issues: ValidationIssue[]): Promise<void> {
  expect(issues.length).toBeGreaterThan(0);
  const preset = (await ui.currentPreset()) as Preset;
  for (const issue of issues) {
    const field = issue.field.split('.')[0]!;
    const spec = formFields(preset).find((f) => f.name === field);
    await expect
      .poll(() => ui.fieldErrors(field), { timeout: 3000 })
      .toEqual(expect.arrayContaining([issueText(issue, spec, preset)]));
  }
}

function validationCount(bridge: Bridge): number {
  return bridge.calls.filter((c) => c.method === 'validateAccount').length;
}

describe('the add form', () => {
  it.each(Object.keys(EXPECTED))(
    'shows exactly the %s fields, its defaults, help line and vendor document',
    async (title) => {
      const win = await openWindow(suite);
      const { ui, page } = win;
      const expected = EXPECTED[title]!;
      await ui.startAdd();
      await ui.choosePreset(title);
      expect(await ui.fieldNames()).toEqual(expected.fields);
      for (const [field, value] of Object.entries(expected.defaults)) {
        expect(await ui.input(field).inputValue()).toBe(value);
      }
      await expect.poll(() => page.getByTestId('preset-doc').textContent()).toMatch(expected.doc);
      // The help line is the radio's description, so screen readers read it with the title.
      const radio = page.getByRole('radio', { name: title, exact: true });
      const helpId = await radio.getAttribute('aria-describedby');
      expect((await page.locator(`#${helpId}`).textContent())?.length).toBeGreaterThan(20);
    },
  );

  it('shows the OAuth 2.0 password, refresh token and client secret fields only when the grant and authentication need them', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    const has = async (field: string) => (await ui.fieldNames()).includes(field);

    expect([await has('username'), await has('password'), await has('refreshToken')]).toEqual([
      false,
      false,
      false,
    ]);
    await ui.fill({ grantType: 'password' });
    expect([await has('username'), await has('password'), await has('refreshToken')]).toEqual([
      true,
      true,
      false,
    ]);
    await ui.fill({ grantType: 'refresh_token' });
    expect([await has('username'), await has('password'), await has('refreshToken')]).toEqual([
      false,
      false,
      true,
    ]);
    expect(await has('clientSecret')).toBe(true);
    await ui.fill({ clientAuth: 'none' });
    expect(await has('clientSecret')).toBe(false);
  });

  it('shows only the fields of the chosen OAuth 2.0 sign-in grant', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    const grantFields = [
      'authorizationUrl',
      'deviceAuthorizationUrl',
      'redirectUri',
      'username',
      'refreshToken',
    ];
    const shown = async () => (await ui.fieldNames()).filter((field) => grantFields.includes(field));
    expect(await shown()).toEqual([]);
    await ui.fill({ grantType: 'authorization_code' });
    expect(await shown()).toEqual(['authorizationUrl', 'redirectUri']);
    await ui.fill({ grantType: 'device_code' });
    expect(await shown()).toEqual(['deviceAuthorizationUrl']);
  });

  it('asks for the Microsoft Entra ID client secret for app-only tokens, and the redirect URI for the browser', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('Microsoft Entra ID');
    const secretRequired = () => ui.input('clientSecret').getAttribute('aria-required');
    const hasRedirect = async () => (await ui.fieldNames()).includes('redirectUri');
    expect([await secretRequired(), await hasRedirect()]).toEqual(['true', false]);
    await ui.fill({ grantType: 'device_code' });
    expect([await secretRequired(), await hasRedirect()]).toEqual(['false', false]);
    await ui.fill({ grantType: 'authorization_code' });
    expect([await secretRequired(), await hasRedirect()]).toEqual(['false', true]);
  });

  it('keeps what was typed when switching presets, but not the old preset’s defaults', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    await ui.fill({ name: 'acme', username: 'api-user', password: 'typed-secret' });
    await ui.choosePreset('MPS Monitor');
    expect(await ui.input('name').inputValue()).toBe('acme');
    expect(await ui.input('username').inputValue()).toBe('api-user');
    expect(await ui.input('password').inputValue()).toBe('typed-secret');
    expect(await ui.input('baseUrl').inputValue()).toBe('');
  });
});

describe('validation messages', () => {
  it('shows a message under the name field once the user leaves it, before any save, and clears it as they fix it', async () => {
    const win = await openWindow(suite);
    const { ui, bridge } = win;
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    const before = validationCount(bridge);
    await ui.input('name').pressSequentially('-bad name', { delay: 10 });
    const issues = await latestIssues(bridge, before);
    const nameIssue = issues.find((i) => i.field === 'name');
    expect(nameIssue?.message).toMatch(/must start with a letter or digit/);
    // Not while typing the first letters…
    expect(await ui.fieldErrors('name')).toEqual([]);
    // …but as soon as the field is left.
    await ui.input('name').press('Tab');
    await expectEachUnderItsField(ui, [nameIssue!]);
    await ui.input('name').fill('good-name');
    await expect.poll(() => ui.fieldErrors('name'), { timeout: 3000 }).toEqual([]);
    // Fields the user has not touched yet stay quiet until a save.
    expect(await ui.fieldErrors('clientId')).toEqual([]);
  });

  it.each([
    ['MPS Monitor', {}],
    ['MSP360', { name: 'ok-name', baseUrl: 'http://example.com', username: 'u', password: 'p' }],
    [
      'backup.net',
      { name: 'x y', issuer: 'ftp://login.example.com', clientId: 'c', clientSecret: 's', scope: '' },
    ],
    [
      'Acronis',
      { name: 'acr', baseUrl: 'not a url', clientId: 'c', clientSecret: 's', tokenPath: 'bc/idp/token' },
    ],
    ['Pasted token', { name: 'pasted', token: 't', expiresAt: 'tomorrow at noon' }],
    ['OAuth 2.0', { name: 'generic', clientId: 'c', clientSecret: 's' }],
    [
      'OAuth 2.0',
      {
        name: 'generic',
        tokenUrl: 'https://login.example.com/token',
        clientId: 'c',
        grantType: 'password',
        clientAuth: 'none',
      },
    ],
    ['MPS Monitor', { name: 'mps', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' }],
  ] as const)('shows every message for %s %j under its field on save', async (title, values) => {
    const win = await openWindow(suite);
    const { ui, bridge, engine } = win;
    await ui.startAdd();
    await ui.choosePreset(title);
    await ui.fill(values);
    const before = validationCount(bridge);
    await ui.save();
    const issues = await latestIssues(bridge, before);
    await expectEachUnderItsField(ui, issues);
    expect(engine.list()).toEqual([]);
  });

  it('shows advanced and key/value messages under their fields, opening the Advanced section', async () => {
    const win = await openWindow(suite);
    const { ui, bridge, page } = win;
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    await ui.fill({
      name: 'generic',
      tokenUrl: 'https://login.example.com/token',
      clientId: 'c',
      clientSecret: 's',
    });
    await ui.openAdvanced();
    await ui.fill({ notifyBeforeSeconds: 'ten minutes', refreshBeforeSeconds: '-5' });
    await ui.field('extraParams').getByRole('button', { name: 'Add parameter' }).click();
    await page.getByLabel('Parameter 1 name').fill('grant_type');
    await page.getByLabel('Parameter 1 value').fill('implicit');
    await ui.openAdvanced();
    await page.locator('details.advanced summary').click(); // collapse it again: saving must reopen it
    const before = validationCount(bridge);
    await ui.save();
    const issues = await latestIssues(bridge, before);
    expect(issues.map((i) => i.field).sort()).toEqual([
      'extraParams.grant_type',
      'notifyBeforeSeconds',
      'refreshBeforeSeconds',
    ]);
    await expectEachUnderItsField(ui, issues);
    expect(await page.locator('details.advanced').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(
      true,
    );
  });

  it('says under the name when another account already uses it (ignoring case)', async () => {
    const win = await openWindow(suite, {
      seed: async (engine) => {
        await engine.saveAccount({ name: 'Acme', preset: 'static', token: 'opaque-token-1' });
      },
    });
    const { ui, bridge } = win;
    await ui.startAdd();
    await ui.choosePreset('Pasted token');
    await ui.fill({ name: 'acme', token: 'opaque-token-2' });
    const before = validationCount(bridge);
    await ui.save();
    const issues = await latestIssues(bridge, before);
    expect(issues).toEqual([
      expect.objectContaining({ field: 'name', message: expect.stringContaining('already used') }),
    ]);
    await expectEachUnderItsField(ui, issues);
  });

  it('asks for an account type before anything else', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await ui.startAdd();
    await ui.save();
    await expect
      .poll(() => page.locator('#preset-error').textContent())
      .toContain('Choose the kind of account');
  });
});

describe('leaving a half-filled form', () => {
  it('holds the page on close only while the form has unsaved changes (main then asks, window.ts)', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    // What Chromium reports to the embedder when a close meets a beforeunload that objects:
    // Electron turns it into 'will-prevent-unload'. Read here by running the page's own handlers.
    const objects = () =>
      page.evaluate(() => {
        const event = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(event);
        return event.defaultPrevented;
      });
    expect(await objects()).toBe(false);
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    expect(await objects()).toBe(false); // defaults only: nothing to lose
    await ui.fill({ name: 'half', username: 'api-user' });
    await expect.poll(objects).toBe(true);
    // A real close of the page, as Chromium runs it: it stops at the beforeunload question.
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.type());
        void dialog.dismiss();
      }),
    );
    await page.close({ runBeforeUnload: true });
    expect(await asked).toBe('beforeunload');
    expect(page.isClosed()).toBe(false);
    await ui.cancel();
    await page
      .getByRole('dialog', { name: 'Discard this new account?' })
      .getByRole('button', { name: 'Discard changes' })
      .click();
    await expect.poll(objects).toBe(false);
  });

  it('leaves an untouched form at once, but asks before dropping what was typed', async () => {
    const win = await openWindow(suite, {
      seed: async (engine) => {
        await engine.saveAccount({ name: 'kept', preset: 'static', token: 'opaque-token-1' });
      },
    });
    const { ui, page } = win;
    const discard = page.getByRole('dialog', { name: 'Discard this new account?' });

    // Defaults only: nothing to lose.
    await ui.startAdd();
    await ui.choosePreset('MSP360');
    await ui.cancel();
    await expect.poll(() => ui.form.count()).toBe(0);

    await ui.startAdd();
    await ui.choosePreset('MSP360');
    await ui.fill({ name: 'half', username: 'api-user' });
    await ui.cancel();
    await discard.waitFor({ timeout: 5000 });
    // Keep editing is the default: Enter keeps the form and what was typed.
    await page.keyboard.press('Enter');
    await expect.poll(() => discard.count()).toBe(0);
    expect(await ui.input('username').inputValue()).toBe('api-user');

    // Escape in the form, and choosing another account, ask too; Discard then leaves.
    await ui.input('username').press('Escape');
    await discard.waitFor({ timeout: 5000 });
    await page.keyboard.press('Escape');
    await expect.poll(() => ui.form.count()).toBe(1);
    await ui.row('kept').click();
    await discard.getByRole('button', { name: 'Discard changes' }).click();
    await ui.detailsTitle.filter({ hasText: 'kept' }).waitFor({ timeout: 5000 });
    expect(await ui.form.count()).toBe(0);
  });
});
