/**
 * Handing tokens out (CONTRACT §1-§2): CLI access, unknown names, --min-valid, pasted static
 * tokens, the bounded activity log, and imports that are all-or-nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CliAccessDeniedError,
  NoSuchAccountError,
  TokenError,
  ValidationError,
} from '../../main/engine/index.js';
import type { FetchLike } from '../../main/engine/types.js';
import { MPS_MONITOR_DEFAULTS, makeJwt, startMpsMonitorPeer } from '../peers/index.js';
import {
  Cleanups,
  expectNoSecrets,
  idle,
  mpsAccount,
  requestsThenIdle,
  startHarness,
} from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const MIN = 60_000;
const MPS = MPS_MONITOR_DEFAULTS;

async function mpsSetup(more: Record<string, unknown> = {}, expiresIn = 1800) {
  const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn }));
  const h = await startHarness(cleanups);
  await h.engine.saveAccount(mpsAccount(peer, more));
  await requestsThenIdle(h.engine, peer, 1);
  return { peer, h };
}

/** A fetch that counts calls and passes them to the real one. */
function countingFetch(): FetchLike & { calls: number } {
  const counting = Object.assign(
    async (input: string | URL | Request, init?: RequestInit) => {
      counting.calls++;
      return fetch(input, init);
    },
    { calls: 0 },
  );
  return counting;
}

