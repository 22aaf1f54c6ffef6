/**
 * Microsoft Entra ID through the Microsoft identity platform (v2.0 endpoints), as its pages say:
 *
 * - Client credentials: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 *   `POST {authority}/{tenant}/oauth2/v2.0/token` with client_id, scope `{resource}/.default` and
 *   the client_secret in the form body (the page's "first case"; HTTP Basic is also accepted), so
 *   client_secret_post. Tenant "in GUID or domain-name format". Errors come as `error`,
 *   `error_description` ("AADSTS7000215: …"), `error_codes`, `trace_id`, `correlation_id`.
 * - Authorization code: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
 *   PKCE S256; public clients (mobile and desktop) "must not use secrets"; a refresh token only
 *   with `offline_access`, renewed with grant_type=refresh_token and the same scope.
 * - Device code: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 *   `/devicecode`; tenant may be `common`, `organizations` or `consumers`; `authorization_declined`
 *   and `expired_token` end the wait; no `verification_uri_complete`.
 * - OpenID Connect discovery: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
 *   `{authority}/{tenant}/v2.0/.well-known/openid-configuration`; for `common` and `organizations`
 *   the document's issuer is the placeholder `{authority}/{tenantid}/v2.0` (so RFC 8414 equality
 *   cannot hold: providers/issuer.ts accepts exactly that, and the issuer is then unknown); a
 *   tenant named by a domain (or `consumers`) is answered with `{authority}/<tenant ID>/v2.0`.
 * - National clouds: https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
 *   `authority` https://login.microsoftonline.us (US Government), https://login.partner.microsoftonline.cn
 *   (China, 21Vianet); Microsoft Graph then lives at graph.microsoft.us or microsoftgraph.chinacloudapi.cn.
 * - Redirect URIs: https://learn.microsoft.com/en-us/entra/identity-platform/reply-url
 *   http loopback redirects; an http://127.0.0.1 one is added through the app's manifest, and the
 *   port of a localhost one is ignored when matching.
 *
 * Decisions: `consumers` is accepted for the sign-in grants only, like `common` and `organizations`
 * (personal Microsoft accounts; its issuer is the consumer tenant's ID). The sign-in grants always
 * ask for `offline_access` (added to the scope when missing), since they live on refresh tokens;
 * the default scope is `https://graph.microsoft.com/.default` for every grant. A secret, when one
 * is stored, is sent as client_secret_post with every grant; without one the client is public.
 */
import { TokenError } from '../errors.js';
import { clientCredentialsFlow, refreshOnly, str, trimSlash } from '../providers/grants.js';
import type { IssuerRule } from '../providers/issuer.js';
import { clientAuth, discover, staticServer, tokenRequest } from '../providers/oauth.js';
import type { Flow, FlowContext } from '../providers/types.js';
import { entraDefinition, isTenantAlias, isTenantId } from './entra.fields.js';
import type { InteractiveSettings, PresetSpec, Settings } from './preset.js';
import { isInteractiveGrant, settingOrDefault } from './spec.js';

const authorityOf = (s: Settings) => trimSlash(settingOrDefault(entraDefinition, s, 'authority') ?? '');

/** The tenant as Microsoft writes it in issuers: an ID in lower case. */
const tenantOf = (s: Settings) =>
  isTenantId(String(s.tenant)) ? String(s.tenant).toLowerCase() : String(s.tenant);

/** `{authority}/{tenant}/v2.0`: where discovery is, and (for one tenant by its ID) the issuer. */
export const entraIssuerOf = (s: Settings) => `${authorityOf(s)}/${tenantOf(s)}/v2.0`;

/** The issuer Microsoft's discovery document names for this tenant (see the note at the top). */
export function entraIssuerRule(s: Settings): IssuerRule {
  const authority = authorityOf(s);
  const tenant = tenantOf(s);
  if (tenant.toLowerCase() === 'common' || tenant.toLowerCase() === 'organizations')
    return { kind: 'placeholder', issuer: `${authority}/{tenantid}/v2.0` };
  if (isTenantId(tenant)) return { kind: 'exact' };
  return { kind: 'tenant-id', prefix: `${authority}/`, suffix: '/v2.0' };
}

const grantOf = (s: Settings) => str(s.grantType) ?? 'client_credentials';

