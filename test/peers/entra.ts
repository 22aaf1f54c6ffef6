/**
 * A Microsoft Entra ID stand-in on 127.0.0.1, shaped like the Microsoft identity platform's
 * documented answers (v2-protocols-oidc, v2-oauth2-client-creds-grant-flow,
 * v2-oauth2-auth-code-flow "Refresh the access token"): discovery at
 * `/{tenant}/v2.0/.well-known/openid-configuration` for a tenant ID, a domain, `common`,
 * `organizations` or `consumers` (with the issuers Microsoft names for each: the tenant ID's, the
 * `{tenantid}` placeholder, the consumer tenant's), and a token endpoint at
 * `/{tenant}/oauth2/v2.0/token` for client credentials (the secret in the form body, or HTTP
 * Basic) and rotating refresh tokens. Errors are AADSTS-shaped: `error`, `error_description`
 * ("AADSTS7000215: …" with its Trace ID, Correlation ID and Timestamp lines), `error_codes`,
 * `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
 *
 * `delegate` makes discovery point the token, authorization and device endpoints elsewhere (an
 * oidc-provider peer), so a sign-in can run against a real server behind Entra-shaped discovery.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeBasic, sendJson, startHttpPeer, type PeerHandle, type PeerRequest } from './http.js';
import { makeJwt, nowSeconds } from './static-jwt.js';

export interface EntraPeerOptions {
  /** The tenant's ID (lower case, as Microsoft writes it). */
  tenantId?: string;
  /** A domain of the tenant, answered like the tenant ID. */
  domain?: string;
  clientId?: string;
  /** Microsoft's secrets hold `~`, `.` and `_`; this one also `+/=%:` to prove form-encoding. */
  clientSecret?: string;
  /** Access token lifetime (default 3599, as the pages show). */
  lifetimeSeconds?: number;
  /** Discovery lists these endpoints instead of the peer's own (an oidc-provider peer's). */
  delegate?: { tokenUrl: string; authorizationUrl: string; deviceAuthorizationUrl: string };
  /** Discovery names this issuer instead of Microsoft's (a mix-up test). */
  issuerOverride?: string;
}

export interface EntraPeerHandle extends PeerHandle {
  config: Required<Omit<EntraPeerOptions, 'delegate' | 'issuerOverride'>> &
    Pick<EntraPeerOptions, 'delegate' | 'issuerOverride'>;
  /** Every discovery request received. */
  discoveryRequests: PeerRequest[];
  /** Access tokens issued, oldest first. */
  issued: string[];
  /** A refresh token the peer accepts once (as Entra rotates them), for `scope`. */
  grantRefreshToken(scope: string): string;
  /** The issuer Microsoft names for a tenant segment. */
  issuerFor(tenant: string): string;
}

export const ENTRA_DEFAULTS = {
  tenantId: '8eaef023-2b34-4da1-9baa-8bc8c9d6a490',
  domain: 'contoso.onmicrosoft.com',
  clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865',
  clientSecret: 'fake~Entra.secret_+/=%:-value',
  lifetimeSeconds: 3599,
} as const;

/** The consumer (personal Microsoft account) tenant's ID (v2-protocols-oidc). */
export const ENTRA_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

const DISCOVERY = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

/** An error answer as the Microsoft identity platform writes one. */
function aadstsError(error: string, code: number, text: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, '%20'));

