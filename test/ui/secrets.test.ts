/** Secrets are write-only: stored ones never reach the page; tokens appear only when the user reveals or copies one. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, openPassphraseCipher } from '../../main/engine/index.js';
import type { AccountInput, Cipher } from '../../main/engine/types.js';
import { MPS_MONITOR_DEFAULTS } from '../peers/index.js';
import { formValuesFor } from './fixtures.js';
import { openWindow, type WindowUnderTest } from './harness.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const peers = filePeers();

/** Everything secret the MPS Monitor peer and the user know about. */
function mpsSecrets(): string[] {
  return [
    MPS_MONITOR_DEFAULTS.clientSecret,
    MPS_MONITOR_DEFAULTS.password,
    ...peers.mpsMonitor.issued.accessTokens,
    ...peers.mpsMonitor.issued.refreshTokens,
  ];
}

/** What crossed from the engine into the page, but for the explicit reveal. */
function sentToPage(w: WindowUnderTest): string {
  const results = w.bridge.calls
    .filter((c) => c.method !== 'revealToken')
    .map((c) => c.result ?? c.error ?? null);
  return JSON.stringify({ results, pushes: w.bridge.pushes });
}

async function addMpsAccount(w: WindowUnderTest, name: string): Promise<void> {
  await w.ui.startAdd();
  await w.ui.choosePreset('MPS Monitor');
  await w.ui.fill(formValuesFor(peers, name)['MPS Monitor']!);
  await w.ui.save();
  await w.ui.detailsTitle.filter({ hasText: name }).waitFor();
  await w.ui.waitForState('Valid');
}

/** Edits a stored account's settings in accounts.json by hand, as someone behind Tokentray's back. */
async function editStoredSettings(
  dataDir: string,
  name: string,
  patch: Record<string, unknown>,
): Promise<void> {
  const file = path.join(dataDir, 'accounts.json');
  const stored = JSON.parse(await readFile(file, 'utf8')) as {
    accounts: Record<string, { settings: Record<string, unknown> }>;
  };
  const record = stored.accounts[name];
  if (record === undefined) throw new Error(`no record "${name}"`);
  Object.assign(record.settings, patch);
  await writeFile(file, JSON.stringify(stored), { mode: 0o600 });
}

/** Writes one account into `dataDir` with a real engine of its own, as an earlier run would have. */
async function saveWithEngine(dataDir: string, cipher: Cipher, account: AccountInput): Promise<void> {
  const engine = createEngine({ dataDir, cipher });
  await engine.start();
  await engine.saveAccount(account);
  await engine.stop();
}

