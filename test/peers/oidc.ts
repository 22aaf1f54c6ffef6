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
}

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
      response_types: [],
      redirect_uris: [],
      ...(c.scope === undefined ? {} : { scope: c.scope }),
    })),
    clientAuthMethods: opts.clientAuthMethods ?? ['client_secret_basic', 'client_secret_post', 'none'],
    scopes: [...new Set(['openid', ...clients.flatMap((c) => c.scope?.split(' ') ?? [])])],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    ttl: {
      AccessToken: opts.accessTokenTtlSeconds ?? 3600,
      ClientCredentials: opts.accessTokenTtlSeconds ?? 3600,
    },
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
  registerPasswordGrant(provider, config);
  ready.serve = provider.callback();

  return {
    ...base,
    issuer: base.url,
    tokenUrl: base.url + tokenPath,
    config,
    discoveryRequests,
    discoveryFaults,
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
