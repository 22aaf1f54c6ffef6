import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  classifyProtection,
  isFixedKeyCiphertext,
  isKeyringCiphertext,
  openSafeStorage,
  persistSecretsFor,
  type LinuxBackend,
} from '../../main/desktop/safe-storage-cipher.js';
import { describeStorage } from '../../main/desktop/storage-status.js';
import { createEngine, StoreError } from '../../main/engine/index.js';
import { FakeSafeStorage } from '../fakes/electron-fake.js';

const V10 = Buffer.from('v10xxxx');
const V11 = Buffer.from('v11xxxx');
const OTHER = Buffer.from('v12xxxx');
const SHORT = Buffer.from('v1');

describe('protection classification matrix', () => {
  const rows: [NodeJS.Platform, LinuxBackend | null, boolean, Buffer | null, string, string][] = [
    ['darwin', null, true, null, 'os', 'keychain'],
    ['win32', null, true, null, 'os', 'dpapi'],
    ['darwin', null, false, null, 'unavailable', 'keychain'],
    ['win32', null, false, null, 'unavailable', 'dpapi'],
    ['linux', 'gnome_libsecret', true, V11, 'os', 'gnome_libsecret'],
    ['linux', 'kwallet', true, V11, 'os', 'kwallet'],
    ['linux', 'kwallet5', true, V11, 'os', 'kwallet5'],
    ['linux', 'kwallet6', true, V11, 'os', 'kwallet6'],
    ['linux', 'gnome_libsecret', true, V10, 'weak', 'gnome_libsecret'],
    ['linux', 'kwallet6', true, V10, 'weak', 'kwallet6'],
    ['linux', 'kwallet5', true, V10, 'weak', 'kwallet5'],
    ['linux', 'basic_text', true, V10, 'weak', 'basic_text'],
    // Sway, Hyprland, i3: Chromium names no keyring, yet the key came from one.
    ['linux', 'basic_text', true, V11, 'os', 'basic_text'],
    ['linux', 'unknown', true, V11, 'os', 'unknown'],
    ['linux', 'unknown', true, V10, 'weak', 'unknown'],
    // Without a recognisable probe, the backend's name decides.
    ['linux', 'unknown', true, null, 'weak', 'unknown'],
    ['linux', 'basic_text', true, null, 'weak', 'basic_text'],
    ['linux', 'gnome_libsecret', true, null, 'os', 'gnome_libsecret'],
    ['linux', 'gnome_libsecret', true, OTHER, 'os', 'gnome_libsecret'],
    ['linux', 'basic_text', true, OTHER, 'weak', 'basic_text'],
    ['linux', 'basic_text', true, SHORT, 'weak', 'basic_text'],
    ['linux', 'gnome_libsecret', false, null, 'unavailable', 'gnome_libsecret'],
    ['linux', 'basic_text', false, null, 'unavailable', 'basic_text'],
    ['freebsd', null, true, null, 'weak', 'unknown'],
  ];
  it.each(rows)(
    '%s / %s / available %s / probe %s → %s (%s)',
    (platform, backend, available, probe, protection, id) => {
      const result = classifyProtection({ platform, backend, available, probe });
      expect(result.protection).toBe(protection);
      expect(result.backend).toBe(id);
      expect(result.reason === null).toBe(protection === 'os');
    },
  );

  it('recognises the fixed-key and keyring prefixes only on Linux', () => {
    expect(isFixedKeyCiphertext('linux', V10)).toBe(true);
    expect(isFixedKeyCiphertext('linux', V11)).toBe(false);
    expect(isFixedKeyCiphertext('darwin', V10)).toBe(false);
    expect(isKeyringCiphertext('linux', V11)).toBe(true);
    expect(isKeyringCiphertext('linux', V10)).toBe(false);
    expect(isKeyringCiphertext('linux', SHORT)).toBe(false);
    expect(isKeyringCiphertext('win32', V11)).toBe(false);
  });

  it('says why a keyring backend that produced a fixed-key probe is weak, and names a missing keyring otherwise', () => {
    const fellBack = classifyProtection({
      platform: 'linux',
      backend: 'gnome_libsecret',
      available: true,
      probe: V10,
    });
    expect(fellBack.reason).toMatch(/keyring \(gnome_libsecret\) did not provide a key/);
    const none = classifyProtection({
      platform: 'linux',
      backend: 'basic_text',
      available: true,
      probe: V10,
    });
    expect(none.reason).toMatch(/no keyring was found \(Linux secret store: basic_text\)/);
  });

  it('persists secrets under OS protection, under weak only when accepted, and never rewrites under an unavailable keyring', () => {
    expect(persistSecretsFor('os', false)).toBe(true);
    expect(persistSecretsFor('weak', false)).toBe(false);
    expect(persistSecretsFor('weak', true)).toBe(true);
    // The unavailable cipher refuses every call, so the store's encrypted values are left as they are.
    expect(persistSecretsFor('unavailable', false)).toBe(true);
  });
});

