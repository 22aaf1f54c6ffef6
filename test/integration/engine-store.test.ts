/**
 * The encrypted store (checklist B3, B4, B7, B9, C4c): file modes, unreadable files moved aside and
 * never overwritten, values of another cipher locked and left alone, a wrong passphrase touching
 * nothing, the v1 known-answer fixture, nothing secret on disk in clear, and account changes made
 * while a renewal is in flight.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, openPassphraseCipher, StoreError } from '../../main/engine/index.js';
import { openWithKey, sealWithKey } from '../../main/engine/passphrase-cipher.js';
import { storedTokenFor } from '../../main/engine/records.js';
import type { Cipher } from '../../main/engine/types.js';
import {
  ACRONIS_DEFAULTS,
  MPS_MONITOR_DEFAULTS,
  MSP360_DEFAULTS,
  OAUTH2_DEFAULTS,
  OIDC_DEFAULT_CLIENT,
  makeJwt,
  sendJson,
  startAcronisPeer,
  startBackupNetPeer,
  startMpsMonitorPeer,
  startMsp360Peer,
  startHttpPeer,
  startOAuth2ServerPeer,
} from '../peers/index.js';
import { ManualClock, testCipher } from '../helpers/engine.js';
import { Cleanups, filesUnder, idle, mpsAccount, startHarness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const MPS = MPS_MONITOR_DEFAULTS;
const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'store-v1');

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tokentray-store-'));
  cleanups.add({ cleanup: () => rm(dir, { recursive: true, force: true }) });
  return dir;
}

/** Name, bytes, inode and mtime of every file: equal snapshots mean nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(join(dir, name));
    out[name] = `${info.ino} ${info.mtimeMs} ${(await readFile(join(dir, name))).toString('base64')}`;
  }
  return out;
}

describe('the store file', () => {
  it('is written with mode 0600 in a 0700 directory the engine creates', async () => {
    const parent = await tempDir();
    const dataDir = join(parent, 'nested', 'data');
    const h = await startHarness(cleanups, { dataDir });
    await h.engine.saveAccount({ name: 'pasted', preset: 'static', token: 'abcd-static' });
    await h.engine.stop();
    expect((await stat(join(dataDir, 'accounts.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['text that is not JSON', '{"accounts": {"a": '],
    ['an empty file', ''],
    ['JSON null', 'null'],
    ['an array', '[]'],
    ['accounts that are not an object', '{"accounts": 5}'],
    ['an account record of the wrong shape', '{"accounts": {"a": {}}}'],
    ['a null account record', '{"accounts": {"a": null}}'],
  ])('moves %s aside unchanged, reports it, and starts an empty store', async (_what, text) => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'accounts.json'), text);
    const h = await startHarness(cleanups, { dataDir });
    expect(h.engine.list()).toEqual([]);
    const warning = h.lines.find((line) => line.includes('WARN'));
    expect(warning).toMatch(/moved to .*accounts\.json\.unreadable-/);
    await h.engine.saveAccount({ name: 'fresh', preset: 'static', token: 'abcd-fresh' });
    await h.engine.stop();
    const aside = (await readdir(dataDir)).filter((name) => name.startsWith('accounts.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dataDir, aside[0] ?? ''), 'utf8')).toBe(text);
  });

  it('locks values written by another cipher, needs the user, and leaves the file untouched on start and stop', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups, { cipher: testCipher('os:kwallet5') });
    await first.engine.saveAccount(mpsAccount(peer));
    await idle(first.engine);
    await first.engine.stop();
    const before = await snapshot(first.fixture.dataDir);

    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: testCipher('os:gnome_libsecret'),
    });
    const view = second.engine.view('mps');
    expect(view?.lockedSecrets.sort()).toEqual(['clientSecret', 'password']);
    expect(view).toMatchObject({ needsUser: true, renewable: false, nextRefreshAt: null });
    expect(view?.storedSecrets.sort()).toEqual(['clientSecret', 'password']);
    await second.clock.advance(3 * 3_600_000);
    await second.engine.stop();
    expect(await snapshot(first.fixture.dataDir)).toEqual(before);
    expect(peer.requests).toHaveLength(1);
  });

  it('a record with a preset this version does not know is kept untouched and set aside; the others are served', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups);
    await first.engine.saveAccount(mpsAccount(peer, { name: 'mps' }));
    await first.engine.saveAccount(mpsAccount(peer, { name: 'later' }));
    await idle(first.engine);
    await first.engine.stop();
    const path = join(first.fixture.dataDir, 'accounts.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as {
      accounts: Record<string, { settings: { preset: string } }>;
    };
    const later = stored.accounts.later;
    if (later === undefined) throw new Error('no record "later" in the store');
    later.settings.preset = 'future-preset';
    await writeFile(path, JSON.stringify(stored));

    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    expect(second.engine.list().map((view) => view.name)).toEqual(['mps']);
    expect(second.engine.setAside).toEqual(['later']);
    expect((await second.engine.token('mps', { purpose: 'manual' })).accessToken).toBeTruthy();
    expect(second.lines.join('\n')).toContain(
      'account "later" is kept in the store but not loaded: its preset "future-preset" is unknown to this version',
    );
    await second.engine.stop();
    const after = JSON.parse(await readFile(path, 'utf8')) as typeof stored;
    expect(after.accounts.later).toEqual(later);

    // `remove` reaches it by name (ignoring case, as for any account); the other account stays.
    const third = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    expect(await third.engine.removeAccount('LATER')).toBe('later');
    expect(third.engine.setAside).toEqual([]);
    expect(third.engine.notices).toEqual([]);
    expect(await third.engine.removeAccount('later')).toBeNull();
    expect(third.engine.list().map((view) => view.name)).toEqual(['mps']);
    await third.engine.stop();
    const removed = JSON.parse(await readFile(path, 'utf8')) as typeof stored;
    expect(Object.keys(removed.accounts)).toEqual(['mps']);

    // A hand-edited twin differing only in case: `remove Mps` takes the set-aside one, exactly.
    const twin = JSON.parse(await readFile(path, 'utf8')) as typeof stored;
    const mps = twin.accounts.mps;
    if (mps === undefined) throw new Error('no record "mps" in the store');
    twin.accounts.Mps = { ...mps, settings: { ...mps.settings, preset: 'future-preset' } };
    await writeFile(path, JSON.stringify(twin));
    const fourth = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    expect(await fourth.engine.removeAccount('Mps')).toBe('Mps');
    expect(fourth.engine.list().map((view) => view.name)).toEqual(['mps']);
    await fourth.engine.stop();
    expect(Object.keys((JSON.parse(await readFile(path, 'utf8')) as typeof stored).accounts)).toEqual([
      'mps',
    ]);
  });

  it('unlocks an account when its secrets are entered again', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups, { cipher: testCipher('os:a') });
    await first.engine.saveAccount(mpsAccount(peer));
    await idle(first.engine);
    await first.engine.stop();
    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: testCipher('os:b'),
    });
    await second.engine.saveAccount(mpsAccount(peer), { originalName: 'mps' });
    await idle(second.engine);
    expect(second.engine.view('mps')).toMatchObject({ lockedSecrets: [], needsUser: false, state: 'valid' });
  });
});

describe('a key the OS rotated (B6 shouldReEncrypt)', () => {
  /** Same key, two ciphertext versions: values of the old one decrypt but are reported stale. */
  function rotatingCiphers() {
    // A fake of an OS key rotation (Electron's safeStorage cannot run here). Each value starts
    // with a byte naming the key generation: 0x01 before, 0x02 after. Without it, a random IV whose
    // first byte matched the marker (1 in 256) was taken for a re-sealed value.
    const key = randomBytes(32);
    const encrypts = { count: 0 };
    const tagged = (generation: number, plain: string) =>
      Buffer.concat([Buffer.from([generation]), sealWithKey(key, plain)]);
    const before: Cipher = {
      id: 'os:keychain',
      encrypt: async (plain) => tagged(0x01, plain),
      decrypt: async (data) => {
        if (data[0] !== 0x01) throw new Error('not sealed by this key');
        return openWithKey(key, data.subarray(1));
      },
    };
    const after: Cipher = {
      id: 'os:keychain',
      encrypt: async (plain) => {
        encrypts.count++;
        return tagged(0x02, plain);
      },
      decrypt: async (data, onStale) => {
        if (data[0] === 0x02) return openWithKey(key, data.subarray(1));
        if (data[0] !== 0x01) throw new Error('not sealed by either key');
        onStale?.();
        return openWithKey(key, data.subarray(1));
      },
    };
    return { before, after, encrypts };
  }

  it('encrypts a stale value again exactly once and writes it, leaving the other values alone', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const { before, after, encrypts } = rotatingCiphers();
    const first = await startHarness(cleanups, { cipher: before });
    await first.engine.saveAccount(mpsAccount(peer));
    const token = (await first.engine.token('mps')).accessToken;
    await first.engine.stop();
    const file = join(first.fixture.dataDir, 'accounts.json');
    const stored = () => JSON.parse(readFileSync(file, 'utf8')).accounts.mps;
    const old = stored();

    const second = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher: after });
    expect((await second.engine.token('mps')).accessToken).toBe(token);
    expect(encrypts.count).toBe(1);
    await second.clock.advance(65_000);
    await idle(second.engine);
    const now = stored();
    expect(now.token.access.d).not.toBe(old.token.access.d);
    expect(Buffer.from(now.token.access.d, 'base64')[0]).toBe(0x02);
    expect(now.secrets).toEqual(old.secrets);
    expect(now.token.refresh).toEqual(old.token.refresh);
    // Read again after a restart: no longer stale, nothing sealed anew.
    await second.engine.stop();
    const third = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher: after });
    expect((await third.engine.token('mps')).accessToken).toBe(token);
    expect(encrypts.count).toBe(1);
    expect(peer.requests).toHaveLength(1);
  });

  it('still serves a stale value when sealing it anew fails, and changes nothing on disk', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const { before, after } = rotatingCiphers();
    const first = await startHarness(cleanups, { cipher: before });
    await first.engine.saveAccount(mpsAccount(peer));
    const token = (await first.engine.token('mps')).accessToken;
    await first.engine.stop();
    const file = join(first.fixture.dataDir, 'accounts.json');
    const stored = () => JSON.parse(readFileSync(file, 'utf8')).accounts.mps.token;
    const old = stored();
    const failing: Cipher = {
      ...after,
      encrypt: async () => {
        throw new Error('the keyring went quiet');
      },
    };
    const second = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher: failing });
    expect((await second.engine.token('mps')).accessToken).toBe(token);
    await second.clock.advance(65_000);
    await idle(second.engine);
    await second.engine.stop();
    expect(stored().access).toEqual(old.access);
  });
});

