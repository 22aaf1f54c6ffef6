import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine/index.js';
import { Cleanups } from '../fixtures/engine-harness.js';
import { ManualClock, startEngine, testCipher } from '../helpers/engine.js';
import { makeJwt } from '../peers/index.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const oauth2 = {
  name: 'gen',
  preset: 'oauth2',
  tokenUrl: 'https://idp.example.com/token',
  grantType: 'refresh_token',
  clientId: 'fake-client',
  clientSecret: 'fake-secret-1',
  refreshToken: 'fake-refresh-1',
};

describe('import replaces, edits keep', () => {
  it('an import replaces an account whole: a stored secret the file leaves out is not kept', async () => {
    const fixture = cleanups.add(await startEngine());
    const { engine } = fixture;
    engine.setPaused(true);
    await engine.importAccounts({ accounts: [{ ...oauth2, grantType: 'client_credentials' }] });
    expect(engine.view('gen')?.storedSecrets.sort()).toEqual(['clientSecret', 'refreshToken']);
    const { refreshToken: _dropped, ...withoutRefresh } = oauth2;
    await engine.importAccounts({ accounts: [{ ...withoutRefresh, grantType: 'client_credentials' }] });
    expect(engine.view('gen')?.storedSecrets).toEqual(['clientSecret']);
  });

  it('an edit keeps the stored secrets the form leaves out', async () => {
    const fixture = cleanups.add(await startEngine());
    const { engine } = fixture;
    engine.setPaused(true);
    await engine.saveAccount(oauth2);
    const { clientSecret: _s, refreshToken: _r, ...edited } = oauth2;
    await engine.saveAccount({ ...edited, label: 'renamed label' }, { originalName: 'gen' });
    expect(engine.view('gen')?.storedSecrets.sort()).toEqual(['clientSecret', 'refreshToken']);
    expect(engine.view('gen')?.label).toBe('renamed label');
  });
});

describe('memory-only secrets (weak storage not accepted)', () => {
  it('writes back, untouched, the secrets an earlier session stored under another keyring', async () => {
    const fixture = cleanups.add(await startEngine({ cipher: testCipher('safeStorage:gnome_libsecret') }));
    await fixture.engine.saveAccount({
      name: 'pasted',
      preset: 'static',
      token: makeJwt({ exp: 4102444800 }),
    });
    await fixture.engine.stop();
    const path = join(fixture.dataDir, 'accounts.json');
    const before = JSON.parse(await readFile(path, 'utf8')).accounts.pasted;

    const weak = createEngine({
      dataDir: fixture.dataDir,
      cipher: testCipher('safeStorage:basic_text'),
      persistSecrets: false,
    });
    await weak.start();
    expect(weak.view('pasted')?.lockedSecrets).toEqual(['token']);
    await weak.saveAccount({ name: 'other', preset: 'static', token: 'fake-new-token' });
    await weak.setCliAccess('pasted', true);
    await weak.stop();
    const after = JSON.parse(await readFile(path, 'utf8')).accounts;
    expect(after.pasted.secrets).toEqual(before.secrets);
    expect(after.pasted.token).toEqual(before.token);
    expect(after.other.secrets).toEqual({});
    expect(await readFile(path, 'utf8')).not.toContain('fake-new-token');
  });
});

describe('default notification lead', () => {
  it('uses the configured default for accounts that set none, and turns a pasted token "expiring"', async () => {
    const clock = new ManualClock();
    const fixture = cleanups.add(await startEngine({ clock }));
    const { engine } = fixture;
    const exp = Math.floor(clock.now() / 1000) + 1200;
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: makeJwt({ exp }) });
    await engine.token('pasted');
    expect(engine.view('pasted')?.notifyBeforeSeconds).toBe(600);
    expect(engine.view('pasted')?.state).toBe('valid');
    engine.configure({ defaultNotifyBeforeSeconds: 1800 });
    expect(engine.view('pasted')?.notifyBeforeSeconds).toBe(1800);
    expect(engine.view('pasted')?.state).toBe('expiring');
  });
});
