/** OIDC provider peers (oidc-provider v9 over plain http on 127.0.0.1): generic and backup.net flavour. */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Provider, { errors, type OidcContext } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { applyFault, FaultQueue } from './faults.js';
import {
  decodeBasic,
  sendJson,
  startHttpPeer,
  twoClientAuthMethods,
  type PeerHandle,
  type PeerRequest,
} from './http.js';

export type OidcClientAuth = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface OidcPeerClient {
  client_id: string;
  /** Required unless `token_endpoint_auth_method` is `none`. */
  client_secret?: string;
  token_endpoint_auth_method: OidcClientAuth;
  /** Default `['client_credentials']`; add `password` to use the password grant. */
  grant_types?: string[];
  /** Space-separated scopes the client may ask for. */
  scope?: string;
  /**
   * Redirect URIs (authorization_code). A `native` client's loopback URIs match any port
   * (RFC 8252 §7.3, as oidc-provider implements it); a `web` client's must match exactly.
   */
  redirect_uris?: string[];
  /** Default `web`. */
  application_type?: 'web' | 'native';
}

/**
 * The interactive grants (needs `interactive` in OidcPeerOptions): a client with these grant types
 * and `redirect_uris` signs in through the browser or a device code.
 */
export const OIDC_INTERACTIVE_GRANTS = [
  'authorization_code',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
];

/** A public native client (no secret, PKCE) registered for http://127.0.0.1/callback on any port. */
export const OIDC_PUBLIC_NATIVE_CLIENT: OidcPeerClient = {
  client_id: 'fake-native-client',
  token_endpoint_auth_method: 'none',
  grant_types: OIDC_INTERACTIVE_GRANTS,
  redirect_uris: ['http://127.0.0.1/callback'],
  application_type: 'native',
};

/**
 * Browser and device sign-in (authorization_code, device_code, refresh_token). oidc-provider's own
 * development pages serve the interactions: `/interaction/:uid` shows a login form (any login and
 * password are accepted; the login becomes the account id) with a "[ Cancel ]" link that ends the
 * sign-in with error=access_denied, then a consent page ("Continue"); the device flow's user-code
 * page is `/device` ("Continue"), then a confirmation ("Continue" or "[ Abort ]"), then the same
 * login and consent. PKCE is required for every client. A refresh token is issued only for
 * `offline_access` asked with `prompt=consent` (oidc-provider drops the scope otherwise).
 * The pages @import a Google font: block every non-loopback request in the browser that drives them.
 * oidc-provider sends no device `interval` (see `deviceAuthorizationPatch`) and never answers
 * `slow_down`: queue `{ kind: 'status', status: 400, body: '{"error":"slow_down"}' }` on `faults`.
 */
export interface OidcInteractiveOptions {
  /** Rotate the refresh token on every use (default true). */
  rotateRefreshTokens?: boolean;
  /** Refresh token lifetime (default 1 day). */
  refreshTokenTtlSeconds?: number;
  /** Device code lifetime, the device answer's expires_in (default 600). */
  deviceCodeTtlSeconds?: number;
  /** Authorization code lifetime (default 60). */
  authorizationCodeTtlSeconds?: number;
}

export interface OidcPeerOptions {
  clients?: OidcPeerClient[];
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtlSeconds?: number;
  /** Token endpoint path (default `/token`). */
  tokenPath?: string;
  /** Methods listed in discovery's `token_endpoint_auth_methods_supported` (default: all three). */
  clientAuthMethods?: OidcClientAuth[];
  /** Serve this `issuer` in discovery instead of the real one (RFC 8414 §3.3 mix-up test). */
  discoveryIssuerOverride?: string;
  /** Extra/overriding members merged into the discovery document (applied last). */
  discoveryPatch?: Record<string, unknown>;
  /** A user for the `password` grant (a client needs `password` in its grant_types). */
  user?: { username: string; password: string };
  /** Turns on the interactive grants and their pages (see OidcInteractiveOptions). */
  interactive?: OidcInteractiveOptions;
  /**
   * Members merged into every device authorization answer (applied last; live), e.g. `interval`
   * (oidc-provider sends none, so clients use RFC 8628's 5 s) or an `expires_in` that outlives the code.
   */
  deviceAuthorizationPatch?: Record<string, unknown>;
}