describe('sealed values are bound to their field and connection settings', () => {
  type Env = { c: string; d: string };
  type StoredRecord = {
    settings: Record<string, unknown>;
    secrets: Record<string, Env>;
    token: { access: Env | null; refresh: Env | null; expiresAt: string | null } | null;
  };
  type StoredFile = { accounts: Record<string, StoredRecord> };
  const read = (dir: string): StoredFile =>
    JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as StoredFile;
  async function edit(dir: string, change: (file: StoredFile) => void): Promise<void> {
    const file = read(dir);
    change(file);
    await writeFile(join(dir, 'accounts.json'), JSON.stringify(file), { mode: 0o600 });
  }
  const account = (file: StoredFile, name: string): StoredRecord => {
    const found = file.accounts[name];
    if (found === undefined) throw new Error(`no record "${name}" in the store`);
    return found;
  };

  /**
   * A fake of Electron's safeStorage on macOS and on Linux with a keyring (safeStorage cannot run
   * here): Chromium's OSCrypt, AES-128-CBC with an IV of 16 spaces after a `v11` prefix, no MAC.
   */
  function osCryptLikeCipher(): Cipher {
    const key = randomBytes(16);
    const iv = Buffer.alloc(16, 0x20);
    return {
      id: 'safeStorage:gnome_libsecret',
      encrypt: async (plain) => {
        const c = createCipheriv('aes-128-cbc', key, iv);
        return Buffer.concat([Buffer.from('v11'), c.update(plain, 'utf8'), c.final()]);
      },
      decrypt: async (data) => {
        const d = createDecipheriv('aes-128-cbc', key, iv);
        return Buffer.concat([d.update(Buffer.from(data).subarray(3)), d.final()]).toString('utf8');
      },
    };
  }

  /** Renews on the clock and on demand; resolves once idle. */
  async function tryEverything(h: Awaited<ReturnType<typeof startHarness>>, name: string): Promise<void> {
    await h.engine.token(name).catch(() => undefined);
    await h.engine.refresh(name).catch(() => undefined);
    await h.clock.advance(10 * 60_000);
    await idle(h.engine);
  }

  it('a base URL changed in accounts.json behind Tokentray: nothing is sent there, the account says why', async () => {
    const real = cleanups.add(await startMpsMonitorPeer());
    const evil = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups);
    await first.engine.saveAccount(mpsAccount(real));
    await first.engine.token('mps');
    await first.engine.stop();
    await edit(first.fixture.dataDir, (file) => {
      account(file, 'mps').settings.baseUrl = evil.baseUrl;
    });

    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    await expect(second.engine.token('mps')).rejects.toThrow(/sealed for other settings of this account/);
    await tryEverything(second, 'mps');
    expect(evil.requests).toHaveLength(0);
    const view = second.engine.view('mps');
    expect(view?.errorCode).toBe('settings_changed');
    expect(view?.error).toContain('check them (the token URL, base URL, issuer)');
    expect(second.lines.join('\n')).not.toContain(MPS.password);

    // Saving it again with its secrets is the user's word on the settings: it works from then on.
    await second.engine.saveAccount(mpsAccount(evil), { originalName: 'mps' });
    expect((await second.engine.token('mps')).accessToken).toBeTruthy();
    expect(evil.requests).toHaveLength(1);
  });

  it('a value whose first blocks were cut off (AES-CBC, no MAC) does not pass for an old one', async () => {
    const real = cleanups.add(await startMpsMonitorPeer());
    const evil = cleanups.add(await startMpsMonitorPeer());
    const cipher = osCryptLikeCipher();
    const first = await startHarness(cleanups, { cipher });
    await first.engine.saveAccount(mpsAccount(real));
    await first.engine.token('mps');
    await first.engine.stop();
    await edit(first.fixture.dataDir, (file) => {
      const mps = account(file, 'mps');
      mps.settings.baseUrl = evil.baseUrl;
      for (const field of ['clientSecret', 'password']) {
        const raw = Buffer.from(mps.secrets[field]?.d ?? '', 'base64');
        // `v11`, then the ciphertext without 3 of the 4 blocks the binding takes: it decrypts to 16
        // bytes of garbage and the secret.
        mps.secrets[field] = {
          c: cipher.id,
          d: Buffer.concat([raw.subarray(0, 3), raw.subarray(51)]).toString('base64'),
        };
      }
      mps.token = null;
    });
    const second = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher });
    await tryEverything(second, 'mps');
    expect(evil.requests).toHaveLength(0);
    expect(second.engine.view('mps')?.error).toContain('cannot show it was not altered');
  });

  it('blocks spliced from two values (AES-CBC with a fixed IV, no MAC) do not open', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const cipher = osCryptLikeCipher();
    const first = await startHarness(cleanups, { cipher });
    const tail = 'z'.repeat(48);
    await first.engine.saveAccount(mpsAccount(peer, { name: 'x' }));
    await first.engine.saveAccount(mpsAccount(peer, { name: 'y', password: `y-password-${tail}` }));
    await first.engine.stop();
    await edit(first.fixture.dataDir, (file) => {
      const x = account(file, 'x');
      const y = account(file, 'y');
      const xRaw = Buffer.from(x.secrets.password?.d ?? '', 'base64');
      const yRaw = Buffer.from(y.secrets.password?.d ?? '', 'base64');
      // `v11`, x's first 4 blocks (its marker and binding), then y's value: 16 garbage bytes and
      // the rest of y's password, under x's binding.
      x.secrets.password = {
        c: cipher.id,
        d: Buffer.concat([xRaw.subarray(0, 3 + 64), yRaw.subarray(3 + 64)]).toString('base64'),
      };
      delete file.accounts.y; // only x is renewed: y's own requests carry its password
    });
    const second = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher });
    const before = peer.requests.length;
    await tryEverything(second, 'x');
    expect(
      peer.requests
        .slice(before)
        .map((request) => request.body)
        .join('\n'),
    ).not.toContain('zzzz');
    expect(second.engine.view('x')?.errorCode).toBe('settings_changed');
  });

  it('a password moved into the access token is not handed out, and nothing is sent', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups);
    await first.engine.saveAccount(mpsAccount(peer, { name: 'prod', cliAccess: true }));
    await first.engine.saveAccount(mpsAccount(peer, { name: 'staging', cliAccess: true }));
    await first.engine.token('prod');
    await first.engine.token('staging');
    await first.engine.stop();
    await edit(first.fixture.dataDir, (file) => {
      const prod = account(file, 'prod');
      if (prod.token)
        prod.token = {
          ...prod.token,
          access: prod.secrets.password ?? null,
          expiresAt: '2099-01-01T00:00:00.000Z',
        };
    });
    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    const requestsBefore = peer.requests.length;
    await expect(second.engine.token('prod', { purpose: 'cli' })).rejects.toThrow(
      /sealed for other settings/,
    );
    // The other account, untouched, serves as before.
    expect((await second.engine.token('staging', { purpose: 'cli' })).accessToken).toBeTruthy();
    await tryEverything(second, 'prod');
    expect(peer.requests).toHaveLength(requestsBefore);
  });

  it('an interactive public client whose token URL changed: no silent sign-in prompt, no sign-in there', async () => {
    const seen: string[] = [];
    const evil = cleanups.add(
      await startHttpPeer({
        isTokenRequest: () => true,
        handle(_req, res, logged) {
          seen.push(`${logged.method} ${logged.path}`);
          sendJson(res, 400, { error: 'invalid_grant' });
        },
      }),
    );
    const settings = (url: string) => ({
      name: 'dev',
      preset: 'oauth2',
      grantType: 'device_code',
      tokenUrl: `${url}/token`,
      deviceAuthorizationUrl: `${url}/device`,
      clientId: 'public',
      clientAuth: 'none',
    });
    const first = await startHarness(cleanups);
    await first.engine.saveAccount(settings('https://login.example.com'));
    await first.engine.stop();
    // As after a sign-in: a refresh token sealed for the real settings.
    const file = read(first.fixture.dataDir);
    const dev = account(file, 'dev');
    const owner = { settings: dev.settings };
    dev.token = {
      ...(await storedTokenFor(
        first.fixture.cipher,
        {
          accessToken: 'old-access',
          refreshToken: 'real-refresh',
          tokenType: 'bearer',
          scope: null,
          obtainedAt: Date.parse('2026-11-24T08:00:00Z'),
          expiresAt: Date.parse('2026-11-24T08:30:00Z'),
          expirySource: 'expires_in',
          grant: 'device_code',
        },
        null,
        owner,
      )),
    };
    Object.assign(dev.settings, {
      tokenUrl: `${evil.url}/token`,
      deviceAuthorizationUrl: `${evil.url}/device`,
    });
    await writeFile(join(first.fixture.dataDir, 'accounts.json'), JSON.stringify(file), { mode: 0o600 });

    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    await tryEverything(second, 'dev');
    expect(second.engine.view('dev')?.errorCode).toBe('settings_changed');
    const stop = new AbortController();
    await expect(
      second.engine.signIn('dev', { signal: stop.signal, onEvent: () => stop.abort() }),
    ).rejects.toThrow(/sealed for other settings/);
    expect(seen).toEqual([]);
  });

  it('a label or CLI access changed by hand still opens; an edit or a rename in Tokentray moves the values', async () => {
    const before = cleanups.add(await startMpsMonitorPeer());
    const after = cleanups.add(await startMpsMonitorPeer());
    const first = await startHarness(cleanups);
    await first.engine.saveAccount(mpsAccount(before));
    const token = (await first.engine.token('mps')).accessToken;
    await first.engine.stop();
    await edit(first.fixture.dataDir, (file) => {
      Object.assign(account(file, 'mps').settings, { label: 'changed by hand', cliAccess: true });
    });
    const second = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    expect((await second.engine.token('mps')).accessToken).toBe(token);
    // A rename keeps the token, now sealed for the new name.
    const { clientSecret: _s, password: _p, ...noSecrets } = mpsAccount(before, { name: 'renamed' });
    await second.engine.saveAccount(noSecrets, { originalName: 'mps' });
    expect((await second.engine.token('renamed')).accessToken).toBe(token);
    // The window's edit: a new base URL, the secrets left out of the form (kept).
    await second.engine.saveAccount({ ...noSecrets, baseUrl: after.baseUrl }, { originalName: 'renamed' });
    const moved = (await second.engine.token('renamed', { purpose: 'manual' })).accessToken;
    expect(moved).not.toBe(token);
    expect(after.requests).toHaveLength(1);
    await second.engine.stop();
    const third = await startHarness(cleanups, {
      dataDir: first.fixture.dataDir,
      cipher: first.fixture.cipher,
    });
    expect((await third.engine.token('renamed')).accessToken).toBe(moved);
    await third.engine.refresh('renamed');
    expect(after.requests.length).toBeGreaterThan(1);
    expect(third.engine.view('renamed')?.error).toBeNull();
    // Back to the first URL with the same secrets typed in again (an import, say): sealed anew.
    const beforeCount = before.requests.length;
    await third.engine.saveAccount(mpsAccount(before, { name: 'renamed' }), { originalName: 'renamed' });
    await third.engine.refresh('renamed');
    expect(before.requests.length).toBeGreaterThan(beforeCount);
    expect(third.engine.view('renamed')?.error).toBeNull();
  });

  it('a rename while a renewal is on the wire keeps its refresh token usable (the name is not bound)', async () => {
    let n = 0;
    const peer = cleanups.add(
      await startHttpPeer({
        isTokenRequest: () => true,
        handle(_req, res, logged) {
          n += 1;
          const form = logged.form ?? {};
          if (form.grant_type === 'password')
            return sendJson(res, 200, {
              access_token: `a${n}`,
              refresh_token: 'R1',
              token_type: 'bearer',
              expires_in: 3600,
            });
          if (form.grant_type === 'refresh_token' && form.refresh_token === 'R1')
            // RFC 6749 §6: no new refresh token, the old one stays valid.
            return sendJson(res, 200, { access_token: `a${n}`, token_type: 'bearer', expires_in: 3600 });
          return sendJson(res, 400, { error: 'invalid_grant' });
        },
      }),
    );
    const definition = (name: string) => ({
      name,
      preset: 'oauth2',
      grantType: 'password',
      tokenUrl: `${peer.url}/token`,
      clientId: 'c',
      clientAuth: 'client_secret_post',
      clientSecret: 'client-secret-value',
      username: 'u',
      password: 'user-password-value',
    });
    const h = await startHarness(cleanups);
    await h.engine.saveAccount(definition('dev'));
    await idle(h.engine);
    peer.faults.push({ kind: 'delay', ms: 200 });
    const renewal = h.engine.refresh('dev').catch((error: unknown) => error);
    const { clientSecret: _c, password: _p, ...noSecrets } = definition('dev2');
    await h.engine.saveAccount(noSecrets, { originalName: 'dev' });
    await renewal;
    await idle(h.engine);
    await h.engine.refresh('dev2');
    expect(h.engine.view('dev2')?.errorCode).toBeNull();
    expect(peer.requests.map((request) => request.form?.grant_type)).toEqual([
      'password',
      'refresh_token',
      'refresh_token',
    ]);
  });

  it('a rename with a slow (async) cipher keeps a renewal that lands meanwhile', async () => {
    const inner = testCipher();
    const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Like safeStorage's encryptStringAsync / decryptStringAsync: answers on a later turn.
    const cipher: Cipher = {
      ...inner,
      encrypt: async (plain) => (await later(40), inner.encrypt(plain)),
      decrypt: async (data, onStale) => (await later(40), inner.decrypt(data, onStale)),
    };
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups, { cipher });
    await h.engine.saveAccount(mpsAccount(peer));
    await idle(h.engine);
    await h.engine.token('mps');
    peer.faults.push({ kind: 'delay', ms: 20 });
    const renewal = h.engine.refresh('mps').catch((error: unknown) => error);
    const { clientSecret: _c, password: _p, ...noSecrets } = mpsAccount(peer, { name: 'mps2' });
    await h.engine.saveAccount(noSecrets, { originalName: 'mps' });
    await renewal;
    await idle(h.engine);
    const restarted = await h.fixture.restart();
    expect((await restarted.token('mps2')).accessToken).toBe(peer.issued.accessTokens.at(-1));
  });

  it('a value sealed before bindings existed opens with an authenticated cipher and is sealed again; not with CBC', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    for (const cipher of [testCipher(), osCryptLikeCipher()]) {
      const first = await startHarness(cleanups, { cipher });
      await first.engine.saveAccount(mpsAccount(peer));
      await first.engine.stop();
      // The password as an earlier version sealed it: the bare value.
      const legacy = Buffer.from(await cipher.encrypt(MPS.password)).toString('base64');
      await edit(first.fixture.dataDir, (file) => {
        account(file, 'mps').secrets.password = { c: cipher.id, d: legacy };
      });
      const second = await startHarness(cleanups, { dataDir: first.fixture.dataDir, cipher });
      const got = await second.engine.token('mps').then(
        (issued) => issued.accessToken,
        (error: Error) => error.message,
      );
      await second.clock.advance(65_000);
      await idle(second.engine);
      await second.engine.stop();
      const sealed = account(read(first.fixture.dataDir), 'mps').secrets.password;
      if (cipher.authenticated === true) {
        expect(got).not.toContain('not sealed as this version seals values');
        expect(sealed?.d).not.toBe(legacy);
        const plain = await cipher.decrypt(Buffer.from(sealed?.d ?? '', 'base64'));
        expect(plain.startsWith('\u0000tokentray-bound-v1:')).toBe(true);
        expect(plain.endsWith(`:${MPS.password}`)).toBe(true);
      } else {
        expect(got).toContain(
          `the stored password is not sealed as this version seals values, and ${cipher.id} cannot show it was not altered`,
        );
        expect(sealed?.d).toBe(legacy);
      }
    }
  });
});

