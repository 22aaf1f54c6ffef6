import { afterEach, describe, expect, it } from 'vitest';
import {
  ACRONIS_DEFAULTS,
  MPS_MONITOR_DEFAULTS,
  MSP360_DEFAULTS,
  OAUTH2_DEFAULTS,
  OIDC_DEFAULT_CLIENT,
  decodeJwtPayload,
  makeJwt,
  startAcronisPeer,
  startBackupNetPeer,
  startMpsMonitorPeer,
  startMsp360Peer,
  startOAuth2ServerPeer,
  startOidcPeer,
  type PeerHandle,
} from '../peers/index.js';

const open: PeerHandle[] = [];
const track = <T extends PeerHandle>(peer: T): T => (open.push(peer), peer);
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
const rawBasic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const rfcBasic = (id: string, secret: string): string => rawBasic(formEncode(id), formEncode(secret));

async function call(
  url: string,
  init: { body?: string | Record<string, string>; headers?: Record<string, string>; method?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown>; text: string }> {
  const isForm = typeof init.body === 'object';
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { ...(isForm ? FORM : {}), ...init.headers },
    body: typeof init.body === 'object' ? new URLSearchParams(init.body).toString() : init.body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, json, text };
}

describe('oidc peer', () => {
  it('serves discovery with its own issuer and issues client_credentials tokens (basic and post)', async () => {
    const peer = track(
      await startOidcPeer({
        accessTokenTtlSeconds: 120,
        clients: [
          { ...OIDC_DEFAULT_CLIENT, scope: 'api.read' },
          {
            client_id: 'fake-post',
            client_secret: 'fake-post-secret',
            token_endpoint_auth_method: 'client_secret_post',
          },
        ],
      }),
    );
    const discovery = await call(`${peer.url}/.well-known/openid-configuration`, { method: 'GET' });
    expect(discovery.json.issuer).toBe(peer.url);
    expect(discovery.json.token_endpoint).toBe(`${peer.url}/token`);
    expect(discovery.json.grant_types_supported).toContain('client_credentials');

    const secret = OIDC_DEFAULT_CLIENT.client_secret ?? '';
    const basic = await call(peer.tokenUrl, {
      headers: { authorization: rfcBasic(OIDC_DEFAULT_CLIENT.client_id, secret) },
      body: { grant_type: 'client_credentials', scope: 'api.read' },
    });
    expect(basic.status).toBe(200);
    expect(basic.json).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'api.read' });
    expect(typeof basic.json.access_token).toBe('string');

    const post = await call(peer.tokenUrl, {
      body: { grant_type: 'client_credentials', client_id: 'fake-post', client_secret: 'fake-post-secret' },
    });
    expect(post.status).toBe(200);

    const wrong = await call(peer.tokenUrl, {
      body: { grant_type: 'client_credentials', client_id: 'fake-post', client_secret: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('invalid_client');
    expect(peer.requests).toHaveLength(3);
    expect(peer.requests[1]?.form?.client_id).toBe('fake-post');
    expect(peer.discoveryRequests).toHaveLength(1);
  });

  it('backup.net flavour: /connect/token, client_secret_post advertised, wrong issuer on demand', async () => {
    const peer = track(await startBackupNetPeer({ discoveryIssuerOverride: 'https://login.backup.net' }));
    const discovery = await call(`${peer.url}/.well-known/openid-configuration`, { method: 'GET' });
    expect(discovery.json.issuer).toBe('https://login.backup.net');
    expect(discovery.json.token_endpoint).toBe(`${peer.url}/connect/token`);
    expect(discovery.json.token_endpoint_auth_methods_supported).toContain('client_secret_post');
    const res = await call(String(discovery.json.token_endpoint), {
      body: {
        client_id: 'fake-backupnet-client',
        client_secret: OIDC_DEFAULT_CLIENT.client_secret ?? '',
        grant_type: 'client_credentials',
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.expires_in).toBe(3600);
    // Strict like the real IdentityServer: the registered method only, never two at once.
    const basic = await call(String(discovery.json.token_endpoint), {
      headers: { authorization: rfcBasic('fake-backupnet-client', OIDC_DEFAULT_CLIENT.client_secret ?? '') },
      body: { grant_type: 'client_credentials' },
    });
    expect(basic.status).toBe(401);
    expect(basic.json.error_description).toMatch(/must authenticate with client_secret_post/);
  });

  it('password grant for a configured user; discovery faults', async () => {
    const peer = track(
      await startOidcPeer({
        clients: [{ ...OIDC_DEFAULT_CLIENT, grant_types: ['client_credentials', 'password'] }],
        user: { username: 'fake.user', password: 'fake-pw' },
      }),
    );
    const auth = {
      authorization: rfcBasic(OIDC_DEFAULT_CLIENT.client_id, OIDC_DEFAULT_CLIENT.client_secret ?? ''),
    };
    const ok = await call(peer.tokenUrl, {
      headers: auth,
      body: { grant_type: 'password', username: 'fake.user', password: 'fake-pw' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.expires_in).toBe(3600);
    const bad = await call(peer.tokenUrl, {
      headers: auth,
      body: { grant_type: 'password', username: 'fake.user', password: 'wrong' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_grant');

    peer.discoveryFaults.push({ kind: 'status', status: 503 });
    const wellKnown = `${peer.url}/.well-known/openid-configuration`;
    expect((await call(wellKnown, { method: 'GET' })).status).toBe(503);
    expect((await call(wellKnown, { method: 'GET' })).status).toBe(200);
  });
});

describe('oauth2-server peer', () => {
  it('password grant, then rotating refresh tokens: an old refresh token is refused', async () => {
    const peer = track(await startOAuth2ServerPeer({ accessTokenLifetime: 300 }));
    const client = { client_id: OAUTH2_DEFAULTS.clientId, client_secret: OAUTH2_DEFAULTS.clientSecret };
    const first = await call(peer.tokenUrl, {
      body: {
        ...client,
        grant_type: 'password',
        username: OAUTH2_DEFAULTS.username,
        password: OAUTH2_DEFAULTS.password,
      },
    });
    expect(first.status).toBe(200);
    expect(first.json.expires_in).toBeGreaterThanOrEqual(299);
    const rt1 = String(first.json.refresh_token);

    const second = await call(peer.tokenUrl, {
      body: { ...client, grant_type: 'refresh_token', refresh_token: rt1 },
    });
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(rt1);

    const reuse = await call(peer.tokenUrl, {
      body: { ...client, grant_type: 'refresh_token', refresh_token: rt1 },
    });
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    expect(peer.issued.refreshTokens).toEqual([rt1, second.json.refresh_token]);
    expect(peer.issued.accessTokens).toHaveLength(2);

    peer.revokeAllRefreshTokens();
    const revoked = await call(peer.tokenUrl, {
      body: { ...client, grant_type: 'refresh_token', refresh_token: String(second.json.refresh_token) },
    });
    expect(revoked.json.error).toBe('invalid_grant');
  });

  it('reads Basic credentials form-decoded (RFC 6749 §2.3.1) and refuses bad clients and passwords', async () => {
    const peer = track(await startOAuth2ServerPeer());
    const { clientId, clientSecret } = OAUTH2_DEFAULTS;
    const cc = await call(peer.tokenUrl, {
      headers: { authorization: rfcBasic(clientId, clientSecret) },
      body: { grant_type: 'client_credentials' },
    });
    expect(cc.status).toBe(200);
    expect(cc.json.expires_in).toBeGreaterThanOrEqual(1799);

    const notEncoded = await call(peer.tokenUrl, {
      headers: { authorization: rawBasic(clientId, clientSecret) },
      body: { grant_type: 'client_credentials' },
    });
    expect(notEncoded.status).toBe(401);
    expect(notEncoded.json.error).toBe('invalid_client');

    const wrongClient = await call(peer.tokenUrl, {
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' },
    });
    expect(wrongClient.status).toBe(400);
    expect(wrongClient.json.error).toBe('invalid_client');

    peer.setPassword('fake-new-password');
    const oldPassword = await call(peer.tokenUrl, {
      headers: { authorization: rfcBasic(clientId, clientSecret) },
      body: {
        grant_type: 'password',
        username: OAUTH2_DEFAULTS.username,
        password: OAUTH2_DEFAULTS.password,
      },
    });
    expect(oldPassword.status).toBe(400);
    expect(oldPassword.json.error).toBe('invalid_grant');

    const both = await call(peer.tokenUrl, {
      headers: { authorization: rfcBasic(clientId, clientSecret) },
      body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    });
    expect(both.status).toBe(400);

    const json = await call(peer.tokenUrl, {
      headers: { authorization: rfcBasic(clientId, clientSecret), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(json.json.error).toBe('invalid_request');
  });
});

describe('mps-monitor peer', () => {
  it('answers with the vendor shape and rotates refresh tokens', async () => {
    const peer = track(await startMpsMonitorPeer());
    const d = MPS_MONITOR_DEFAULTS;
    const client = { client_id: d.clientId, client_secret: d.clientSecret };
    const login = await call(`${peer.baseUrl}/token`, {
      body: {
        ...client,
        grant_type: 'password',
        username: d.username,
        password: d.password,
        scope: 'account',
      },
    });
    expect(login.status).toBe(200);
    expect(Object.keys(login.json).sort()).toEqual(
      [
        '.expires',
        '.issued',
        'access_token',
        'as:client_id',
        'expires_in',
        'refresh_token',
        'token_type',
        'userName',
      ].sort(),
    );
    expect(login.json).toMatchObject({ token_type: 'bearer', expires_in: 1799, 'as:client_id': d.clientId });
    const span = Date.parse(String(login.json['.expires'])) - Date.parse(String(login.json['.issued']));
    expect(span).toBe(1800_000);

    const rt1 = String(login.json.refresh_token);
    const refreshed = await call(`${peer.baseUrl}/token`, {
      body: { ...client, grant_type: 'refresh_token', refresh_token: rt1 },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(rt1);
    const reuse = await call(`${peer.baseUrl}/token`, {
      body: { ...client, grant_type: 'refresh_token', refresh_token: rt1 },
    });
    expect(reuse.status).toBe(400);
    expect(reuse.json).toEqual({ error: 'invalid_grant' });
  });

  it('rejects a bad client and a bad password with the vendor errors', async () => {
    const peer = track(await startMpsMonitorPeer({ basePath: '/api', expiresIn: 60 }));
    const d = MPS_MONITOR_DEFAULTS;
    const user = { grant_type: 'password', username: d.username, scope: 'account' };
    const badClient = await call(`${peer.baseUrl}/token`, {
      body: { ...user, password: d.password, client_id: d.clientId, client_secret: 'wrong' },
    });
    expect(badClient.status).toBe(400);
    expect(badClient.json).toEqual({ error: 'invalid_client' });
    const badPassword = await call(`${peer.baseUrl}/token`, {
      body: { ...user, password: 'wrong', client_id: d.clientId, client_secret: d.clientSecret },
    });
    expect(badPassword.status).toBe(400);
    expect(badPassword.json).toEqual({
      error: 'invalid_grant',
      error_description: 'The user name or password is incorrect.',
    });
    expect(peer.requests.map((r) => r.path)).toEqual(['/api/token', '/api/token']);
  });
});

describe('msp360 peer', () => {
  const login = (url: string, password = MSP360_DEFAULTS.password) =>
    call(`${url}/api/Provider/Login`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserName: MSP360_DEFAULTS.username, Password: password }),
    });

  it('logs in with JSON and answers the documented shape', async () => {
    const peer = track(await startMsp360Peer());
    const res = await login(peer.url);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'bearer', expires_in: 1209599, userName: 'fakeApiUser' });
    const span = Date.parse(String(res.json['.expires'])) - Date.parse(String(res.json['.issued']));
    expect(span).toBe(14 * 24 * 3600 * 1000);
    expect(peer.issued).toEqual([res.json.access_token]);
  });

  it('omitExpiry, bad credentials (both styles) and non-JSON requests', async () => {
    const peer = track(await startMsp360Peer({ omitExpiry: true }));
    const res = await login(peer.url);
    expect(res.json).not.toHaveProperty('expires_in');
    expect(res.json).not.toHaveProperty('.expires');
    expect(res.json).toHaveProperty('.issued');

    const bad = await login(peer.url, 'wrong');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_grant');
    peer.config.badCredentials = 'denied';
    const denied = await login(peer.url, 'wrong');
    expect(denied.status).toBe(401);
    expect(denied.json.Message).toBe('Authorization has been denied for this request.');

    const form = await call(`${peer.url}/api/Provider/Login`, { body: { UserName: 'x', Password: 'y' } });
    expect(form.status).toBe(415);
  });
});

describe('acronis peer', () => {
  const { clientId, clientSecret } = ACRONIS_DEFAULTS;

  it('accepts raw Basic credentials and answers expires_on and an unrelated id_token, no expires_in', async () => {
    const peer = track(await startAcronisPeer({ lifetimeSeconds: 900 }));
    expect(clientSecret).toMatch(/[-+/=%:]/);
    for (const path of ['/bc/idp/token', '/api/2/idp/token']) {
      const before = Math.floor(Date.now() / 1000);
      const res = await call(peer.url + path, {
        headers: { authorization: rawBasic(clientId, clientSecret) },
        body: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json).sort()).toEqual(['access_token', 'expires_on', 'id_token', 'token_type']);
      expect(res.json.token_type).toBe('bearer');
      const expiresOn = Number(res.json.expires_on);
      expect(expiresOn - before).toBeGreaterThanOrEqual(899);
      expect(expiresOn - before).toBeLessThanOrEqual(901);
      expect(decodeJwtPayload(String(res.json.access_token)).exp).toBe(expiresOn);
      expect(decodeJwtPayload(String(res.json.id_token)).iss).toBe('https://unrelated-idp.invalid');
    }
    expect(peer.issued).toHaveLength(2);
  });

  it('rejects a form-encoded Basic header and a wrong secret; omitExpiresOn leaves only the JWT exp', async () => {
    const peer = track(await startAcronisPeer({ omitExpiresOn: true }));
    for (const authorization of [rfcBasic(clientId, clientSecret), rawBasic(clientId, 'fake-wrong')]) {
      const res = await call(`${peer.url}/bc/idp/token`, {
        headers: { authorization },
        body: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
    }
    const ok = await call(`${peer.url}/bc/idp/token`, {
      headers: { authorization: rawBasic(clientId, clientSecret) },
      body: { grant_type: 'client_credentials' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).not.toHaveProperty('expires_on');
    expect(decodeJwtPayload(String(ok.json.access_token)).exp).toEqual(expect.any(Number));
  });
});

describe('faults', () => {
  const acronisToken = (url: string) =>
    call(`${url}/bc/idp/token`, {
      headers: { authorization: rawBasic(ACRONIS_DEFAULTS.clientId, ACRONIS_DEFAULTS.clientSecret) },
      body: { grant_type: 'client_credentials' },
    });

  it('serves a 429 with Retry-After once, then answers normally', async () => {
    const peer = track(await startAcronisPeer());
    peer.faults.push({
      kind: 'status',
      status: 429,
      body: '{"error":"too_many_requests"}',
      headers: { 'retry-after': '7' },
    });
    const limited = await acronisToken(peer.url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('content-type')).toBe('application/json');
    expect((await acronisToken(peer.url)).status).toBe(200);
    expect(peer.requests).toHaveLength(2);
  });

  it('persistent faults (captive portal, JSON error with 200) until clear()', async () => {
    const peer = track(await startMsp360Peer());
    peer.faults.always({
      kind: 'status',
      status: 200,
      contentType: 'text/html',
      body: '<html>Sign in to Wi-Fi</html>',
    });
    for (let i = 0; i < 2; i++) {
      const res = await call(`${peer.url}/api/Provider/Login`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ UserName: MSP360_DEFAULTS.username, Password: MSP360_DEFAULTS.password }),
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('Wi-Fi');
    }
    peer.faults.clear().push({ kind: 'status', status: 200, body: '{"error":"server_error"}' });
    const res = await call(`${peer.url}/api/Provider/Login`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserName: MSP360_DEFAULTS.username, Password: MSP360_DEFAULTS.password }),
    });
    expect(res.json).toEqual({ error: 'server_error' });
  });

  it('a hung request is released by close(); reset destroys the socket; delay answers late', async () => {
    const peer = track(await startAcronisPeer());
    peer.faults.push({ kind: 'reset' });
    await expect(acronisToken(peer.url)).rejects.toThrow();

    peer.faults.push({ kind: 'delay', ms: 150 });
    const started = Date.now();
    expect((await acronisToken(peer.url)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    peer.faults.push({ kind: 'hang' });
    const hung = acronisToken(peer.url);
    hung.catch(() => undefined);
    while (peer.requests.length < 3) await new Promise((r) => setTimeout(r, 10));
    const closing = Date.now();
    await peer.close();
    await expect(hung).rejects.toThrow();
    expect(Date.now() - closing).toBeLessThan(2000);
  });
});

describe('makeJwt', () => {
  it('mints HS256 and unsigned JWTs whose payload decodes', () => {
    const signed = makeJwt({ sub: 'x', exp: 2_000_000_000 });
    expect(signed.split('.')).toHaveLength(3);
    expect(decodeJwtPayload(signed)).toEqual({ sub: 'x', exp: 2_000_000_000 });
    const unsigned = makeJwt({ exp: 1 }, { alg: 'none' });
    expect(unsigned.endsWith('.')).toBe(true);
    expect(JSON.parse(Buffer.from(unsigned.split('.')[0] ?? '', 'base64url').toString())).toEqual({
      alg: 'none',
      typ: 'JWT',
    });
  });
});