describe('who may have a token', () => {
  it('refuses the CLI an account with cliAccess off, without a request', async () => {
    const { peer, h } = await mpsSetup();
    h.clock.jump(40 * MIN);
    await expect(h.engine.token('mps', { purpose: 'cli' })).rejects.toBeInstanceOf(CliAccessDeniedError);
    expect(peer.requests).toHaveLength(1);
    expect(h.engine.activity('mps').some((entry) => entry.kind === 'served')).toBe(false);
  });

  it('serves the CLI once cliAccess is on, and records it', async () => {
    const { peer, h } = await mpsSetup();
    await h.engine.setCliAccess('mps', true);
    const token = await h.engine.token('mps', { purpose: 'cli' });
    expect(token).toEqual({
      name: 'mps',
      accessToken: peer.issued.accessTokens[0],
      tokenType: 'bearer',
      expiresAt: expect.any(String),
    });
    expect(h.engine.activity('mps').at(-1)).toMatchObject({ kind: 'served' });
  });

  it('lets the user copy or reveal a token whatever cliAccess says', async () => {
    const { h } = await mpsSetup();
    await h.engine.token('mps', { purpose: 'copy' });
    await h.engine.token('mps', { purpose: 'reveal' });
    expect(
      h.engine
        .activity('mps')
        .map((entry) => entry.kind)
        .slice(-2),
    ).toEqual(['copied', 'revealed']);
  });

  it('names the known accounts when asked for an unknown one', async () => {
    const { h } = await mpsSetup();
    await h.engine.saveAccount({ name: 'pasted', preset: 'static', token: 'abcd-token' });
    const error = await h.engine.token('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchAccountError);
    expect((error as NoSuchAccountError).known.sort()).toEqual(['mps', 'pasted']);
    expect((error as NoSuchAccountError).code).toBe('no_such_account');
    await expect(h.engine.refresh('nope')).rejects.toBeInstanceOf(NoSuchAccountError);
    expect(() => h.engine.activity('nope')).toThrow(NoSuchAccountError);
  });

  it('finds an account by its name ignoring case', async () => {
    const { peer, h } = await mpsSetup();
    expect((await h.engine.token('MPS')).accessToken).toBe(peer.issued.accessTokens[0]);
  });
});

describe('--min-valid', () => {
  it('renews first when the token is valid for less than minValidSeconds, not otherwise', async () => {
    const { peer, h } = await mpsSetup();
    h.engine.setPaused(true);
    await h.clock.advance(20 * MIN);
    // 10 minutes left.
    expect((await h.engine.token('mps', { minValidSeconds: 300 })).accessToken).toBe(
      peer.issued.accessTokens[0],
    );
    expect(peer.requests).toHaveLength(1);
    const renewed = await h.engine.token('mps', { minValidSeconds: 900 });
    expect(peer.requests).toHaveLength(2);
    expect(renewed.accessToken).toBe(peer.issued.accessTokens[1]);
    expect(Date.parse(renewed.expiresAt ?? '') - h.clock.now()).toBe(30 * MIN);
    await h.engine.token('mps', { minValidSeconds: 900 });
    expect(peer.requests).toHaveLength(2);
  });

  it('defaults to 60 seconds', async () => {
    const { peer, h } = await mpsSetup();
    h.engine.setPaused(true);
    await h.clock.advance(30 * MIN - 61_000);
    await h.engine.token('mps');
    expect(peer.requests).toHaveLength(1);
    await h.clock.advance(2000);
    expect((await h.engine.token('mps')).accessToken).toBe(peer.issued.accessTokens[1]);
  });

  it('renews an expired token before handing it out', async () => {
    const { peer, h } = await mpsSetup();
    h.clock.jump(45 * MIN);
    const token = await h.engine.token('mps', { minValidSeconds: 0 });
    expect(token.accessToken).toBe(peer.issued.accessTokens[1]);
  });
});

describe('pasted static tokens', () => {
  it('shows a pasted JWT as valid with its exp as soon as it is saved, and serves it without any request', async () => {
    const fetch = countingFetch();
    const h = await startHarness(cleanups, { fetch });
    const exp = Math.floor(h.clock.now() / 1000) + 3600;
    const jwt = makeJwt({ sub: 'me', exp });
    await h.engine.saveAccount({ name: 'pasted', preset: 'static', token: jwt });
    await idle(h.engine);
    expect(h.engine.view('pasted')).toMatchObject({
      state: 'valid',
      expiresAt: new Date(exp * 1000).toISOString(),
      renewable: false,
      nextRefreshAt: null,
    });
    expect((await h.engine.token('pasted')).accessToken).toBe(jwt);
    expect(fetch.calls).toBe(0);
  });

  it('takes expiresAt over the JWT exp', async () => {
    const h = await startHarness(cleanups);
    const jwt = makeJwt({ exp: Math.floor(h.clock.now() / 1000) + 3600 });
    await h.engine.saveAccount({
      name: 'pasted',
      preset: 'static',
      token: jwt,
      expiresAt: '2026-11-24T12:00:00+02:00',
    });
    await idle(h.engine);
    expect(h.engine.view('pasted')?.expiresAt).toBe('2026-11-24T10:00:00.000Z');
  });

  it('refuses an expired pasted token with an error that says to paste a new one', async () => {
    const h = await startHarness(cleanups);
    const jwt = makeJwt({ exp: Math.floor(h.clock.now() / 1000) - 60 });
    await h.engine.saveAccount({ name: 'old', preset: 'static', token: jwt });
    await idle(h.engine);
    expect(h.engine.view('old')?.state).toBe('expired');
    const error = await h.engine.token('old').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'expired' });
    expect((error as Error).message).toMatch(/paste a new one/);
    expectNoSecrets([(error as Error).message], [jwt]);
  });

  it('refuses a pasted token that will not last an explicit minimum validity, and serves it otherwise', async () => {
    const h = await startHarness(cleanups);
    const jwt = makeJwt({ exp: Math.floor(h.clock.now() / 1000) + 300 });
    await h.engine.saveAccount({ name: 'short', preset: 'static', token: jwt, cliAccess: true });
    await idle(h.engine);
    const error = await h.engine
      .token('short', { purpose: 'cli', minValidSeconds: 600 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'min_valid_unattainable', kind: 'config' });
    expect((error as Error).message).toMatch(/valid for 300 s more .*less than the 600 s asked for/);
    expect((error as Error).message).toMatch(/paste a new one/);
    expectNoSecrets([(error as Error).message], [jwt]);
    // The held-token fast path refuses to answer it at once, too (it leaves it to token()).
    expect(h.engine.heldToken('short', { purpose: 'cli', minValidSeconds: 600 })).toBeNull();
    // Asked for less than it has, or with the default minimum: the token, however short.
    expect((await h.engine.token('short', { purpose: 'cli', minValidSeconds: 200 })).accessToken).toBe(jwt);
    await h.clock.advance(280_000);
    expect((await h.engine.token('short', { purpose: 'cli' })).accessToken).toBe(jwt);
  });

  it('refuses a pasted token once it expires', async () => {
    const h = await startHarness(cleanups);
    await h.engine.saveAccount({
      name: 'soon',
      preset: 'static',
      token: 'opaque-token',
      expiresAt: '2026-11-24T09:10:00Z',
    });
    expect((await h.engine.token('soon')).accessToken).toBe('opaque-token');
    await h.clock.advance(11 * MIN);
    expect(h.engine.view('soon')?.state).toBe('expired');
    await expect(h.engine.token('soon')).rejects.toMatchObject({ code: 'expired' });
  });

  it('tracks a pasted token with no expiry as unknown-expiry', async () => {
    const h = await startHarness(cleanups);
    await h.engine.saveAccount({ name: 'opaque', preset: 'static', token: 'opaque-token' });
    await idle(h.engine);
    expect(h.engine.view('opaque')).toMatchObject({ state: 'unknown-expiry', expiresAt: null });
    expect((await h.engine.token('opaque')).accessToken).toBe('opaque-token');
  });

  it('answers refresh on a static account with its view and no request', async () => {
    const fetch = countingFetch();
    const h = await startHarness(cleanups, { fetch });
    await h.engine.saveAccount({
      name: 'pasted',
      preset: 'static',
      token: 'opaque-token',
      expiresAt: '2026-11-25T00:00:00Z',
    });
    const view = await h.engine.refresh('pasted');
    expect(view).toMatchObject({ name: 'pasted', state: 'valid', renewable: false });
    expect(fetch.calls).toBe(0);
  });
});

