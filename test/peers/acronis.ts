/** Acronis-style client_credentials endpoint: raw (not form-encoded) HTTP Basic, `expires_on`, no `expires_in`. */
import { randomUUID } from 'node:crypto';
import { decodeBasic, sendJson, startHttpPeer, type PeerHandle } from './http.js';
import { makeJwt, nowSeconds } from './static-jwt.js';

export interface AcronisPeerOptions {
  clientId?: string;
  /** Default contains `-+/=%:` so every test proves the client sends it raw. */
  clientSecret?: string;
  /** Access token lifetime in seconds (default 7200). */
  lifetimeSeconds?: number;
  /** Leave `expires_on` out (the client must fall back to the JWT `exp`). */
  omitExpiresOn?: boolean;
  /** Token paths served (default `/bc/idp/token` and `/api/2/idp/token`). */
  tokenPaths?: string[];
}

export interface AcronisPeerHandle extends PeerHandle {
  /** Live configuration: tests may change it between requests. */
  config: Required<AcronisPeerOptions>;
  /** Access tokens issued, oldest first. */
  issued: string[];
}

export const ACRONIS_DEFAULTS: Required<AcronisPeerOptions> = {
  clientId: 'fake-acronis-client-0001',
  clientSecret: 'fake-Sec+ret/with=odd%25chars:-x',
  lifetimeSeconds: 7200,
  omitExpiresOn: false,
  tokenPaths: ['/bc/idp/token', '/api/2/idp/token'],
};

/** Starts an Acronis-like IdP; credentials are checked byte-for-byte against `base64(clientId:clientSecret)`. */
export async function startAcronisPeer(opts: AcronisPeerOptions = {}): Promise<AcronisPeerHandle> {
  const config = { ...ACRONIS_DEFAULTS, ...opts };
  const issued: string[] = [];
  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && config.tokenPaths.includes(path),
    handle(req, res, logged) {
      if (!config.tokenPaths.includes(logged.path)) return sendJson(res, 404, { error: 'not_found' });
      if (logged.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' });
      if (decodeBasic(logged.headers.authorization) !== `${config.clientId}:${config.clientSecret}`) {
        return sendJson(
          res,
          401,
          { error: 'invalid_client', error_description: 'Client authentication failed.' },
          { 'www-authenticate': 'Basic realm="idp"' },
        );
      }
      if (logged.form === undefined) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'Form body expected.' });
      }
      if (logged.form.grant_type !== 'client_credentials') {
        return sendJson(res, 400, { error: 'unsupported_grant_type' });
      }
      const iat = nowSeconds();
      const exp = iat + config.lifetimeSeconds;
      const accessToken = makeJwt(
        { iss: `${base.url}/bc/idp`, sub: config.clientId, iat, exp, jti: randomUUID(), scope: [] },
        { kid: 'fake-kid-1' },
      );
      issued.push(accessToken);
      // The id_token is deliberately unrelated to this peer: clients must not validate or use it.
      const idToken = makeJwt({
        iss: 'https://unrelated-idp.invalid',
        aud: 'someone-else',
        sub: 'x',
        iat,
        exp,
      });
      sendJson(res, 200, {
        access_token: accessToken,
        ...(config.omitExpiresOn ? {} : { expires_on: exp }),
        id_token: idToken,
        token_type: 'bearer',
      });
    },
  });
  return { ...base, config, issued };
}
