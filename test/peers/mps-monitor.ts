/** MPS Monitor `/token` endpoint: password grant then rotating refresh_token grant, OWIN-style answers. */
import { randomBytes } from 'node:crypto';
import { sendJson, startHttpPeer, type PeerHandle } from './http.js';

export interface MpsMonitorPeerOptions {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  /** The only scope accepted for the password grant (default `account`). */
  scope?: string;
  /** Value of `expires_in` (default 1799; `.expires` is one second later, as in the vendor's sample). */
  expiresIn?: number;
  /** Path prefix before `/token` (default ''), to test a `baseUrl` with a path. */
  basePath?: string;
}

export interface MpsMonitorPeerHandle extends PeerHandle {
  /** `url` + `basePath`: what an account's `baseUrl` should be. */
  baseUrl: string;
  /** Live configuration: tests may change it (e.g. the password) between requests. */
  config: Required<MpsMonitorPeerOptions>;
  issued: { accessTokens: string[]; refreshTokens: string[] };
  /** Refresh tokens currently accepted (each is accepted once). */
  liveRefreshTokens: Set<string>;
  /** Invalidates every refresh token (the client must log in again with the password). */
  revokeAllRefreshTokens(): void;
}

export const MPS_MONITOR_DEFAULTS: Required<MpsMonitorPeerOptions> = {
  clientId: 'fake-mps-client',
  clientSecret: 'fake-mps-secret+/=%:-',
  username: 'test@example.com',
  password: 'fake-Password123!',
  scope: 'account',
  expiresIn: 1799,
  basePath: '',
};

const invalidGrant = { error: 'invalid_grant' };

/** Starts an MPS-Monitor-like API; the token URL is `${handle.baseUrl}/token`. */
export async function startMpsMonitorPeer(opts: MpsMonitorPeerOptions = {}): Promise<MpsMonitorPeerHandle> {
  const config = { ...MPS_MONITOR_DEFAULTS, ...opts };
  const tokenPath = `${config.basePath}/token`;
  const issued = { accessTokens: [] as string[], refreshTokens: [] as string[] };
  const live = new Set<string>();

  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && path === tokenPath,
    handle(_req, res, logged) {
      if (logged.path !== tokenPath) return sendJson(res, 404, { message: 'Not found' });
      if (logged.method !== 'POST' || logged.form === undefined) {
        return sendJson(res, 400, { error: 'unsupported_grant_type' });
      }
      const form = logged.form;
      if (form.client_id !== config.clientId || form.client_secret !== config.clientSecret) {
        return sendJson(res, 400, { error: 'invalid_client' });
      }
      if (form.grant_type === 'password') {
        if (form.scope !== config.scope) return sendJson(res, 400, { error: 'invalid_scope' });
        if (form.username !== config.username || form.password !== config.password) {
          return sendJson(res, 400, {
            ...invalidGrant,
            error_description: 'The user name or password is incorrect.',
          });
        }
      } else if (form.grant_type === 'refresh_token') {
        if (form.refresh_token === undefined || !live.delete(form.refresh_token)) {
          return sendJson(res, 400, invalidGrant);
        }
      } else {
        return sendJson(res, 400, { error: 'unsupported_grant_type' });
      }
      const accessToken = randomBytes(33).toString('base64url');
      const refreshToken = randomBytes(16).toString('hex');
      issued.accessTokens.push(accessToken);
      issued.refreshTokens.push(refreshToken);
      live.add(refreshToken);
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      sendJson(res, 200, {
        access_token: accessToken,
        token_type: 'bearer',
        expires_in: config.expiresIn,
        refresh_token: refreshToken,
        'as:client_id': config.clientId,
        // The vendor echoes the user name form-encoded ("test%40test.com" in its sample).
        userName: encodeURIComponent(config.username),
        '.issued': now.toUTCString(),
        '.expires': new Date(now.getTime() + (config.expiresIn + 1) * 1000).toUTCString(),
      });
    },
  });
  return {
    ...base,
    baseUrl: base.url + config.basePath,
    config,
    issued,
    liveRefreshTokens: live,
    revokeAllRefreshTokens: () => live.clear(),
  };
}
