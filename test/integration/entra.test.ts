/**
 * The Microsoft Entra ID preset through the real provider code (the engine, its guarded fetch,
 * oauth4webapi) against a stand-in on 127.0.0.1 whose discovery documents and token answers are
 * shaped like Microsoft's documented ones (test/peers/entra.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TokenError } from '../../main/engine/errors.js';
import { createGuardedFetch } from '../../main/engine/http.js';
import { flowFor, type FlowContext, type FlowInput } from '../../main/engine/providers/index.js';
import { Cleanups } from '../fixtures/engine-harness.js';
import { startEngine } from '../helpers/engine.js';
import {
  ENTRA_DEFAULTS,
  startEntraPeer,
  type EntraPeerHandle,
  type EntraPeerOptions,
} from '../peers/entra.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const peerOf = async (opts: EntraPeerOptions = {}) => cleanups.add(await startEntraPeer(opts));

const appOnly = (peer: EntraPeerHandle, patch: Record<string, unknown> = {}) => ({
  name: 'graph',
  preset: 'entra',
  tenant: ENTRA_DEFAULTS.tenantId,
  authority: peer.url,
  clientId: ENTRA_DEFAULTS.clientId,
  clientSecret: ENTRA_DEFAULTS.clientSecret,
  ...patch,
});

/** The flow as the engine runs it: the guarded fetch, a discovery cache, the real clock. */
function flowContext(): FlowContext {
  return {
    fetch: createGuardedFetch({ fetch, timeoutMs: 5000, now: () => Date.now() }),
    now: () => Date.now(),
    discoveryCache: new Map(),
  };
}

function flowInput(
  settings: Record<string, unknown>,
  secrets: Record<string, string> = {},
  refreshToken: string | null = null,
): FlowInput {
  return {
    settings: { preset: 'entra', ...settings },
    secret: async (field) => secrets[field],
    refreshToken,
  };
}