describe('the passphrase', () => {
  it('refuses a wrong passphrase with StoreError wrong_passphrase and leaves the data dir byte-identical', async () => {
    const dataDir = await tempDir();
    const cipher = await openPassphraseCipher(dataDir, 'the right one');
    const h = await startHarness(cleanups, { dataDir, cipher });
    await h.engine.saveAccount({ name: 'pasted', preset: 'static', token: 'abcd-static' });
    await h.engine.stop();
    const before = await snapshot(dataDir);
    const attempt = openPassphraseCipher(dataDir, 'the wrong one');
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'wrong_passphrase' });
    expect(await snapshot(dataDir)).toEqual(before);
  });
});

describe('format 1 known-answer fixture (B9)', () => {
  it('still loads, decrypts and serves the tokens written by format 1', async () => {
    const expected = JSON.parse(await readFile(join(FIXTURE_DIR, 'expected.json'), 'utf8')) as {
      passphrase: string;
      now: number;
      static: string;
      mps: {
        accessToken: string;
        refreshToken: string;
        clientSecret: string;
        password: string;
        expiresAt: string;
      };
    };
    const fixtureBefore = await snapshot(FIXTURE_DIR);
    const dataDir = await tempDir();
    await cp(FIXTURE_DIR, dataDir, { recursive: true });
    const cipher = await openPassphraseCipher(dataDir, expected.passphrase);
    const clock = new ManualClock(expected.now + 60_000);
    const engine = createEngine({ dataDir, cipher, clock });
    cleanups.add({ cleanup: () => engine.stop() });
    await engine.start();

    expect(
      engine
        .list()
        .map((view) => [view.name, view.preset])
        .sort(),
    ).toEqual([
      ['Mps-Tenant', 'mps-monitor'],
      ['pasted', 'static'],
    ]);
    const mps = engine.view('mps-tenant');
    expect(mps).toMatchObject({
      name: 'Mps-Tenant',
      state: 'valid',
      expiresAt: expected.mps.expiresAt,
      notifyBeforeSeconds: 300,
      lockedSecrets: [],
      tokenType: 'bearer',
    });
    expect(mps?.settings).toMatchObject({ clientId: MPS.clientId, username: MPS.username });
    expect(mps?.storedSecrets.sort()).toEqual(['clientSecret', 'password']);
    expect(engine.view('pasted')).toMatchObject({
      label: 'Pasted by hand',
      cliAccess: true,
      renewable: false,
    });

    expect((await engine.token('Mps-Tenant')).accessToken).toBe(expected.mps.accessToken);
    expect((await engine.token('pasted', { purpose: 'cli' })).accessToken).toBe(expected.static);
    const exported = await engine.exportAccounts({ includeSecrets: true });
    expect(exported.accounts.find((a) => a.name === 'Mps-Tenant')).toMatchObject({
      clientSecret: expected.mps.clientSecret,
      password: expected.mps.password,
    });
    expect(await snapshot(FIXTURE_DIR)).toEqual(fixtureBefore);
  });

  it('keeps the envelope format: {c: cipher id, d: base64 AES-GCM}', async () => {
    const file = JSON.parse(await readFile(join(FIXTURE_DIR, 'accounts.json'), 'utf8')) as {
      accounts: Record<string, { secrets: Record<string, { c: string; d: string }> }>;
      __internal__: { migrations: { version: string } };
    };
    expect(file.__internal__.migrations.version).toBe('1.0.0');
    const envelope = file.accounts['Mps-Tenant']?.secrets.password;
    expect(envelope?.c).toMatch(/^passphrase:[0-9a-f]{12}$/);
    expect(Buffer.from(envelope?.d ?? '', 'base64').length).toBe(12 + Buffer.byteLength(MPS.password) + 16);
  });
});