/** Starts the stand-in; its authority is `url` (use it as the account's `authority`). */
export async function startEntraPeer(opts: EntraPeerOptions = {}): Promise<EntraPeerHandle> {
  const config = { ...ENTRA_DEFAULTS, ...opts };
  const discoveryRequests: PeerRequest[] = [];
  const issued: string[] = [];
  const refreshTokens = new Map<string, string>(); // token → scope
  let url = '';

  const known = (tenant: string) =>
    [config.tenantId, config.domain, 'common', 'organizations', 'consumers'].includes(tenant.toLowerCase());
  const issuerFor = (tenant: string) => {
    const lower = tenant.toLowerCase();
    if (lower === 'common' || lower === 'organizations') return `${url}/{tenantid}/v2.0`;
    if (lower === 'consumers') return `${url}/${ENTRA_CONSUMER_TENANT}/v2.0`;
    return `${url}/${config.tenantId}/v2.0`;
  };

  function discovery(tenant: string): Record<string, unknown> {
    const own = `${url}/${tenant}/oauth2/v2.0`;
    return {
      token_endpoint: config.delegate?.tokenUrl ?? `${own}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: config.issuerOverride ?? issuerFor(tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: config.delegate?.authorizationUrl ?? `${own}/authorize`,
      device_authorization_endpoint: config.delegate?.deviceAuthorizationUrl ?? `${own}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${own}/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'tid', 'ver'],
      kerberos_endpoint: `${url}/${tenant}/kerberos`,
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  /** The client's secret from the form body or HTTP Basic (RFC 6749 §2.3.1: form-decoded). */
  function clientSecretOf(logged: PeerRequest): string | undefined {
    const basic = decodeBasic(logged.headers.authorization);
    if (basic !== undefined) {
      const at = basic.indexOf(':');
      return at < 0 ? undefined : formDecode(basic.slice(at + 1));
    }
    return logged.form?.client_secret;
  }

  function accessToken(tenant: string, scope: string, delegated: boolean): string {
    const iat = nowSeconds();
    const token = makeJwt(
      {
        aud: scope.split(' ')[0]?.replace(/\/\.default$/, '') ?? 'https://graph.microsoft.com',
        iss: `https://sts.windows.net/${config.tenantId}/`,
        iat,
        nbf: iat,
        exp: iat + config.lifetimeSeconds,
        appid: config.clientId,
        tid: tenant === 'consumers' ? ENTRA_CONSUMER_TENANT : config.tenantId,
        ...(delegated ? { scp: 'User.Read', upn: 'adele@contoso.example' } : { roles: ['User.Read.All'] }),
        ver: '1.0',
      },
      { kid: 'fake-entra-kid', x5t: 'fake-entra-kid' },
    );
    issued.push(token);
    return token;
  }

  const base = await startHttpPeer({
    isTokenRequest: (method, path) => method === 'POST' && TOKEN.test(path),
    handle(_req, res, logged) {
      const discoveryMatch = DISCOVERY.exec(logged.path);
      if (discoveryMatch && logged.method === 'GET') {
        discoveryRequests.push(logged);
        const tenant = decodeURIComponent(discoveryMatch[1] ?? '');
        if (!known(tenant))
          return sendJson(
            res,
            400,
            aadstsError(
              'invalid_tenant',
              90002,
              `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
            ),
          );
        return sendJson(res, 200, discovery(tenant));
      }
      const tokenMatch = TOKEN.exec(logged.path);
      if (!tokenMatch || logged.method !== 'POST') return sendJson(res, 404, { error: 'not_found' });
      const tenant = decodeURIComponent(tokenMatch[1] ?? '');
      const form = logged.form ?? {};
      if (!known(tenant))
        return sendJson(res, 400, aadstsError('invalid_tenant', 90002, `Tenant '${tenant}' not found.`));
      if (form.client_id !== config.clientId)
        return sendJson(
          res,
          400,
          aadstsError(
            'unauthorized_client',
            700016,
            `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`,
          ),
        );
      const secret = clientSecretOf(logged);
      if (form.grant_type === 'client_credentials') {
        if (['common', 'organizations', 'consumers'].includes(tenant.toLowerCase()))
          return sendJson(
            res,
            400,
            aadstsError(
              'invalid_request',
              900023,
              `Specified tenant identifier '${tenant}' is neither a valid DNS name, nor a valid external domain.`,
            ),
          );
        if (secret !== config.clientSecret)
          return sendJson(
            res,
            401,
            aadstsError(
              'invalid_client',
              7000215,
              `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${config.clientId}'.`,
            ),
          );
        const scope = form.scope ?? '';
        if (!scope.endsWith('/.default'))
          return sendJson(
            res,
            400,
            aadstsError(
              'invalid_scope',
              1002012,
              `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
            ),
          );
        return sendJson(res, 200, {
          token_type: 'Bearer',
          expires_in: config.lifetimeSeconds,
          ext_expires_in: config.lifetimeSeconds,
          access_token: accessToken(tenant, scope, false),
        });
      }
      if (form.grant_type === 'refresh_token') {
        if (secret !== undefined && secret !== config.clientSecret)
          return sendJson(
            res,
            401,
            aadstsError('invalid_client', 7000215, 'Invalid client secret provided.'),
          );
        const presented = form.refresh_token ?? '';
        const scope = refreshTokens.get(presented);
        if (scope === undefined)
          return sendJson(
            res,
            400,
            aadstsError(
              'invalid_grant',
              700082,
              'The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00.0000000Z and was inactive for 90.00:00:00.',
            ),
          );
        refreshTokens.delete(presented);
        const granted = form.scope ?? scope;
        return sendJson(res, 200, {
          token_type: 'Bearer',
          scope: granted,
          expires_in: config.lifetimeSeconds,
          ext_expires_in: config.lifetimeSeconds,
          access_token: accessToken(tenant, granted, true),
          refresh_token: grantRefreshToken(granted),
        });
      }
      return sendJson(
        res,
        400,
        aadstsError(
          'unsupported_grant_type',
          70003,
          `The app requested an unsupported grant type '${form.grant_type ?? ''}'.`,
        ),
      );
    },
  });
  url = base.url;

  function grantRefreshToken(scope: string): string {
    const token = `0.AAAA${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(token, scope);
    return token;
  }

  return { ...base, config, discoveryRequests, issued, grantRefreshToken, issuerFor };
}