describe('safeStorage cipher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const open = (fake: FakeSafeStorage, platform: NodeJS.Platform = 'linux', isReady = true) =>
    openSafeStorage({
      safeStorage: fake.asSafeStorage(),
      platform,
      isReady: () => isReady,
      timeoutMs: 30_000,
    });

  it('is never used before the app is ready', async () => {
    const fake = new FakeSafeStorage();
    await expect(open(fake, 'linux', false)).rejects.toBeInstanceOf(StoreError);
    expect(fake.calls).toEqual([]);
  });

  it('records the backend in the cipher id and round-trips through the async API', async () => {
    const storage = await open(new FakeSafeStorage());
    expect(storage.protection).toBe('os');
    expect(storage.cipher.id).toBe('safeStorage:gnome_libsecret');
    expect(await storage.cipher.decrypt(await storage.cipher.encrypt('s3cret'))).toBe('s3cret');
    expect((await open(new FakeSafeStorage(), 'darwin')).cipher.id).toBe('safeStorage:keychain');
    expect((await open(new FakeSafeStorage(), 'win32')).cipher.id).toBe('safeStorage:dpapi');
  });

  it("passes safeStorage's shouldReEncrypt on to the engine, once per decrypt that reports it", async () => {
    const fake = new FakeSafeStorage();
    const storage = await open(fake);
    const sealed = await storage.cipher.encrypt('s3cret');
    const onStale = vi.fn();
    expect(await storage.cipher.decrypt(sealed, onStale)).toBe('s3cret');
    expect(onStale).not.toHaveBeenCalled();
    fake.shouldReEncrypt = true;
    expect(await storage.cipher.decrypt(sealed, onStale)).toBe('s3cret');
    expect(onStale).toHaveBeenCalledTimes(1);
  });

  it('classifies basic_text as weak and says why', async () => {
    const fake = new FakeSafeStorage();
    fake.backend = 'basic_text';
    fake.prefix = 'v10';
    const storage = await open(fake);
    expect(storage.protection).toBe('weak');
    expect(storage.cipher.id).toBe('safeStorage:basic_text');
    expect(describeStorage(storage, false).warning).toMatch(/memory for this session only.*obfuscated/);
    expect(describeStorage(storage, true).warning).toMatch(/You accepted/);
  });

  it('trusts a keyring key even where Chromium names the backend basic_text (Sway, Hyprland, i3)', async () => {
    const fake = new FakeSafeStorage();
    fake.backend = 'basic_text';
    fake.prefix = 'v11';
    const storage = await open(fake);
    expect(storage.protection).toBe('os');
    expect(storage.reason).toBeNull();
    expect(storage.cipher.id).toBe('safeStorage:basic_text');
    expect(describeStorage(storage, false).warning).toBeNull();
    expect(await storage.cipher.decrypt(await storage.cipher.encrypt('s3cret'))).toBe('s3cret');
    // If the keyring then stops giving a key, the fixed-key ciphertext is still refused.
    fake.prefix = 'v10';
    await expect(storage.cipher.encrypt('secret')).rejects.toMatchObject({ code: 'locked' });
  });

  it('treats a keyring backend that silently fell back to the fixed key as weak', async () => {
    const fake = new FakeSafeStorage();
    fake.prefix = 'v10';
    expect((await open(fake)).protection).toBe('weak');
  });

  it('gives up on a keyring that never answers: unavailable after the timeout, without crashing', async () => {
    vi.useFakeTimers();
    const fake = new FakeSafeStorage();
    fake.hang = true;
    const opening = open(fake);
    await vi.advanceTimersByTimeAsync(29_999);
    let settled = false;
    void opening.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const storage = await opening;
    expect(storage.protection).toBe('unavailable');
    expect(storage.reason).toMatch(/did not answer within 30 s/);
    await expect(storage.cipher.decrypt(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'locked' });
    await expect(storage.cipher.encrypt('x')).rejects.toMatchObject({ code: 'locked' });
    expect(describeStorage(storage, true).tray).toEqual({ protection: 'unavailable', persisting: false });
  });

  /** Storage opened on a keyring that does not answer within the 30 s timeout (fake timers). */
  async function timedOut(fake: FakeSafeStorage) {
    vi.useFakeTimers();
    fake.hang = true;
    const opening = open(fake);
    await vi.advanceTimersByTimeAsync(30_000);
    return opening;
  }

  it('offers the late answer of a keyring that answered after the timeout (unlocked late at login)', async () => {
    const fake = new FakeSafeStorage();
    const storage = await timedOut(fake);
    expect(storage.protection).toBe('unavailable');
    expect(storage.later).toBeInstanceOf(Promise);
    fake.answer();
    const late = await storage.later;
    expect(late).toMatchObject({ protection: 'os', backend: 'gnome_libsecret', reason: null });
    expect(await late?.cipher.decrypt(await late.cipher.encrypt('s3cret'))).toBe('s3cret');
  });

  it('has no late answer when the keyring answered in time, and a null one when it answers "not available"', async () => {
    expect((await open(new FakeSafeStorage())).later).toBeUndefined();
    const fake = new FakeSafeStorage();
    const storage = await timedOut(fake);
    fake.available = false;
    fake.answer();
    expect(await storage.later).toBeNull();
  });

  it('times out a decrypt that hangs mid-session', async () => {
    const fake = new FakeSafeStorage();
    const storage = await open(fake);
    const data = await storage.cipher.encrypt('value');
    vi.useFakeTimers();
    fake.hang = true;
    const pending = storage.cipher.decrypt(data);
    const check = expect(pending).rejects.toMatchObject({ code: 'locked' });
    await vi.advanceTimersByTimeAsync(30_000);
    await check;
  });

  it('turns a decrypt failure into a locked StoreError (the engine keeps the value and asks again)', async () => {
    const fake = new FakeSafeStorage();
    const storage = await open(fake);
    fake.failDecrypt = true;
    await expect(storage.cipher.decrypt(Buffer.from('v11abc'))).rejects.toMatchObject({
      name: 'StoreError',
      code: 'locked',
    });
  });

  it('refuses to write a fixed-key ciphertext while claiming OS protection', async () => {
    const fake = new FakeSafeStorage();
    const storage = await open(fake);
    fake.prefix = 'v10';
    await expect(storage.cipher.encrypt('secret')).rejects.toMatchObject({ code: 'locked' });
  });
});

