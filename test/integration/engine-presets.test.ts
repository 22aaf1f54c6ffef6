import { afterEach, describe, expect, it } from 'vitest';
import {
  ACRONIS_DEFAULTS,
  MPS_MONITOR_DEFAULTS,
  MSP360_DEFAULTS,
  OAUTH2_DEFAULTS,
  OIDC_DEFAULT_CLIENT,
  makeJwt,
  startAcronisPeer,
  startBackupNetPeer,
  startMpsMonitorPeer,
  startMsp360Peer,
  startOAuth2ServerPeer,
  startOidcPeer,
} from '../peers/index.js';
import { Cleanups } from '../fixtures/engine-harness.js';
import { startEngine } from '../helpers/engine.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const engineFixture = async () => cleanups.add(await startEngine());

/** Waits for a peer (closed after the test) and starts an engine to talk to it. */
async function withPeer<P extends { close(): Promise<void> }>(starting: Promise<P>) {
  const peer = cleanups.add(await starting);
  const { engine } = await engineFixture();
  return { peer, engine };
}

/** The MSP360 account both MSP360 tests save. */
const msp360Account = (peer: { url: string }) => ({
  name: 'msp',
  preset: 'msp360',
  baseUrl: peer.url,
  username: MSP360_DEFAULTS.username,
  password: MSP360_DEFAULTS.password,
});