describe('nothing secret on disk in clear', () => {
  it('keeps every secret and every issued token out of the data dir, for every preset', async () => {
    const mps = cleanups.add(await startMpsMonitorPeer());
    const msp = cleanups.add(await startMsp360Peer());
    const acronis = cleanups.add(await startAcronisPeer());
    const bnet = cleanups.add(await startBackupNetPeer());
    const oauth2 = cleanups.add(await startOAuth2ServerPeer());
    const h = await startHarness(cleanups);
    const staticToken = makeJwt({ sub: 'pasted', exp: Math.floor(h.clock.now() / 1000) + 3600 });
    await h.engine.importAccounts({
      accounts: [
        mpsAccount(mps),
        {
          name: 'msp',
          preset: 'msp360',
          baseUrl: msp.url,
          username: MSP360_DEFAULTS.username,
          password: MSP360_DEFAULTS.password,
        },
        {
          name: 'acr',
          preset: 'acronis',
          baseUrl: acronis.url,
          clientId: ACRONIS_DEFAULTS.clientId,
          clientSecret: ACRONIS_DEFAULTS.clientSecret,
        },
        {
          name: 'bnet',
          preset: 'backup-net',
          issuer: bnet.issuer,
          clientId: 'fake-backupnet-client',
          clientSecret: OIDC_DEFAULT_CLIENT.client_secret ?? '',
        },
        {
          name: 'gen',
          preset: 'oauth2',
          tokenUrl: oauth2.tokenUrl,
          grantType: 'password',
          clientId: OAUTH2_DEFAULTS.clientId,
          clientSecret: OAUTH2_DEFAULTS.clientSecret,
          username: OAUTH2_DEFAULTS.username,
          password: OAUTH2_DEFAULTS.password,
        },
        { name: 'pasted', preset: 'static', token: staticToken },
      ],
    });
    for (const name of ['mps', 'msp', 'acr', 'bnet', 'gen', 'pasted'])
      await h.engine.token(name, { purpose: 'copy' });
    await h.engine.refresh('mps');
    await h.engine.refresh('gen');
    await h.engine.stop();

    const secrets = [
      MPS.clientSecret,
      MPS.password,
      MSP360_DEFAULTS.password,
      ACRONIS_DEFAULTS.clientSecret,
      OIDC_DEFAULT_CLIENT.client_secret ?? '',
      OAUTH2_DEFAULTS.clientSecret,
      OAUTH2_DEFAULTS.password,
      staticToken,
      ...mps.issued.accessTokens,
      ...mps.issued.refreshTokens,
      ...msp.issued,
      ...acronis.issued,
      ...oauth2.issued.accessTokens,
      ...oauth2.issued.refreshTokens,
    ];
    expect(mps.issued.refreshTokens.length).toBeGreaterThanOrEqual(2);
    expect(oauth2.issued.refreshTokens.length).toBeGreaterThanOrEqual(2);
    const files = await filesUnder(h.fixture.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const { path, bytes } of files) {
      for (const secret of secrets) {
        for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) {
          expect(bytes.includes(Buffer.from(form)), `${path} holds a secret in clear`).toBe(false);
        }
      }
    }
  });

  it('writes no secret or token at all when persistSecrets is false, and keeps them in memory', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups, { persistSecrets: false });
    await h.engine.saveAccount(mpsAccount(peer));
    const token = await h.engine.token('mps');
    await h.engine.refresh('mps');
    await h.engine.stop();
    const text = await readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8');
    const record = (JSON.parse(text) as { accounts: Record<string, { secrets: object; token: unknown }> })
      .accounts.mps;
    expect(record).toMatchObject({ secrets: {}, token: null });
    expect(text).not.toContain(token.accessToken);
    expect(peer.requests.at(-1)?.form?.grant_type).toBe('refresh_token');
  });
});