describe('weak storage with the real engine', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-weak-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function saveWith(persistWeakSecrets: boolean): Promise<string> {
    const fake = new FakeSafeStorage();
    fake.backend = 'basic_text';
    fake.prefix = 'v10';
    const storage = await openSafeStorage({
      safeStorage: fake.asSafeStorage(),
      platform: 'linux',
      isReady: () => true,
      timeoutMs: 1000,
    });
    const engine = createEngine({
      dataDir: dir,
      cipher: storage.cipher,
      persistSecrets: persistSecretsFor(storage.protection, persistWeakSecrets),
    });
    await engine.start();
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: 'opaque-token-value-123456' });
    expect(engine.view('pasted')?.storedSecrets).toEqual(['token']);
    await engine.stop();
    return readFile(path.join(dir, 'accounts.json'), 'utf8');
  }

  it('keeps secrets out of the file when the user has not accepted weak storage', async () => {
    const file = await saveWith(false);
    expect(file).toContain('pasted');
    expect(file).not.toContain('safeStorage:basic_text');
    expect(file).not.toContain('opaque-token-value');
  });

  it('stores them (obfuscated, tagged with the backend) once the user accepted', async () => {
    const file = await saveWith(true);
    expect(file).toContain('safeStorage:basic_text');
    expect(file).not.toContain('opaque-token-value');
  });
});
