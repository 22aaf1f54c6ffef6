/** Import from and export to the CONTRACT's JSON file through the window. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MPS_MONITOR_DEFAULTS } from '../peers/index.js';
import { formValuesFor, pastedJwt } from './fixtures.js';
import { openWindow, type WindowUnderTest } from './harness.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const peers = filePeers();

function mpsAccount(name: string): Record<string, unknown> {
  return { ...formValuesFor(peers, name)['MPS Monitor'], preset: 'mps-monitor' };
}

describe('import', () => {
  it('lists every problem of a bad file, one line each naming account and field, and imports nothing', async () => {
    const win = await openWindow(suite);
    const { ui, engine, bridge } = win;
    const file = {
      accounts: [
        { ...mpsAccount('good-one') },
        {
          name: 'bad-url',
          preset: 'acronis',
          baseUrl: 'http://acronis.example.com',
          clientId: 'c',
          clientSecret: 's',
        },
        { name: 'extra-field', preset: 'static', token: 't', colour: 'blue' },
        { name: 'no-secret', preset: 'msp360', username: 'u' },
      ],
    };
    const dialog = await ui.importText(JSON.stringify(file));
    const result = bridge.calls.find((c) => c.method === 'importAccounts')?.result as {
      ok: boolean;
      issues: { account: string; field: string; message: string }[];
    };
    expect(result.ok).toBe(false);
    expect(result.issues.length).toBeGreaterThanOrEqual(3);
    const lines = await dialog.locator('.issue-lines li').allTextContents();
    expect(lines).toHaveLength(result.issues.length);
    result.issues.forEach((issue, i) => {
      expect(lines[i]).toContain(issue.account);
      expect(lines[i]).toContain(issue.field);
      expect(lines[i]).toContain(issue.message);
    });
    expect(lines.join('\n')).toContain('colour');
    expect(await dialog.textContent()).toContain('Nothing was imported');
    expect(engine.list()).toEqual([]);
    expect(await ui.count.textContent()).toBe('0 accounts');
  });

  it('says where a file that is not JSON breaks, quoting none of it (it may hold secrets)', async () => {
    const win = await openWindow(suite);
    const dialog = await win.ui.importText('{ "accounts": [ {"password": "fake-secret-in-file"} oops ] }');
    const text = await dialog.locator('.issue-lines').textContent();
    expect(text).toContain('not valid JSON (line 1, column 53: unexpected character)');
    expect(text).not.toContain('fake-secret-in-file');
  });

  it('refuses a file that gives a key twice, naming the account and the key', async () => {
    const win = await openWindow(suite);
    const { engine } = win;
    const account = JSON.stringify({ name: 'twice', preset: 'static', token: pastedJwt(600) });
    const dialog = await win.ui.importText(
      `{"accounts": [${account.replace('{', '{"label": "a", "label": "b", ')}]}`,
    );
    expect(await dialog.locator('.issue-lines li').allTextContents()).toEqual([
      'twice label is given more than once (only one value may be given)',
    ]);
    expect(engine.list()).toEqual([]);
  });

  it('imports a valid file: the accounts appear in the list and get their tokens', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    const file = {
      accounts: [
        mpsAccount('imported-mps'),
        { name: 'imported-pasted', preset: 'static', token: pastedJwt(7200), label: 'Pasted' },
      ],
    };
    const dialog = await ui.importText(JSON.stringify(file));
    expect(await dialog.getByTestId('import-result').textContent()).toContain('Imported 2 accounts');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => ui.count.textContent()).toBe('2 accounts');
    await ui.select('imported-mps');
    await ui.waitForState('Valid');
  });
});

describe('export', () => {
  async function seeded(): Promise<WindowUnderTest> {
    return openWindow(suite, {
      seed: async (engine) => {
        await engine.importAccounts({
          accounts: [
            mpsAccount('acme-eu'),
            { name: 'pasted', preset: 'static', token: 'opaque-pasted-token-123' },
          ],
        });
      },
    });
  }

  it('leaves every secret out unless the box is ticked', async () => {
    const win = await seeded();
    const { ui, exports } = win;
    const dialog = await ui.exportAccounts(false);
    expect(await dialog.getByTestId('export-result').textContent()).toContain(exports[0]!);
    const text = await readFile(exports[0]!, 'utf8');
    const file = JSON.parse(text) as { accounts: Record<string, unknown>[] };
    expect(file.accounts.map((a) => a.name).sort()).toEqual(['acme-eu', 'pasted']);
    for (const account of file.accounts) {
      for (const field of ['password', 'clientSecret', 'refreshToken', 'token'])
        expect(account).not.toHaveProperty(field);
    }
    for (const secret of [
      MPS_MONITOR_DEFAULTS.password,
      MPS_MONITOR_DEFAULTS.clientSecret,
      'opaque-pasted-token-123',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('includes the secrets when the box that says what that means is ticked', async () => {
    const win = await seeded();
    const { ui, exports, page } = win;
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = ui.dialog('Export accounts');
    await dialog.getByRole('checkbox', { name: 'Include secrets' }).check();
    expect(await dialog.locator('#export-secrets-help').textContent()).toMatch(
      /plain text: anyone who can read it can use these accounts/,
    );
    await dialog.getByRole('button', { name: 'Export…' }).click();
    await dialog.getByTestId('export-result').waitFor();
    const text = await readFile(exports[0]!, 'utf8');
    expect(text).toContain(MPS_MONITOR_DEFAULTS.password);
    expect(text).toContain('opaque-pasted-token-123');
    // The exported file imports back as is.
    expect(await win.engine.importAccounts(JSON.parse(text))).toHaveLength(2);
  });
});
