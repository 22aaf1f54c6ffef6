/** Generic RFC 6749 token endpoint (@node-oauth/oauth2-server): password, refresh_token (rotating), client_credentials. */
import OAuth2Server from '@node-oauth/oauth2-server';
import { decodeBasic, sendJson, startHttpPeer, twoClientAuthMethods, type PeerHandle } from './http.js';

export interface OAuth2PeerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Public client: no secret needed (for `clientAuth: none`); a secret sent anyway must still match. */
  publicClient?: boolean;
  username?: string;
  password?: string;
  /** Access token lifetime in seconds (default 1800). */
  accessTokenLifetime?: number;
  /** Refresh token lifetime in seconds (default 14 days). */
  refreshTokenLifetime?: number;
  /**
   * How the parts of an `Authorization: Basic` header are read: `form` (default) form-decodes them as
   * RFC 6749 §2.3.1 says; `raw` takes them verbatim.
   */
  basicDecoding?: 'form' | 'raw';
}

export interface OAuth2PeerHandle extends PeerHandle {
  /** `${url}/token` */
  tokenUrl: string;
  /** Live configuration: tests may change it between requests. */
  config: Required<OAuth2PeerOptions>;
  issued: { accessTokens: string[]; refreshTokens: string[] };
  /** Invalidates every refresh token issued so far. */
  revokeAllRefreshTokens(): void;
  /** Changes the user's password (the next password grant with the old one fails). */
  setPassword(password: string): void;
}

export const OAUTH2_DEFAULTS: Required<OAuth2PeerOptions> = {
  clientId: 'fake-oauth2-client',
  clientSecret: 'fake-oauth2-secret+/=%:-',
  publicClient: false,
  username: 'fake.user@example.com',
  password: 'fake-user-password',
  accessTokenLifetime: 1800,
  refreshTokenLifetime: 14 * 24 * 3600,
  basicDecoding: 'form',
};

type Client = OAuth2Server.Client;
type Token = OAuth2Server.Token;

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, '%20'));

/** Starts an OAuth 2.0 server peer; the token endpoint is `POST ${url}/token`, form-encoded. */
export async function startOAuth2ServerPeer(opts: OAuth2PeerOptions = {}): Promise<OAuth2PeerHandle> {
  const config = { ...OAUTH2_DEFAULTS, ...opts };
  const issued = { accessTokens: [] as string[], refreshTokens: [] as string[] };
  const accessTokens = new Map<string, Token>();
  const refreshTokens = new Map<string, Token>();

  const client = (): Client => ({
    id: config.clientId,
    grants: ['password', 'refresh_token', 'client_credentials'],
    accessTokenLifetime: config.accessTokenLifetime,
    refreshTokenLifetime: config.refreshTokenLifetime,
  });
  const model: OAuth2Server.PasswordModel &
    OAuth2Server.RefreshTokenModel &
    OAuth2Server.ClientCredentialsModel = {
    getClient: async (id, secret) =>
      id === config.clientId &&
      (secret === config.clientSecret || (config.publicClient && secret === undefined))
        ? client()
        : false,
    getUser: async (username, password) =>
      username === config.username && password === config.password ? { id: username } : false,
    getUserFromClient: async (c) => ({ id: `service:${c.id}` }),
    saveToken: async (token, c, user) => {
      const saved: Token = { ...token, client: c, user };
      accessTokens.set(token.accessToken, saved);
      issued.accessTokens.push(token.accessToken);
      if (token.refreshToken !== undefined) {
        refreshTokens.set(token.refreshToken, saved);
        issued.refreshTokens.push(token.refreshToken);
      }
      return saved;
    },
    getAccessToken: async (t) => accessTokens.get(t) ?? false,
    getRefreshToken: async (t) => {
      const token = refreshTokens.get(t);
      return token?.refreshToken === undefined ? false : { ...token, refreshToken: token.refreshToken };
    },
    revokeToken: async (token) => refreshTokens.delete(token.refreshToken),
  };
  const server = new OAuth2Server({
    model,
    accessTokenLifetime: config.accessTokenLifetime,
    refreshTokenLifetime: config.refreshTokenLifetime,
    requireClientAuthentication: {
      password: !config.publicClient,
      refresh_token: !config.publicClient,
      client_credentials: true,
    },
  });

  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && path === '/token',
    async handle(_req, res, logged) {
      if (logged.path !== '/token') return sendJson(res, 404, { error: 'not_found' });
      if (twoClientAuthMethods(logged)) {
        return sendJson(res, 400, {
          error: 'invalid_request',
          error_description: 'Client authenticated with both Basic and the request body',
        });
      }
      const headers = { ...logged.headers };
      if (headers.authorization !== undefined) {
        const basic = reencodeBasic(headers.authorization, config.basicDecoding);
        if (basic === undefined) {
          return sendJson(
            res,
            401,
            { error: 'invalid_client', error_description: 'Malformed Basic credentials' },
            { 'www-authenticate': 'Basic realm="Service"' },
          );
        }
        headers.authorization = basic;
      }
      const request = new OAuth2Server.Request({
        method: logged.method,
        headers,
        query: {},
        body: logged.form ?? {},
      });
      const response = new OAuth2Server.Response({ headers: {} });
      try {
        await server.token(request, response);
      } catch (error) {
        // Some errors (a wrong content type or method) are thrown before the library fills in `response`.
        const failure = error as { code?: number; name?: string; message?: string };
        return sendJson(
          res,
          failure.code ?? 500,
          { error: failure.name ?? 'server_error', error_description: failure.message ?? '' },
          response.headers ?? {},
        );
      }
      sendJson(res, response.status ?? 200, response.body ?? {}, response.headers ?? {});
    },
  });

  return {
    ...base,
    tokenUrl: `${base.url}/token`,
    config,
    issued,
    revokeAllRefreshTokens: () => refreshTokens.clear(),
    setPassword: (password) => {
      config.password = password;
    },
  };
}

/** Re-encodes Basic credentials so the library (which never form-decodes) sees the decoded parts. */
function reencodeBasic(header: string, decoding: 'form' | 'raw'): string | undefined {
  const raw = decodeBasic(header);
  const colon = raw?.indexOf(':') ?? -1;
  if (raw === undefined || colon < 0) return undefined;
  if (decoding === 'raw') return header;
  try {
    const id = formDecode(raw.slice(0, colon));
    const secret = formDecode(raw.slice(colon + 1));
    return `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;
  } catch {
    return undefined;
  }
}