describe('every preset gets a token from its peer', () => {
  it('logs in to MSP360 with the JSON login and takes expires_in', async () => {
    const { peer, engine } = await withPeer(startMsp360Peer());
    await engine.saveAccount(msp360Account(peer));
    const token = await engine.token('msp');
    expect(token.accessToken).toBe(peer.issued.at(-1));
    expect(peer.requests.at(-1)?.json).toEqual({
      UserName: MSP360_DEFAULTS.username,
      Password: MSP360_DEFAULTS.password,
    });
    const lifetime = (Date.parse(token.expiresAt ?? '') - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(1209599 - 30);
    expect(lifetime).toBeLessThanOrEqual(1209599);
  });

  it('counts an MSP360 answer without expiry as 14 days from issue', async () => {
    const { peer, engine } = await withPeer(startMsp360Peer({ omitExpiry: true }));
    await engine.saveAccount(msp360Account(peer));
    const token = await engine.token('msp');
    const lifetime = (Date.parse(token.expiresAt ?? '') - Date.now()) / 1000;
    expect(Math.abs(lifetime - 14 * 24 * 3600)).toBeLessThan(30);
    expect(engine.view('msp')?.state).toBe('valid');
  });

  it('gets a backup.net token through OIDC discovery with client_secret_post by default', async () => {
    const { peer, engine } = await withPeer(startBackupNetPeer());
    await engine.saveAccount({
      name: 'bnet',
      preset: 'backup-net',
      issuer: peer.issuer,
      clientId: 'fake-backupnet-client',
      clientSecret: OIDC_DEFAULT_CLIENT.client_secret,
    });
    const token = await engine.token('bnet');
    expect(token.accessToken.length).toBeGreaterThan(10);
    const request = peer.requests.at(-1);
    expect(request?.path).toBe('/connect/token');
    expect(request?.form?.client_secret).toBe(OIDC_DEFAULT_CLIENT.client_secret);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('gets an MPS Monitor token with the password grant, then renews with the rotated refresh token', async () => {
    const { peer, engine } = await withPeer(startMpsMonitorPeer());
    const d = MPS_MONITOR_DEFAULTS;
    await engine.saveAccount({
      name: 'mps',
      preset: 'mps-monitor',
      baseUrl: peer.baseUrl,
      clientId: d.clientId,
      clientSecret: d.clientSecret,
      username: d.username,
      password: d.password,
    });
    const first = await engine.token('mps');
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'password',
      scope: 'account',
      client_id: d.clientId,
      client_secret: d.clientSecret,
      username: d.username,
    });
    await engine.refresh('mps');
    const second = await engine.token('mps');
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: peer.issued.refreshTokens[0],
    });
    await engine.refresh('mps');
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(peer.issued.refreshTokens[1]);
    expect(peer.requests.every((r) => r.form?.grant_type !== 'password' || r === peer.requests[0])).toBe(
      true,
    );
  });

  it('gets an Acronis token with raw Basic auth, expires_on and an ignored id_token', async () => {
    const { peer, engine } = await withPeer(startAcronisPeer());
    await engine.saveAccount({
      name: 'acr',
      preset: 'acronis',
      baseUrl: peer.url,
      clientId: ACRONIS_DEFAULTS.clientId,
      clientSecret: ACRONIS_DEFAULTS.clientSecret,
    });
    const token = await engine.token('acr');
    const raw = Buffer.from(`${ACRONIS_DEFAULTS.clientId}:${ACRONIS_DEFAULTS.clientSecret}`).toString(
      'base64',
    );
    expect(peer.requests.at(-1)?.headers.authorization).toBe(`Basic ${raw}`);
    expect(peer.requests.at(-1)?.path).toBe('/bc/idp/token');
    const lifetime = (Date.parse(token.expiresAt ?? '') - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(7200 - 30);
  });

  it('uses tokenPath /api/2/idp/token for Acronis Cyber Protect API clients', async () => {
    const { peer, engine } = await withPeer(startAcronisPeer());
    await engine.saveAccount({
      name: 'acr',
      preset: 'acronis',
      baseUrl: peer.url,
      tokenPath: '/api/2/idp/token',
      clientId: ACRONIS_DEFAULTS.clientId,
      clientSecret: ACRONIS_DEFAULTS.clientSecret,
    });
    await engine.token('acr');
    expect(peer.requests.at(-1)?.path).toBe('/api/2/idp/token');
  });

  it('gets a generic OAuth 2.0 client_credentials token from oidc-provider with form-encoded Basic', async () => {
    const { peer, engine } = await withPeer(startOidcPeer());
    await engine.saveAccount({
      name: 'gen',
      preset: 'oauth2',
      issuer: peer.issuer,
      clientId: OIDC_DEFAULT_CLIENT.client_id,
      clientSecret: OIDC_DEFAULT_CLIENT.client_secret,
    });
    const token = await engine.token('gen');
    expect(token.tokenType.toLowerCase()).toBe('bearer');
    // RFC 6749 §2.3.1: each part form-encoded before base64, so the raw secret never appears decoded.
    const header = peer.requests.at(-1)?.headers.authorization ?? '';
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    const [id, secret] = decoded.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    expect(decoded).not.toContain(OIDC_DEFAULT_CLIENT.client_secret);
    expect([id, secret]).toEqual([OIDC_DEFAULT_CLIENT.client_id, OIDC_DEFAULT_CLIENT.client_secret]);
  });

  it('gets a generic OAuth 2.0 password-grant token with a tokenUrl and client_secret_post', async () => {
    const { peer, engine } = await withPeer(startOAuth2ServerPeer());
    const d = OAUTH2_DEFAULTS;
    await engine.saveAccount({
      name: 'pw',
      preset: 'oauth2',
      tokenUrl: peer.tokenUrl,
      grantType: 'password',
      clientAuth: 'client_secret_post',
      clientId: d.clientId,
      clientSecret: d.clientSecret,
      username: d.username,
      password: d.password,
    });
    await engine.token('pw');
    expect(peer.requests.at(-1)?.form).toMatchObject({
      grant_type: 'password',
      username: d.username,
      client_secret: d.clientSecret,
    });
  });

  it('tracks a pasted static token with its JWT exp and does not renew it', async () => {
    const { engine } = await engineFixture();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const jwt = makeJwt({ sub: 'me', exp });
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: jwt });
    const token = await engine.token('pasted');
    expect(token.accessToken).toBe(jwt);
    expect(token.expiresAt).toBe(new Date(exp * 1000).toISOString());
    const view = engine.view('pasted');
    expect(view?.renewable).toBe(false);
    expect(view?.nextRefreshAt).toBeNull();
  });
});