describe('secrets', () => {
  it('never sends a stored secret or token back to the page: the edit form shows "Stored · Replace"', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await addMpsAccount(win, 'acme-eu');
    await ui.renew();
    await expect.poll(() => peers.mpsMonitor.issued.refreshTokens.length).toBeGreaterThan(1);
    await win.bridge.settled();

    await ui.edit();
    for (const field of ['clientSecret', 'password']) {
      expect(await ui.field(field).textContent()).toMatch(/Stored\s*·\s*Replace/);
      expect(await ui.field(field).locator('input').count()).toBe(0);
    }
    const secrets = mpsSecrets();
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const html = await page.content();
    const values = (await ui.allInputValues()).join('\n');
    const crossed = sentToPage(win);
    for (const secret of secrets) {
      expect(html).not.toContain(secret);
      expect(values).not.toContain(secret);
      expect(crossed).not.toContain(secret);
    }
    // The views did cross: the check above looked at real data.
    expect(crossed).toContain('acme-eu');
    expect(crossed).toContain('"storedSecrets":["clientSecret","password"]');
  });

  it('sends a secret again only when it is replaced, and keeps the stored one otherwise', async () => {
    const win = await openWindow(suite);
    const { ui, bridge, engine } = win;
    await addMpsAccount(win, 'acme-eu');

    await ui.edit();
    await ui.fill({ label: 'Acme · EU tenant' });
    await ui.save();
    await ui.waitForState('Valid');
    const saves = bridge.calls.filter((c) => c.method === 'saveAccount');
    const edited = saves.at(-1)?.args[0] as Record<string, unknown>;
    expect(edited.label).toBe('Acme · EU tenant');
    expect(Object.keys(edited)).not.toContain('password');
    expect(Object.keys(edited)).not.toContain('clientSecret');
    expect(engine.view('acme-eu')?.storedSecrets).toEqual(['clientSecret', 'password']);

    await ui.edit();
    await ui.replaceSecret('password');
    await ui.field('password').getByRole('button', { name: 'Keep stored value (Password)' }).waitFor();
    await ui.fill({ password: 'a-new-wrong-password' });
    await ui.save();
    await ui.waitForState('Needs you');
    const replaced = bridge.calls.filter((c) => c.method === 'saveAccount').at(-1)?.args[0] as Record<
      string,
      unknown
    >;
    expect(replaced.password).toBe('a-new-wrong-password');
    expect(Object.keys(replaced)).not.toContain('clientSecret');
  });

  it('shows the token only after Reveal, and copies each format through main’s clipboard', async () => {
    const win = await openWindow(suite);
    const { ui, page, clipboard, engine } = win;
    await addMpsAccount(win, 'acme-eu');
    const token = peers.mpsMonitor.issued.accessTokens.at(-1)!;
    expect(await page.content()).not.toContain(token);

    expect(await ui.reveal()).toBe(token);
    await page.getByRole('button', { name: 'Hide' }).click();
    expect(await page.content()).not.toContain(token);

    await ui.copy('token');
    await expect.poll(() => clipboard.last()).toBe(token);
    expect(clipboard.copies.at(-1)?.clearAfterSeconds).toBe(30);
    await expect.poll(() => ui.toasts.textContent()).toContain('clears in 30 s');
    await ui.copy('header');
    await expect.poll(() => clipboard.last()).toBe(`Authorization: Bearer ${token}`);
    await ui.copy('curl');
    await expect
      .poll(() => clipboard.last())
      .toBe(`curl -H 'Authorization: Bearer ${token}' '${peers.mpsMonitor.baseUrl}/account/getaccount'`);
    await ui.copy('powershell');
    await expect.poll(() => clipboard.last()).toContain(`Authorization = 'Bearer ${token}'`);
    // Copying never puts the token into the page.
    expect(await page.content()).not.toContain(token);
    await expect.poll(() => engine.activity('acme-eu').filter((a) => a.kind === 'copied').length).toBe(4);
  });

  it('says a secret that cannot be decrypted here needs to be entered again', async () => {
    const win = await openWindow(suite, {
      // Another machine (another key) wrote this store: its secrets are locked here.
      async prepare(dataDir) {
        const otherKeyDir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-ui-other-'));
        try {
          const cipher = await openPassphraseCipher(otherKeyDir, 'another machine');
          await saveWithEngine(dataDir, cipher, {
            name: 'moved',
            preset: 'static',
            token: 'opaque-token-from-elsewhere',
          });
        } finally {
          await rm(otherKeyDir, { recursive: true, force: true });
        }
      },
    });
    const { ui } = win;
    await ui.select('moved');
    await ui.waitForState('Needs you');
    expect(await ui.row('moved').textContent()).toContain('A secret must be entered again');
    await ui.edit();
    expect(await ui.field('token').textContent()).toContain('needs to be entered again');
    expect(await ui.field('token').locator('textarea').count()).toBe(1);
  });

  it('offers to remove an account kept but not loaded (a preset this version does not know)', async () => {
    const win = await openWindow(suite, {
      async prepare(dataDir) {
        await saveWithEngine(dataDir, suite.cipher(), {
          name: 'future',
          preset: 'static',
          token: 'opaque-1',
        });
        await editStoredSettings(dataDir, 'future', { preset: 'a-newer-preset' });
      },
    });
    const { page, engine } = win;
    const notices = page.getByTestId('startup-notices');
    await expect
      .poll(() => notices.textContent())
      .toContain('account "future" is kept in the store but not loaded');
    expect(engine.setAside).toEqual(['future']);
    await notices.getByRole('button', { name: 'Remove future' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove future?' });
    await confirm.getByRole('button', { name: 'Remove account' }).click();
    await expect.poll(() => notices.count()).toBe(0);
    expect(engine.setAside).toEqual([]);
    const after = JSON.parse(await readFile(path.join(win.dataDir, 'accounts.json'), 'utf8')) as {
      accounts: object;
    };
    expect(Object.keys(after.accounts)).toEqual([]);
  });

  it('says when an account’s settings were changed behind Tokentray’s back, and what to check', async () => {
    const win = await openWindow(suite, {
      // The same key, but the token URL edited in accounts.json after the secret was sealed.
      async prepare(dataDir) {
        await saveWithEngine(dataDir, suite.cipher(), {
          name: 'edited',
          preset: 'acronis',
          baseUrl: 'http://127.0.0.1:9',
          clientId: 'client',
          clientSecret: 'the-client-secret',
        });
        await editStoredSettings(dataDir, 'edited', { baseUrl: 'http://127.0.0.1:10' });
      },
    });
    const { ui } = win;
    await ui.select('edited');
    await ui.renew();
    await expect.poll(() => ui.row('edited').textContent()).toContain('Settings changed outside Tokentray');
    await expect
      .poll(() => win.page.content())
      .toContain('Check them under Edit (the token URL, base URL, issuer)');
  });
});