export interface OidcPeerHandle extends PeerHandle {
  /** The issuer, equal to `url`. */
  issuer: string;
  /** Absolute token endpoint URL. */
  tokenUrl: string;
  /** Live options: discovery overrides and the user may be changed between requests. */
  config: OidcPeerOptions;
  /** Every discovery request received. */
  discoveryRequests: PeerRequest[];
  /** Faults for discovery requests (`faults` is for token requests). */
  discoveryFaults: FaultQueue;
  /** Absolute device authorization endpoint URL (served with `interactive`). */
  deviceAuthorizationUrl: string;
  /** Absolute authorization endpoint URL (served with `interactive`). */
  authorizationUrl: string;
}

/** Device authorization endpoint path (oidc-provider's default). */
export const DEVICE_AUTHORIZATION_PATH = '/device/auth';
/** Authorization endpoint path (oidc-provider's default). */
export const AUTHORIZATION_PATH = '/auth';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';

export const OIDC_DEFAULT_CLIENT: OidcPeerClient = {
  client_id: 'fake-oidc-client',
  client_secret: 'fake-oidc-secret+/=%:-',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
};

/** Starts a real oidc-provider with client_credentials (and optionally password) on 127.0.0.1:0. */
export async function startOidcPeer(opts: OidcPeerOptions = {}): Promise<OidcPeerHandle> {
  const config: OidcPeerOptions = { ...opts };
  const tokenPath = opts.tokenPath ?? '/token';
  const clients = opts.clients ?? [OIDC_DEFAULT_CLIENT];
  const discoveryRequests: PeerRequest[] = [];
  const discoveryFaults = new FaultQueue();
  const ready: { serve?: ReturnType<Provider['callback']> } = {}; // set once the port, hence the issuer, is known

  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && path === tokenPath,
    async handle(req, res, logged) {
      if (logged.path === DISCOVERY_PATH) {
        discoveryRequests.push(logged);
        const fault = discoveryFaults.take();
        if (fault && (await applyFault(fault, req, res))) return;
      }
      if (!ready.serve) return sendJson(res, 503, { error: 'temporarily_unavailable' });
      if (logged.path === tokenPath) {
        const refused = clientAuthRefusal(clients, logged);
        if (refused) return sendJson(res, 401, { error: 'invalid_client', error_description: refused });
      }
      replayBody(req, logged.body);
      await ready.serve(req, res);
    },
  });

  const provider = new Provider(base.url, {
    clients: clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret === undefined ? {} : { client_secret: c.client_secret }),
      token_endpoint_auth_method: c.token_endpoint_auth_method,
      grant_types: c.grant_types ?? ['client_credentials'],
      response_types: c.grant_types?.includes('authorization_code') ? ['code'] : [],
      redirect_uris: c.redirect_uris ?? [],
      ...(c.application_type === undefined ? {} : { application_type: c.application_type }),
      ...(c.scope === undefined ? {} : { scope: c.scope }),
    })),
    clientAuthMethods: opts.clientAuthMethods ?? ['client_secret_basic', 'client_secret_post', 'none'],
    scopes: [
      ...new Set([
        'openid',
        ...(opts.interactive ? ['offline_access'] : []),
        ...clients.flatMap((c) => c.scope?.split(' ') ?? []),
      ]),
    ],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: Boolean(opts.interactive) },
      ...(opts.interactive ? { deviceFlow: { enabled: true } } : {}),
    },
    ttl: {
      AccessToken: opts.accessTokenTtlSeconds ?? 3600,
      ClientCredentials: opts.accessTokenTtlSeconds ?? 3600,
      ...(opts.interactive ? interactiveTtl(opts.interactive) : {}),
    },
    ...(opts.interactive
      ? {
          pkce: { required: () => true },
          // The login form's value is the account id; userinfo answers its `sub`.
          findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
          rotateRefreshToken: () => opts.interactive?.rotateRefreshTokens ?? true,
        }
      : {}),
    routes: { token: tokenPath },
    jwks: { keys: [signingKey()] },
    cookies: { keys: ['fake-cookie-signing-key'] },
    adapter: createMemoryAdapter(), // a store per peer, and no "development-only adapter" warning
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === DISCOVERY_PATH && ctx.status === 200 && typeof ctx.body === 'object') {
      const issuer = config.discoveryIssuerOverride;
      ctx.body = { ...(ctx.body as object), ...(issuer ? { issuer } : {}), ...config.discoveryPatch };
    }
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === DEVICE_AUTHORIZATION_PATH && ctx.status === 200 && typeof ctx.body === 'object') {
      ctx.body = { ...(ctx.body as object), ...config.deviceAuthorizationPatch };
    }
  });
  registerPasswordGrant(provider, config);
  ready.serve = provider.callback();

  return {
    ...base,
    issuer: base.url,
    tokenUrl: base.url + tokenPath,
    config,
    discoveryRequests,
    discoveryFaults,
    deviceAuthorizationUrl: base.url + DEVICE_AUTHORIZATION_PATH,
    authorizationUrl: base.url + AUTHORIZATION_PATH,
  };
}