describe('the activity log', () => {
  it('keeps the last 50 entries, with times and without secrets', async () => {
    const { peer, h } = await mpsSetup({ cliAccess: true });
    for (let i = 0; i < 60; i++) await h.engine.token('mps', { purpose: i % 2 ? 'copy' : 'cli' });
    await h.engine.refresh('mps');
    const activity = h.engine.activity('mps');
    expect(activity).toHaveLength(50);
    expect(activity.at(-1)).toMatchObject({ kind: 'renewed' });
    expect(activity.every((entry) => !Number.isNaN(Date.parse(entry.at)))).toBe(true);
    expectNoSecrets(
      activity.map((entry) => JSON.stringify(entry)),
      [MPS.clientSecret, MPS.password, ...peer.issued.accessTokens, ...peer.issued.refreshTokens],
    );
  });

  it('says which grant renewed the token and when it expires (not redacted)', async () => {
    const { h } = await mpsSetup();
    const renewed = h.engine.activity('mps').find((entry) => entry.kind === 'renewed');
    expect(renewed?.detail).toMatch(/password/);
    expect(renewed?.detail).toContain('2026-11-24T09:30:00.000Z');
    expect(renewed?.detail).not.toContain('[redacted]');
  });

  it('records a failure and the reason', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    peer.faults.push({ kind: 'status', status: 503, body: 'planned maintenance until 10:00' });
    const h = await startHarness(cleanups);
    await h.engine.saveAccount(mpsAccount(peer));
    await requestsThenIdle(h.engine, peer, 1);
    expect(h.engine.activity('mps').at(-1)).toMatchObject({
      kind: 'failed',
      detail: expect.stringContaining('planned maintenance until 10:00'),
    });
  });

  it('saves copy and CLI entries within a few seconds, so they survive a restart', async () => {
    const { h } = await mpsSetup();
    await h.engine.token('mps', { purpose: 'copy' });
    await h.clock.advance(3000);
    const restarted = await h.fixture.restart();
    expect(restarted.activity('mps').at(-1)).toMatchObject({ kind: 'copied' });
  });
});

describe('import', () => {
  it('imports nothing when one account is bad, and says which field of which account', async () => {
    const { peer, h } = await mpsSetup();
    const before = await readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8');
    const error = await h.engine
      .importAccounts({
        accounts: [
          { name: 'good', preset: 'static', token: 'abcd-token' },
          { name: 'bad', preset: 'acronis', clientId: 'x', clientSecret: 's' },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message.split('\n')).toEqual([
      expect.stringMatching(/^bad: baseUrl: /),
    ]);
    expect(h.engine.list().map((view) => view.name)).toEqual(['mps']);
    expect(await readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8')).toBe(before);
    expect(peer.requests).toHaveLength(1);
  });

  it('keeps the token when an account is imported again unchanged, and signs in again when a secret changes', async () => {
    const { peer, h } = await mpsSetup();
    await h.engine.importAccounts({ accounts: [mpsAccount(peer, { label: 'Relabelled' })] });
    await idle(h.engine);
    expect(peer.requests).toHaveLength(1);
    expect(h.engine.view('mps')).toMatchObject({ label: 'Relabelled', state: 'valid' });
    peer.config.password = 'rotated-password';
    await h.engine.importAccounts({ accounts: [mpsAccount(peer, { password: 'rotated-password' })] });
    await requestsThenIdle(h.engine, peer, 2);
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'password',
      password: 'rotated-password',
    });
  });

  it('replaces an account whose name differs only in case', async () => {
    const { peer, h } = await mpsSetup();
    await h.engine.importAccounts({ accounts: [mpsAccount(peer, { name: 'MPS', label: 'renamed' })] });
    expect(h.engine.list().map((view) => view.name)).toEqual(['MPS']);
  });

  it('accepts an import of more than 1 MiB', async () => {
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    const accounts = Array.from({ length: 60 }, (_, i) => ({
      name: `tenant-${i}`,
      preset: 'oauth2',
      // Loopback port 1: nothing listens, so renewals after the restart fail fast and stay local.
      tokenUrl: 'http://127.0.0.1:1/token',
      clientId: `client-${i}`,
      clientSecret: `secret-${i}`,
      extraParams: { resource: 'r'.repeat(18_000) },
    }));
    const file = JSON.parse(JSON.stringify({ accounts })) as unknown;
    expect(Buffer.byteLength(JSON.stringify(file))).toBeGreaterThan(1024 * 1024);
    const views = await h.engine.importAccounts(file);
    expect(views).toHaveLength(60);
    const restarted = await h.fixture.restart();
    expect(restarted.list()).toHaveLength(60);
  });
});