describe('persistence comes first (C4c)', () => {
  it('does not hand out a token it could not save', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    // Make the next write fail: the store file's place is taken by a directory.
    const file = join(h.fixture.dataDir, 'accounts.json');
    await rm(file);
    await mkdir(join(file, 'blocker'), { recursive: true });
    await expect(h.engine.token('mps')).rejects.toBeInstanceOf(StoreError);
    expect(peer.issued.accessTokens).toHaveLength(1);
    expect(h.lines.some((line) => line.includes('not handed out'))).toBe(true);
    // Until the store takes it, the renewed token is not handed out, and no new one is asked for
    // (it may carry a rotated refresh token): the write is tried again, with backoff.
    await expect(h.engine.token('mps')).rejects.toBeInstanceOf(StoreError);
    expect(peer.issued.accessTokens).toHaveLength(1);
    await rm(file, { recursive: true });
    await h.clock.advance(15 * 60_000);
    const token = await h.engine.token('mps');
    expect(token.accessToken).toBe(peer.issued.accessTokens[0]);
    expect(peer.issued.accessTokens).toHaveLength(1);
    expect(h.engine.view('mps')).toMatchObject({ state: 'valid', error: null });
  });
});

describe('account changes while a renewal is in flight', () => {
  async function inFlight() {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    await h.engine.saveAccount(mpsAccount(peer));
    await idle(h.engine);
    peer.faults.push({ kind: 'delay', ms: 150 });
    const renewal = h.engine.refresh('mps').catch((error: unknown) => error);
    expect(h.engine.view('mps')?.state).toBe('refreshing');
    return { peer, h, renewal };
  }

  it('keeps a label edited during the renewal, and the account keeps renewing', async () => {
    const { peer, h, renewal } = await inFlight();
    await h.engine.saveAccount({ ...mpsAccount(peer), label: 'Edited meanwhile' }, { originalName: 'mps' });
    await renewal;
    await idle(h.engine);
    expect(h.engine.view('mps')).toMatchObject({ label: 'Edited meanwhile', state: 'valid' });
    expect((await h.engine.token('mps')).accessToken).toBe(peer.issued.accessTokens.at(-1));
    await h.engine.refresh('mps');
    expect(h.engine.view('mps')?.state).toBe('valid');
    const restarted = await h.fixture.restart();
    expect(restarted.view('mps')).toMatchObject({ label: 'Edited meanwhile', state: 'valid' });
  });

  it('keeps CLI access turned on during the renewal', async () => {
    const { h, renewal } = await inFlight();
    await h.engine.setCliAccess('mps', true);
    await renewal;
    await idle(h.engine);
    expect(h.engine.view('mps')?.cliAccess).toBe(true);
    const restarted = await h.fixture.restart();
    expect(restarted.view('mps')?.cliAccess).toBe(true);
  });

  it('does not bring back an account removed during the renewal', async () => {
    const { h, renewal } = await inFlight();
    expect(await h.engine.removeAccount('mps')).toBe('mps');
    await renewal;
    expect(h.engine.list()).toEqual([]);
    const restarted = await h.fixture.restart();
    expect(restarted.list()).toEqual([]);
  });
});