/** Lifetimes of the interactive artifacts (numbers, so oidc-provider warns about none of them). */
function interactiveTtl(options: OidcInteractiveOptions): Record<string, number> {
  return {
    RefreshToken: options.refreshTokenTtlSeconds ?? 86_400,
    DeviceCode: options.deviceCodeTtlSeconds ?? 600,
    AuthorizationCode: options.authorizationCodeTtlSeconds ?? 60,
    IdToken: 3600,
    Interaction: 600,
    Session: 3600,
    Grant: 86_400,
  };
}

/** The backup.net flavour: token endpoint at `/connect/token`, `client_secret_post` advertised and used. */
export async function startBackupNetPeer(opts: OidcPeerOptions = {}): Promise<OidcPeerHandle> {
  return startOidcPeer({
    tokenPath: '/connect/token',
    clients: [
      {
        ...OIDC_DEFAULT_CLIENT,
        client_id: 'fake-backupnet-client',
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    ...opts,
  });
}

/**
 * What oidc-provider v9 lets through but a strict server (IdentityServer, as backup.net runs) does
 * not: two methods at once, or a method other than the one the client was registered with.
 */
function clientAuthRefusal(clients: OidcPeerClient[], logged: PeerRequest): string | null {
  if (twoClientAuthMethods(logged)) return 'more than one client authentication method';
  const basic = decodeBasic(logged.headers.authorization);
  const basicId = basic === undefined ? undefined : decodeURIComponent(basic.split(':')[0] ?? '');
  const client = clients.find((c) => c.client_id === (basicId ?? logged.form?.client_id));
  if (!client) return null;
  const used =
    basic !== undefined
      ? 'client_secret_basic'
      : logged.form?.client_secret !== undefined
        ? 'client_secret_post'
        : 'none';
  return used === client.token_endpoint_auth_method
    ? null
    : `client ${client.client_id} must authenticate with ${client.token_endpoint_auth_method}, not ${used}`;
}

let cachedKey: JsonWebKey | undefined;
/** One RSA signing key per process (generating one per peer costs ~100 ms). */
function signingKey(): JsonWebKey {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return cachedKey;
}

/** Password grant (not built into oidc-provider): issues an opaque access token for `config.user`. */
function registerPasswordGrant(provider: Provider, config: OidcPeerOptions): void {
  provider.registerGrantType(
    'password',
    async (ctx: OidcContext) => {
      const { username, password, scope } = ctx.oidc.params ?? {};
      const user = config.user;
      if (!user || username !== user.username || password !== user.password) {
        throw new errors.InvalidGrant('invalid resource owner credentials');
      }
      const client = ctx.oidc.client;
      if (!client) throw new errors.InvalidRequest('no client');
      const token = new provider.AccessToken({
        accountId: user.username,
        client,
        grantId: randomUUID(),
        gty: 'password',
        ...(typeof scope === 'string' && scope ? { scope } : {}),
      });
      const value = await token.save();
      ctx.body = {
        access_token: value,
        expires_in: token.expiration,
        token_type: token.tokenType,
        ...(typeof scope === 'string' && scope ? { scope } : {}),
      };
    },
    ['username', 'password', 'scope'],
  );
}

/** Lets oidc-provider read a body that the peer has already consumed for its log. */
function replayBody(req: IncomingMessage, body: string): void {
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: async function* () {
      yield Buffer.from(body, 'utf8');
    },
  });
}