async function failure(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

describe('Entra app-only tokens (client credentials)', () => {
  it('gets a Graph token for a tenant ID, the secret in the form body (client_secret_post)', async () => {
    const peer = await peerOf();
    const { engine } = cleanups.add(await startEngine());
    await engine.saveAccount(appOnly(peer));
    const token = await engine.token('graph');
    expect(token.accessToken).toBe(peer.issued.at(-1));
    expect(peer.discoveryRequests.map((r) => r.path)).toEqual([
      `/${ENTRA_DEFAULTS.tenantId}/v2.0/.well-known/openid-configuration`,
    ]);
    const request = peer.requests.at(-1);
    expect(request?.path).toBe(`/${ENTRA_DEFAULTS.tenantId}/oauth2/v2.0/token`);
    expect(request?.form).toEqual({
      grant_type: 'client_credentials',
      client_id: ENTRA_DEFAULTS.clientId,
      client_secret: ENTRA_DEFAULTS.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(request?.headers.authorization).toBeUndefined();
    const lifetime = (Date.parse(token.expiresAt ?? '') - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(3599 - 30);
    expect(lifetime).toBeLessThanOrEqual(3599);
  });

  it('accepts the tenant-ID issuer Microsoft names for a tenant addressed by its domain', async () => {
    const peer = await peerOf();
    const obtained = await flowFor('entra').obtain(
      flowContext(),
      flowInput(appOnly(peer, { tenant: ENTRA_DEFAULTS.domain }), {
        clientSecret: ENTRA_DEFAULTS.clientSecret,
      }),
    );
    expect(obtained.accessToken).toBe(peer.issued.at(-1));
    expect(peer.requests.at(-1)?.path).toBe(`/${ENTRA_DEFAULTS.domain}/oauth2/v2.0/token`);
  });

  it.each([
    [
      'a tenant ID',
      ENTRA_DEFAULTS.tenantId,
      'https://login.example.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0',
    ],
    ['a domain', ENTRA_DEFAULTS.domain, 'https://evil.example/{tenantid}/v2.0'],
  ])('refuses a discovery document for %s that names another issuer', async (_what, tenant, issuer) => {
    const peer = await peerOf({ issuerOverride: issuer });
    const error = await failure(
      flowFor('entra').obtain(
        flowContext(),
        flowInput(appOnly(peer, { tenant }), { clientSecret: ENTRA_DEFAULTS.clientSecret }),
      ),
    );
    expect(error.code).toBe('discovery');
    expect(peer.requests).toHaveLength(0);
  });

  it('shows the server’s own AADSTS text when the client secret is wrong', async () => {
    const peer = await peerOf();
    const { engine } = cleanups.add(await startEngine());
    await engine.saveAccount(appOnly(peer, { clientSecret: 'the-secret-id-not-its-value' }));
    const error = await failure(engine.token('graph'));
    expect(error.code).toBe('invalid_client');
    expect(error.message).toMatch(
      /answered invalid_client \(HTTP 401\): AADSTS7000215: Invalid client secret provided\./,
    );
    expect(error.serverMessage).toMatch(/^AADSTS7000215: Invalid client secret provided\. Ensure the secret/);
    expect(error.serverMessage).toMatch(/Trace ID: [0-9a-f-]{36}/);
    expect(engine.view('graph')?.error).toMatch(/AADSTS7000215: Invalid client secret provided/);
    expect(engine.view('graph')?.error).not.toContain('the-secret-id-not-its-value');
  });

  it('sends the scope as set, and names an AADSTS scope error', async () => {
    const peer = await peerOf();
    const ctx = flowContext();
    const secrets = { clientSecret: ENTRA_DEFAULTS.clientSecret };
    await flowFor('entra').obtain(
      ctx,
      flowInput(appOnly(peer, { scope: 'https://api.partnercenter.microsoft.com/.default' }), secrets),
    );
    expect(peer.requests.at(-1)?.form?.scope).toBe('https://api.partnercenter.microsoft.com/.default');
    const error = await failure(
      flowFor('entra').obtain(ctx, flowInput(appOnly(peer, { scope: 'User.Read' }), secrets)),
    );
    expect(error.code).toBe('invalid_scope');
    expect(error.serverMessage).toMatch(/^AADSTS1002012: /);
  });

  it('uses a tokenUrl override as is, without discovery', async () => {
    const peer = await peerOf();
    await flowFor('entra').obtain(
      flowContext(),
      flowInput(appOnly(peer, { tokenUrl: `${peer.url}/${ENTRA_DEFAULTS.domain}/oauth2/v2.0/token` }), {
        clientSecret: ENTRA_DEFAULTS.clientSecret,
      }),
    );
    expect(peer.discoveryRequests).toHaveLength(0);
    expect(peer.requests.at(-1)?.path).toBe(`/${ENTRA_DEFAULTS.domain}/oauth2/v2.0/token`);
  });
});

describe('Entra sign-in accounts (authorization_code, device_code): renewed with their refresh token', () => {
  const delegated = (peer: EntraPeerHandle, patch: Record<string, unknown> = {}) => ({
    tenant: 'organizations',
    authority: peer.url,
    clientId: ENTRA_DEFAULTS.clientId,
    grantType: 'device_code',
    ...patch,
  });

  it.each(['organizations', 'common'])(
    'accepts the {tenantid} placeholder issuer of %s and renews as a public client, offline_access added',
    async (tenant) => {
      const peer = await peerOf();
      expect(peer.issuerFor(tenant)).toBe(`${peer.url}/{tenantid}/v2.0`);
      const refreshToken = peer.grantRefreshToken('https://graph.microsoft.com/.default offline_access');
      const obtained = await flowFor('entra').obtain(
        flowContext(),
        flowInput(delegated(peer, { tenant }), {}, refreshToken),
      );
      expect(obtained.accessToken).toBe(peer.issued.at(-1));
      expect(obtained.refreshToken).toMatch(/^0\.AAAA/);
      expect(obtained.refreshToken).not.toBe(refreshToken);
      const request = peer.requests.at(-1);
      expect(request?.path).toBe(`/${tenant}/oauth2/v2.0/token`);
      expect(request?.form).toEqual({
        grant_type: 'refresh_token',
        client_id: ENTRA_DEFAULTS.clientId,
        refresh_token: refreshToken,
        scope: 'https://graph.microsoft.com/.default offline_access',
      });
      expect(request?.headers.authorization).toBeUndefined();
    },
  );

  it('refuses a placeholder-shaped issuer other than Microsoft’s for organizations', async () => {
    const peer = await peerOf({ issuerOverride: 'https://evil.example/{tenantid}/v2.0' });
    const error = await failure(
      flowFor('entra').obtain(flowContext(), flowInput(delegated(peer), {}, peer.grantRefreshToken('x'))),
    );
    expect(error.code).toBe('discovery');
    expect(peer.requests).toHaveLength(0);
  });

  it('sends a stored secret in the body (a confidential web app)', async () => {
    const peer = await peerOf();
    await flowFor('entra').obtain(
      flowContext(),
      flowInput(
        delegated(peer, {
          tenant: ENTRA_DEFAULTS.tenantId,
          grantType: 'authorization_code',
          scope: 'User.Read',
        }),
        { clientSecret: ENTRA_DEFAULTS.clientSecret },
        peer.grantRefreshToken('User.Read offline_access'),
      ),
    );
    expect(peer.requests.at(-1)?.form).toMatchObject({
      client_secret: ENTRA_DEFAULTS.clientSecret,
      scope: 'User.Read offline_access',
    });
  });

  it('says sign-in needed when there is no refresh token, sending nothing', async () => {
    const peer = await peerOf();
    const error = await failure(flowFor('entra').obtain(flowContext(), flowInput(delegated(peer))));
    expect(error.code).toBe('signin_required');
    expect(error.kind).toBe('auth');
    expect(error.extra.refreshRefused).toBeUndefined();
    expect(error.message).toMatch(
      /sign-in needed: sign in to this account \(Sign in… in the window, or tokentray login NAME\)/,
    );
    expect(peer.requests).toHaveLength(0);
  });

  it('says sign-in needed, with the server’s words, when the refresh token is refused', async () => {
    const peer = await peerOf();
    const error = await failure(
      flowFor('entra').obtain(flowContext(), flowInput(delegated(peer), {}, 'a-token-the-server-forgot')),
    );
    expect(error.code).toBe('signin_required');
    expect(error.extra).toMatchObject({ refreshRefused: true, status: 400 });
    expect(error.message).toMatch(
      /rejected the grant \(invalid_grant\): AADSTS700082: The refresh token has expired/,
    );
    expect(error.message).toMatch(/; sign-in needed: sign in to this account again/);
    expect(error.serverMessage).toMatch(/^AADSTS700082: /);
  });

  it('uses a refresh token stored in the account when the engine holds none', async () => {
    const peer = await peerOf();
    const typed = peer.grantRefreshToken('https://graph.microsoft.com/.default offline_access');
    const obtained = await flowFor('entra').obtain(
      flowContext(),
      flowInput(delegated(peer), { refreshToken: typed }),
    );
    expect(obtained.accessToken).toBe(peer.issued.at(-1));
  });
});