/** The scope to ask for; a sign-in adds offline_access, without which no refresh token comes. */
export function entraScopeOf(s: Settings): string {
  const scope = settingOrDefault(entraDefinition, s, 'scope') ?? '';
  if (!isInteractiveGrant(grantOf(s))) return scope;
  const scopes = scope.split(' ').filter(Boolean);
  return scopes.includes('offline_access') ? scopes.join(' ') : [...scopes, 'offline_access'].join(' ');
}

function serverFor(ctx: FlowContext, s: Settings) {
  return str(s.tokenUrl)
    ? Promise.resolve(staticServer(String(s.tokenUrl)))
    : discover(ctx, entraIssuerOf(s), entraIssuerRule(s));
}

const appOnly = clientCredentialsFlow(serverFor, () => 'client_secret_post', entraScopeOf);

const flow: Flow = {
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const grant = grantOf(settings);
    if (!isInteractiveGrant(grant)) {
      if (isTenantAlias(settings.tenant))
        throw new TokenError(
          'bad_settings',
          `tenant ${String(settings.tenant)} is only for signing in: name one tenant (its ID or a domain) for the ${grant} grant`,
          'config',
        );
      return appOnly.obtain(ctx, input);
    }
    const server = await serverFor(ctx, settings);
    const clientId = String(settings.clientId);
    const secret = await input.secret('clientSecret');
    const auth = clientAuth(secret === undefined ? 'none' : 'client_secret_post', clientId, secret);
    return refreshOnly(input, (refreshToken) =>
      tokenRequest(ctx, {
        server,
        clientId,
        auth,
        grant: 'refresh_token',
        parameters: { scope: entraScopeOf(settings) },
        refreshToken,
      }),
    );
  },
};

function interactiveSettings(s: Settings, clientSecret: string | undefined): InteractiveSettings | null {
  const grant = grantOf(s);
  if (!isInteractiveGrant(grant)) return null;
  const browser = grant === 'authorization_code';
  const result: InteractiveSettings = {
    kind: browser ? 'browser' : 'device',
    endpoints: {
      issuer: entraIssuerOf(s),
      issuerRule: entraIssuerRule(s),
      ...(str(s.tokenUrl) ? { tokenUrl: String(s.tokenUrl) } : {}),
    },
    client: {
      clientId: String(s.clientId),
      clientAuth: clientSecret ? 'client_secret_post' : 'none',
      ...(clientSecret ? { clientSecret } : {}),
      scope: entraScopeOf(s),
    },
  };
  if (browser && str(s.redirectUri)) result.redirectUri = String(s.redirectUri);
  return result;
}

/** Microsoft Graph in each cloud, by the authority's host. */
const GRAPH_BY_AUTHORITY: Record<string, string> = {
  'login.microsoftonline.us': 'https://graph.microsoft.us',
  'login.partner.microsoftonline.cn': 'https://microsoftgraph.chinacloudapi.cn',
  'login.chinacloudapi.cn': 'https://microsoftgraph.chinacloudapi.cn',
};
const GRAPH_HOSTS = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);

/**
 * The API the scope is for: Microsoft Graph's `/v1.0/me` for a signed-in person, `/v1.0/users`
 * (the client credentials page's own example) app-only; another resource (Partner Center) by its
 * origin.
 */
function apiBase(s: Settings): string {
  const resource = entraScopeOf(s)
    .split(' ')
    .map((scope) => (URL.canParse(scope) ? new URL(scope) : null))
    .find((url) => url?.protocol === 'https:');
  let authorityHost = '';
  try {
    authorityHost = new URL(authorityOf(s)).host;
  } catch {
    // An invalid authority is the schema's to report; Graph's global host stands in.
  }
  const graph = resource
    ? GRAPH_HOSTS.has(resource.host)
      ? resource.origin
      : null
    : (GRAPH_BY_AUTHORITY[authorityHost] ?? 'https://graph.microsoft.com');
  if (!graph) return `${resource?.origin ?? 'https://graph.microsoft.com'}/`;
  return `${graph}/v1.0/${isInteractiveGrant(grantOf(s)) ? 'me' : 'users'}`;
}

export const entra: PresetSpec = {
  ...entraDefinition,
  flow,
  apiBase,
  interactive: interactiveSettings,
};
