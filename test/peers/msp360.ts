/** MSP360 (MBS API) login endpoint: JSON `{UserName, Password}` in, OWIN-style bearer token out, no refresh token. */
import { randomBytes } from 'node:crypto';
import { sendJson, startHttpPeer, type PeerHandle } from './http.js';

export interface Msp360PeerOptions {
  username?: string;
  password?: string;
  /** Value of `expires_in` (default 1209599: 14 days minus the second OWIN rounds away). */
  expiresIn?: number;
  /** Leave out both `expires_in` and `.expires` (the client must assume 14 days). */
  omitExpiry?: boolean;
  /** Leave out only `expires_in` (the client must read the `.expires` HTTP date). */
  omitExpiresIn?: boolean;
  /**
   * How bad credentials are refused. Default `invalid_grant`: 400
   * `{"error":"invalid_grant","error_description":"The user name or password is incorrect."}` (what an OWIN
   * OAuth server, which produces this token shape, answers). `denied`: 401
   * `{"Message":"Authorization has been denied for this request."}` (ASP.NET Web API style).
   */
  badCredentials?: 'invalid_grant' | 'denied';
}

export interface Msp360PeerHandle extends PeerHandle {
  /** Live configuration: tests may change it (e.g. the password) between requests. */
  config: Required<Msp360PeerOptions>;
  /** Access tokens issued, oldest first. */
  issued: string[];
}

export const MSP360_LOGIN_PATH = '/api/Provider/Login';

export const MSP360_DEFAULTS: Required<Msp360PeerOptions> = {
  username: 'fakeApiUser',
  password: 'fake-Pa$$word+/=%:',
  expiresIn: 1209599,
  omitExpiry: false,
  omitExpiresIn: false,
  badCredentials: 'invalid_grant',
};

/** Starts an MSP360-like API; the login URL is `${handle.url}/api/Provider/Login`. */
export async function startMsp360Peer(opts: Msp360PeerOptions = {}): Promise<Msp360PeerHandle> {
  const config = { ...MSP360_DEFAULTS, ...opts };
  const issued: string[] = [];
  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && path === MSP360_LOGIN_PATH,
    handle(_req, res, logged) {
      if (logged.path !== MSP360_LOGIN_PATH) return sendJson(res, 404, { Message: 'Not found.' });
      if (logged.method !== 'POST') {
        return sendJson(res, 405, { Message: "The requested resource does not support http method 'GET'." });
      }
      if (!(logged.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { Message: "The request entity's media type is not supported." });
      }
      const body = logged.json as { UserName?: unknown; Password?: unknown } | undefined;
      if (typeof body !== 'object' || body === null) {
        return sendJson(res, 400, { Message: 'The request is invalid.' });
      }
      if (body.UserName !== config.username || body.Password !== config.password) {
        return config.badCredentials === 'denied'
          ? sendJson(res, 401, { Message: 'Authorization has been denied for this request.' })
          : sendJson(res, 400, {
              error: 'invalid_grant',
              error_description: 'The user name or password is incorrect.',
            });
      }
      const token = `fake-msp360-${randomBytes(24).toString('base64url')}`;
      issued.push(token);
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const expires = new Date(now.getTime() + (config.expiresIn + 1) * 1000);
      sendJson(res, 200, {
        access_token: token,
        token_type: 'bearer',
        ...(config.omitExpiry || config.omitExpiresIn ? {} : { expires_in: config.expiresIn }),
        userName: config.username,
        '.issued': now.toUTCString(),
        ...(config.omitExpiry ? {} : { '.expires': expires.toUTCString() }),
      });
    },
  });
  return { ...base, config, issued };
}
