/**
 * One flow per preset (CONTRACT §1). Each knows its primary grant and whether it can refresh; the
 * engine's renewal (single flight, rotation, fallback) is the same for all.
 */
import type * as oauth from 'oauth4webapi';
import { DEFAULTS } from '../accounts/fields.js';
import { parseRfc3339 } from '../dates.js';
import { TokenError } from '../errors.js';
import { expiryFromResponse } from '../expiry.js';
import type { Preset } from '../types.js';
import { msp360Login } from './msp360.js';
import { clientAuth, discover, staticServer, tokenRequest, type ClientAuthMethod } from './oauth.js';
import type { FlowContext, FlowInput, ObtainedToken } from './types.js';

export type { FlowContext, FlowInput, ObtainedToken, SecretReader } from './types.js';

export interface Flow {
  /** False for `static`: nothing to renew. */
  renewable: boolean;
  /** Uses the refresh token when there is one; otherwise (or when it is refused) the primary grant. */
  obtain(ctx: FlowContext, input: FlowInput): Promise<ObtainedToken>;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;
const trimSlash = (url: string) => url.replace(/\/+$/, '');

async function required(
  input: FlowInput,
  field: 'password' | 'clientSecret' | 'refreshToken' | 'token',
): Promise<string> {
  const value = await input.secret(field);
  if (value === undefined) {
    throw new TokenError(
      'missing_secret',
      `the ${field} is not stored: enter it again in the account`,
      'auth',
    );
  }
  return value;
}

/** Tries the refresh token first; on invalid_grant falls back once to `primary`, if there is one. */
async function refreshOrPrimary(
  refresh: (() => Promise<ObtainedToken>) | null,
  primary: (() => Promise<ObtainedToken>) | null,
): Promise<ObtainedToken> {
  let refreshRefused = false;
  if (refresh) {
    try {
      return await refresh();
    } catch (error) {
      if (!(error instanceof TokenError) || error.kind !== 'grant') throw error;
      if (!primary) {
        throw new TokenError(
          'invalid_grant',
          `${error.message}; no password is stored to sign in again`,
          'auth',
          { ...error.extra, refreshRefused: true },
        );
      }
      refreshRefused = true;
    }
  }
  if (!primary)
    throw new TokenError(
      'missing_secret',
      'no refresh token and no password: nothing to sign in with',
      'auth',
    );
  try {
    return await primary();
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    // invalid_grant on a password grant means the user name or password is wrong: only the user can fix it.
    const kind = error.kind === 'grant' ? 'auth' : error.kind;
    // The refused refresh token is said to be dead, so that the next attempt does not spend a request on it.
    throw new TokenError(error.code, error.message, kind, { ...error.extra, refreshRefused });
  }
}

const clientCredentials = (
  serverFor: (ctx: FlowContext, s: Record<string, unknown>) => Promise<oauth.AuthorizationServer>,
  method: (server: oauth.AuthorizationServer, s: Record<string, unknown>) => ClientAuthMethod,
): Flow => ({
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const server = await serverFor(ctx, settings);
    const clientId = String(settings.clientId);
    const secret = await required(input, 'clientSecret');
    const parameters: Record<string, string> = {};
    if (str(settings.scope)) parameters.scope = String(settings.scope);
    return tokenRequest(ctx, {
      server,
      clientId,
      auth: clientAuth(method(server, settings), clientId, secret),
      grant: 'client_credentials',
      parameters,
    });
  },
});

const backupNet = clientCredentials(
  (ctx, s) =>
    str(s.tokenUrl)
      ? Promise.resolve(staticServer(String(s.tokenUrl)))
      : discover(ctx, str(s.issuer) ?? DEFAULTS.backupNetIssuer),
  (server, s) =>
    (str(s.clientAuth) as ClientAuthMethod | undefined) ??
    (server.token_endpoint_auth_methods_supported?.includes('client_secret_post')
      ? 'client_secret_post'
      : 'client_secret_basic'),
);

const acronis = clientCredentials(
  async (_ctx, s) =>
    staticServer(
      str(s.tokenUrl) ?? `${trimSlash(String(s.baseUrl))}${str(s.tokenPath) ?? DEFAULTS.acronisTokenPath}`,
    ),
  () => 'raw_basic',
);

const mpsMonitor: Flow = {
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const server = staticServer(str(settings.tokenUrl) ?? `${trimSlash(String(settings.baseUrl))}/token`);
    const clientId = String(settings.clientId);
    const secret = await required(input, 'clientSecret');
    const auth = clientAuth('client_secret_post', clientId, secret);
    const refreshToken = input.refreshToken;
    return refreshOrPrimary(
      refreshToken
        ? () =>
            tokenRequest(ctx, {
              server,
              clientId,
              auth,
              grant: 'refresh_token',
              parameters: {},
              refreshToken,
            })
        : null,
      async () =>
        tokenRequest(ctx, {
          server,
          clientId,
          auth,
          grant: 'password',
          parameters: {
            username: String(settings.username),
            password: await required(input, 'password'),
            scope: str(settings.scope) ?? DEFAULTS.mpsScope,
          },
        }),
    );
  },
};

const genericOAuth2: Flow = {
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const server = str(settings.tokenUrl)
      ? staticServer(String(settings.tokenUrl))
      : await discover(ctx, String(settings.issuer));
    const clientId = String(settings.clientId);
    const method = (str(settings.clientAuth) ?? 'client_secret_basic') as ClientAuthMethod;
    const auth = clientAuth(
      method,
      clientId,
      method === 'none' ? undefined : await required(input, 'clientSecret'),
    );
    const grant = str(settings.grantType) ?? 'client_credentials';
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

const staticToken: Flow = {
  renewable: false,
  async obtain(ctx, input) {
    const token = await required(input, 'token');
    const obtainedAt = ctx.now();
    const expiresAt = str(input.settings.expiresAt)
      ? parseRfc3339(String(input.settings.expiresAt))
      : // A pasted token is the user's word, not a server's: only kept within what RFC 3339 can write.
        expiryFromResponse({ access_token: token }, obtainedAt, { maxLifetimeSeconds: Infinity }).expiresAt;
    return {
      accessToken: token,
      tokenType: 'bearer',
      refreshToken: null,
      scope: null,
      expiresAt,
      expirySource: str(input.settings.expiresAt) ? 'expires_on' : expiresAt === null ? null : 'jwt',
      obtainedAt,
      grant: 'static',
    };
  },
};

const FLOWS: Record<Preset, Flow> = {
  msp360: { renewable: true, obtain: msp360Login },
  'backup-net': backupNet,
  'mps-monitor': mpsMonitor,
  acronis,
  oauth2: genericOAuth2,
  static: staticToken,
};

/** The flow that gets tokens for a preset. */
export function flowFor(preset: Preset): Flow {
  return FLOWS[preset];
}
