/**
 * Issue #12, item 4: stopping (systemctl restart, quitting the tray) lets a token request that is
 * already on the wire finish and saves its answer before stop() resolves. A rotated refresh token
 * that the server issued while the engine was stopping is never lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMpsMonitorPeer, startOAuth2ServerPeer, OAUTH2_DEFAULTS } from '../peers/index.js';
import { Cleanups, idle, mpsAccount, startHarness, until } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe('stop() and a refresh on the wire', () => {
  it('waits for the answer and keeps the rotated refresh token (MPS Monitor, password stored)', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    await h.engine.saveAccount(mpsAccount(peer));
    await h.engine.token('mps');
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual(['password']);
    // The server spends the refresh token at once and answers 400 ms later.
    peer.faults.push({ kind: 'late', ms: 400 });
    const renewal = h.engine.refresh('mps').catch((error: unknown) => error);
    await until(() => peer.requests.length === 2);
    const started = Date.now();
    await h.engine.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await renewal).toMatchObject({ state: 'valid' });
    const rotated = peer.issued.refreshTokens[1];
    expect(peer.liveRefreshTokens.has(rotated ?? '')).toBe(true);
    // A new engine on the same store presents the token the late answer carried.
    const restarted = await h.fixture.restart();
    await restarted.refresh('mps');
    expect(peer.requests.map((r) => r.form?.grant_type)).toEqual([
      'password',
      'refresh_token',
      'refresh_token',
    ]);
    expect(peer.requests[2]?.form?.refresh_token).toBe(rotated);
    expect(restarted.view('mps')).toMatchObject({ state: 'valid', error: null });
  });

  it('keeps an account with no password alive across a stop during its refresh (oauth2 refresh_token)', async () => {
    const peer = cleanups.add(await startOAuth2ServerPeer());
    const seed = await fetch(peer.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: OAUTH2_DEFAULTS.username,
        password: OAUTH2_DEFAULTS.password,
        client_id: OAUTH2_DEFAULTS.clientId,
        client_secret: OAUTH2_DEFAULTS.clientSecret,
      }),
    }).then(async (response) => ((await response.json()) as { refresh_token: string }).refresh_token);
    peer.requests.length = 0;
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount({
      name: 'rt',
      preset: 'oauth2',
      tokenUrl: peer.tokenUrl,
      grantType: 'refresh_token',
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: OAUTH2_DEFAULTS.clientSecret,
      refreshToken: seed,
    });
    peer.faults.push({ kind: 'late', ms: 300 });
    const first = h.engine.token('rt').catch((error: unknown) => error);
    await until(() => peer.requests.length === 1);
    await h.engine.stop();
    // The caller waiting on the renewal got the token: it was saved before stop() resolved.
    expect(await first).toMatchObject({ accessToken: peer.issued.accessTokens.at(-1) });
    const restarted = await h.fixture.restart();
    await restarted.refresh('rt');
    expect(peer.requests.map((r) => r.form?.refresh_token)).toEqual([seed, peer.issued.refreshTokens.at(-2)]);
    expect(restarted.view('rt')).toMatchObject({ state: 'valid', error: null });
  });

  it('sends nothing new once stopping: a renewal asked for after stop() is refused at once', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    await h.engine.saveAccount(mpsAccount(peer));
    await idle(h.engine);
    await h.engine.stop();
    await expect(h.engine.refresh('mps')).rejects.toMatchObject({ code: 'stopped' });
    expect(peer.requests).toHaveLength(1);
  });
});
