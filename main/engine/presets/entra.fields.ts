/**
 * Microsoft Entra ID (Microsoft Graph, Partner Center): app-only tokens with client credentials,
 * or delegated ones through a sign-in in the browser or with a device code. What the schema and
 * the form know of it; entra.ts has the flow. The Microsoft identity platform pages followed are
 * listed in `sources` (and in entra.ts).
 */
import { clientIdField, isInteractiveGrant, type PresetDefinition } from './spec.js';

/** Authorities that are no one tenant: only a person's sign-in tells which tenant it is. */
export const MULTI_TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export const isTenantAlias = (tenant: unknown): boolean =>
  typeof tenant === 'string' && (MULTI_TENANT_ALIASES as readonly string[]).includes(tenant.toLowerCase());

export const isTenantId = (tenant: string): boolean => GUID.test(tenant);

/** Microsoft's national clouds (authentication-national-cloud), for the authority's suggestions. */
export const ENTRA_CLOUDS = [
  { value: 'https://login.microsoftonline.com', label: 'Global (Microsoft Entra ID)' },
  { value: 'https://login.microsoftonline.us', label: 'US Government' },
  { value: 'https://login.partner.microsoftonline.cn', label: 'China, operated by 21Vianet' },
] as const;

const grantIs = (...grants: string[]) => ({ field: 'grantType', is: grants }) as const;

export const entraDefinition = {
  title: 'Microsoft Entra ID',
  help: 'Microsoft Graph or Partner Center: app-only with a client secret, or delegated by signing in with the browser or a device code.',
  doc: 'Microsoft identity platform: OAuth 2.0 client credentials, authorization code and device authorization grant flows, OpenID Connect discovery',
  sources: [
    'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow',
    'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
    'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code',
    'https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc',
    'https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud',
    'https://learn.microsoft.com/en-us/entra/identity-platform/reply-url',
  ],
  fields: {
    tenant: {
      label: 'Tenant',
      kind: 'text',
      required: true,
      placeholder: 'e.g. contoso.onmicrosoft.com or a directory (tenant) ID',
      help: 'The directory (tenant) ID or a domain of the tenant, from the app registration’s Overview. Signing in may also use organizations, common or consumers.',
      check: (tenant) =>
        isTenantAlias(tenant) || GUID.test(tenant) || DOMAIN.test(tenant)
          ? null
          : 'must be a directory (tenant) ID, a domain such as contoso.onmicrosoft.com, or organizations, common or consumers',
    },
    clientId: clientIdField(
      'The Application (client) ID: Microsoft Entra admin center → App registrations → your app → Overview.',
    ),
    grantType: {
      label: 'Grant type',
      kind: 'select',
      required: false,
      default: 'client_credentials',
      options: [
        { value: 'client_credentials', label: 'App only (client credentials)' },
        { value: 'authorization_code', label: 'Sign in with the browser (delegated)' },
        { value: 'device_code', label: 'Sign in with a device code (delegated)' },
      ],
      help: 'App only acts with the application permissions an admin granted; a sign-in acts as the person who signs in.',
    },
    clientSecret: {
      label: 'Client secret',
      kind: 'secret',
      required: grantIs('client_credentials'),
      help: 'Certificates & secrets → New client secret: its Value, not its Secret ID. A sign-in with a public client (mobile and desktop) needs none.',
    },
    scope: {
      label: 'Scope',
      kind: 'text',
      required: false,
      default: 'https://graph.microsoft.com/.default',
      help: 'Space-separated; one resource, e.g. https://graph.microsoft.com/.default. Signing in adds offline_access, for the refresh token.',
    },
    authority: {
      label: 'Authority',
      kind: 'url',
      required: false,
      advanced: true,
      default: 'https://login.microsoftonline.com',
      suggestions: ENTRA_CLOUDS,
      help: 'The cloud: discovery is at {authority}/{tenant}/v2.0/.well-known/openid-configuration.',
    },
    redirectUri: {
      label: 'Redirect URI',
      kind: 'url',
      required: false,
      format: 'redirect-uri',
      advanced: true,
      showWhen: grantIs('authorization_code'),
      placeholder: 'e.g. http://localhost/callback',
      help: 'Empty: http://127.0.0.1/callback on a port chosen at sign-in (add it to the app’s manifest). http://localhost/callback can be added in the portal, and Microsoft ignores its port.',
    },
  },
  rules({ values }, report) {
    // The tenant goes into the path after it: a path, query or fragment here would move it.
    if (typeof values.authority === 'string' && !isOrigin(values.authority))
      report(
        'authority',
        'must be the cloud’s origin only, such as https://login.microsoftonline.com (no path, query or fragment)',
      );
    const grant = typeof values.grantType === 'string' ? values.grantType : 'client_credentials';
    if (isInteractiveGrant(grant)) {
      if (values.redirectUri !== undefined && grant !== 'authorization_code')
        report('redirectUri', 'is only used by the authorization_code grant');
      return;
    }
    if (isTenantAlias(values.tenant))
      report(
        'tenant',
        `must name one tenant (its ID or a domain) for the ${grant} grant; ${String(values.tenant)} is only for signing in (authorization_code, device_code)`,
      );
    if (values.clientSecret === undefined) report('clientSecret', `is required for the ${grant} grant`);
    if (values.redirectUri !== undefined)
      report('redirectUri', 'is only used by the authorization_code grant');
  },
} as const satisfies PresetDefinition;

/** True for `scheme://host[:port]` with nothing after it but an optional "/". */
function isOrigin(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+\/?$/i.test(value.trim());
}
