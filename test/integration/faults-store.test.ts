/**
 * Issue #12, items 10 and 14: a refresh token the server refused is never sent again, whether or
 * not the store could be written (a full disk), and the write is reported and retried with
 * backoff; a secret that could not be decrypted and reads again clears its "enter it again" error
 * at once.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../main/engine/index.js';
import type { Cipher } from '../../main/engine/types.js';
import { testCipher } from '../helpers/engine.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, idle, mpsAccount, startHarness, until, type Harness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Takes the store file's place with a directory: every write fails until `unblock`. */
async function blockStore(h: Harness) {
  const file = join(h.fixture.dataDir, 'accounts.json');
  await rm(file);
  await mkdir(join(file, 'blocker'), { recursive: true });
  return () => rm(file, { recursive: true });
}

describe('a refused refresh token and a store that cannot be written (item 10)', () => {
  it('never sends the refused refresh token again, keeps the new token in memory and saves it once it can', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    await h.engine.token('mps');
    const refused = peer.issued.refreshTokens[0];
    peer.revokeAllRefreshTokens();
    const unblock = await blockStore(h);
    await h.clock.advance(2 * HOUR);
    // The refresh is refused, the password works, the store refuses the result.
    await expect(h.engine.token('mps')).rejects.toBeInstanceOf(StoreError);
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password', 'refresh_token', 'password']);
    expect(h.engine.view('mps')).toMatchObject({ state: 'error', errorCode: 'store_write_failed' });
    expect(h.lines.some((line) => line.includes('could not save the account; trying again later'))).toBe(
      true,
    );
    // Script calls meanwhile: reported, no request at all (neither the refused token nor a login).
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(40_000);
      await expect(h.engine.token('mps')).rejects.toBeInstanceOf(StoreError);
      // Nothing is held out at once either (the unsaved token is not kept decrypted).
      expect(h.engine.heldToken('mps')).toBeNull();
    }
    expect(peer.requests).toHaveLength(3);
    expect(peer.requests.filter((r) => r.form?.refresh_token === refused)).toHaveLength(1);
    // The disk has room again: the retry (with backoff, at most 15 min) saves the kept token.
    await unblock();
    await h.clock.advance(16 * MIN);
    expect(h.engine.view('mps')).toMatchObject({ state: 'valid', error: null });
    expect((await h.engine.token('mps')).accessToken).toBe(peer.issued.accessTokens[1]);
    expect(h.engine.heldToken('mps')?.accessToken).toBe(peer.issued.accessTokens[1]);
    expect(peer.requests).toHaveLength(3);
    // What was saved is the token from the password login, with its (live) refresh token.
    const restarted = await h.fixture.restart();
    await restarted.refresh('mps');
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: peer.issued.refreshTokens[1],
    });
    expect(restarted.view('mps')).toMatchObject({ state: 'valid', error: null });
  });

  it('drops a refused refresh token even when the failure cannot be saved, and tries the write again', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    await h.engine.token('mps');
    const refused = peer.issued.refreshTokens[0];
    peer.revokeAllRefreshTokens();
    const unblock = await blockStore(h);
    await h.clock.advance(2 * HOUR);
    // The refresh is refused and the password login meets a 503: a failure that cannot be saved.
    peer.faults.push({ kind: 'pass' }).push({ kind: 'status', status: 503 });
    await expect(h.engine.token('mps')).rejects.toMatchObject({ code: 'server_error' });
    for (let i = 0; i < 4; i++) {
      await h.clock.advance(40_000);
      await h.engine.token('mps').catch(() => null);
    }
    expect(peer.requests.filter((r) => r.form?.refresh_token === refused)).toHaveLength(1);
    expect(peer.requests.slice(3).every((r) => r.form?.grant_type === 'password')).toBe(true);
    await unblock();
    await h.clock.advance(16 * MIN);
    const restarted = await h.fixture.restart();
    await restarted.refresh('mps');
    expect(peer.requests.filter((r) => r.form?.refresh_token === refused)).toHaveLength(1);
    expect(restarted.view('mps')).toMatchObject({ state: 'valid', error: null });
  });
});

/** The real test cipher, with a keyring that can go away (decrypt fails) and come back. */
function flakyCipher(): Cipher & { down: boolean } {
  const inner = testCipher();
  const cipher = {
    id: inner.id,
    down: false,
    encrypt: (plain: string) => inner.encrypt(plain),
    async decrypt(data: Uint8Array, onStale?: () => void) {
      if (cipher.down) throw new Error('the keyring is locked');
      return inner.decrypt(data, onStale);
    },
  };
  return cipher;
}

describe('a secret that reads again (item 14)', () => {
  async function lockedAccount() {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const cipher = flakyCipher();
    const h = await startHarness(cleanups, { cipher });
    await h.engine.saveAccount(mpsAccount(peer));
    await idle(h.engine);
    cipher.down = true;
    // The scheduled renewal cannot read the client secret.
    await h.clock.advance(HOUR);
    await idle(h.engine);
    expect(h.engine.view('mps')).toMatchObject({
      state: 'error',
      errorCode: 'locked_secret',
      needsUser: true,
    });
    return { peer, cipher, h };
  }

  it('clears "enter it again" at once when the keyring is back (resume, unlock), and renews', async () => {
    const { peer, cipher, h } = await lockedAccount();
    const before = peer.requests.length;
    cipher.down = false;
    h.engine.reconcile();
    await until(() => h.engine.view('mps')?.state === 'valid');
    expect(h.engine.view('mps')).toMatchObject({ error: null, needsUser: false, lockedSecrets: [] });
    expect(peer.requests.length).toBe(before + 1);
  });

  it('notices by itself within a tick, without a manual refresh', async () => {
    const { cipher, h } = await lockedAccount();
    cipher.down = false;
    await h.clock.advance(MIN);
    await until(() => h.engine.view('mps')?.state === 'valid');
    expect(h.engine.view('mps')).toMatchObject({ error: null, needsUser: false, renewable: true });
  });

  it('clears it on the next start when the secrets read there', async () => {
    const { cipher, h } = await lockedAccount();
    cipher.down = false;
    const restarted = await h.fixture.restart();
    await until(() => restarted.view('mps')?.state === 'valid');
    expect(restarted.view('mps')).toMatchObject({ error: null, needsUser: false, renewable: true });
  });

  it('keeps the error while the secret still does not read', async () => {
    const { h } = await lockedAccount();
    h.engine.reconcile();
    await h.clock.advance(5 * MIN);
    await idle(h.engine);
    expect(h.engine.view('mps')).toMatchObject({ errorCode: 'locked_secret', needsUser: true });
  });
});
