/**
 * Generic OAuth 2.0 (RFC 6749): client credentials, the password grant (with the refresh token
 * first), a pasted refresh token, and the interactive grants, which a person signs in to (the
 * engine runs the sign-in with interactiveSettings below) and which are then renewed with their
 * refresh token only.
 */
import type { ClientSettings, EndpointSettings, InteractiveClientAuth } from '../interactive/common.js';
import { refreshOnly, refreshOrPrimary, requiredSecret, str } from '../providers/grants.js';
import {
  clientAuth,
  discover,
  staticServer,
  tokenRequest,
  type ClientAuthMethod,
} from '../providers/oauth.js';
import type { Flow } from '../providers/types.js';
import { oauth2Definition } from './oauth2.fields.js';
import type { InteractiveSettings, PresetSpec, Settings } from './preset.js';
import { isInteractiveGrant } from './spec.js';

const flow: Flow = {
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const server = str(settings.tokenUrl)
      ? staticServer(String(settings.tokenUrl))
      : await discover(ctx, String(settings.issuer));
    const clientId = String(settings.clientId);
    const grant = str(settings.grantType) ?? 'client_credentials';

    if (isInteractiveGrant(grant)) {
      // A public client has no secret; a confidential one authenticates as its clientAuth says.
      const explicit = str(settings.clientAuth) as ClientAuthMethod | undefined;
      const secret = explicit === 'none' ? undefined : await input.secret('clientSecret');
      const method = explicit ?? (secret === undefined ? 'none' : 'client_secret_basic');
      const auth = clientAuth(
        method,
        clientId,
        method === 'none' ? undefined : (secret ?? (await requiredSecret(input, 'clientSecret'))),
      );
      return refreshOnly(input, (refreshToken) =>
        tokenRequest(ctx, { server, clientId, auth, grant: 'refresh_token', parameters: {}, refreshToken }),
      );
    }

    const method = (str(settings.clientAuth) ?? 'client_secret_basic') as ClientAuthMethod;
    const auth = clientAuth(
      method,
      clientId,
      method === 'none' ? undefined : await requiredSecret(input, 'clientSecret'),
    );
    const extra: Record<string, string> = {
      ...((settings.extraParams as Record<string, string> | undefined) ?? {}),
    };
    if (str(settings.scope)) extra.scope = String(settings.scope);
    if (str(settings.audience)) extra.audience = String(settings.audience);

    if (grant === 'client_credentials') {
      return tokenRequest(ctx, { server, clientId, auth, grant: 'client_credentials', parameters: extra });
    }
    const password = str(settings.username) ? await input.secret('password') : undefined;
    const primaryPassword =
      password !== undefined
        ? () =>
            tokenRequest(ctx, {
              server,
              clientId,
              auth,
              grant: 'password',
              parameters: { ...extra, username: String(settings.username), password },
            })
        : null;
    // The rotated refresh token from the last answer wins over the one typed in.
    const refreshToken = input.refreshToken ?? (await input.secret('refreshToken')) ?? null;
    const refresh = refreshToken
      ? () =>
          tokenRequest(ctx, {
            server,
            clientId,
            auth,
            grant: 'refresh_token',
            parameters: extra,
            refreshToken,
          })
      : null;
    return refreshOrPrimary(refresh, primaryPassword);
  },
};

/** The browser or device sign-in these settings ask for, with the URLs given by hand winning over discovery. */
function interactiveSettings(
  settings: Settings,
  clientSecret: string | undefined,
): InteractiveSettings | null {
  const grant = str(settings.grantType);
  if (!isInteractiveGrant(grant)) return null;
  const browser = grant === 'authorization_code';
  const endpoints: EndpointSettings = {};
  if (str(settings.issuer)) endpoints.issuer = String(settings.issuer);
  if (str(settings.tokenUrl)) endpoints.tokenUrl = String(settings.tokenUrl);
  if (browser && str(settings.authorizationUrl))
    endpoints.authorizationUrl = String(settings.authorizationUrl);
  if (!browser && str(settings.deviceAuthorizationUrl))
    endpoints.deviceAuthorizationUrl = String(settings.deviceAuthorizationUrl);
  const explicit = str(settings.clientAuth) as InteractiveClientAuth | undefined;
  const secret = explicit === 'none' ? undefined : clientSecret;
  const client: ClientSettings = {
    clientId: String(settings.clientId),
    clientAuth: explicit ?? (secret ? 'client_secret_basic' : 'none'),
  };
  if (secret) client.clientSecret = secret;
  if (str(settings.scope)) client.scope = String(settings.scope);
  if (str(settings.audience)) client.audience = String(settings.audience);
  const extra = settings.extraParams;
  if (typeof extra === 'object' && extra !== null)
    client.extraParams = { ...(extra as Record<string, string>) };
  const result: InteractiveSettings = { kind: browser ? 'browser' : 'device', endpoints, client };
  if (browser && str(settings.redirectUri)) result.redirectUri = String(settings.redirectUri);
  return result;
}

export const oauth2: PresetSpec = {
  ...oauth2Definition,
  flow,
  // Nothing says where the API is: a placeholder to replace.
  apiBase: () => 'https://api.example.com/',
  interactive: interactiveSettings,
};
