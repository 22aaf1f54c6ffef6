/**
 * The grant logic the presets' flows share: reading a secret that must be there, the refresh
 * token first with one fallback to the primary grant, client credentials, and the refresh-only
 * renewal of the interactive grants (whose primary grant is a person signing in).
 */
import type * as oauth from 'oauth4webapi';
import { SIGN_IN_REQUIRED, TokenError } from '../errors.js';
import { clientAuth, tokenRequest, type ClientAuthMethod } from './oauth.js';
import type { Flow, FlowContext, FlowInput, ObtainedToken } from './types.js';

/** A non-empty string setting, else undefined. */
export const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

export const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** A secret the flow cannot do without: missing_secret (the user must enter it again) when it is not stored. */
export async function requiredSecret(
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
export async function refreshOrPrimary(
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

type Settings = Record<string, unknown>;

/** A client_credentials flow: the server and the client authentication are the preset's. */
export function clientCredentialsFlow(
  serverFor: (ctx: FlowContext, settings: Settings) => Promise<oauth.AuthorizationServer>,
  method: (server: oauth.AuthorizationServer, settings: Settings) => ClientAuthMethod,
  scopeOf: (settings: Settings) => string | undefined = (settings) => str(settings.scope),
): Flow {
  return {
    renewable: true,
    async obtain(ctx, input) {
      const { settings } = input;
      const server = await serverFor(ctx, settings);
      const clientId = String(settings.clientId);
      const secret = await requiredSecret(input, 'clientSecret');
      const scope = scopeOf(settings);
      return tokenRequest(ctx, {
        server,
        clientId,
        auth: clientAuth(method(server, settings), clientId, secret),
        grant: 'client_credentials',
        parameters: scope ? { scope } : {},
      });
    },
  };
}

/** What to do, for an account never signed in (or whose server gave no refresh token) and one signed out. */
const SIGN_IN = '(Sign in… in the window, or tokentray login NAME)';
const SIGN_IN_FIRST = `sign in to this account ${SIGN_IN}`;
const SIGN_IN_AGAIN = `sign in to this account again ${SIGN_IN}`;

/**
 * Renewal for an interactive grant: only its refresh token can renew it, a person's sign-in being
 * its primary grant. With no refresh token, or one the server refused, the account needs its user:
 * SIGN_IN_REQUIRED (with `refreshRefused` for a refused one, the server's words kept).
 */
export async function refreshOnly(
  input: FlowInput,
  refresh: (refreshToken: string) => Promise<ObtainedToken>,
): Promise<ObtainedToken> {
  // The rotated refresh token from the last answer wins over one typed in earlier.
  const refreshToken = input.refreshToken ?? (await input.secret('refreshToken'));
  if (!refreshToken) {
    throw new TokenError(SIGN_IN_REQUIRED, `sign-in needed: ${SIGN_IN_FIRST}`, 'auth');
  }
  try {
    return await refresh(refreshToken);
  } catch (error) {
    if (!(error instanceof TokenError) || error.kind !== 'grant') throw error;
    throw new TokenError(SIGN_IN_REQUIRED, `${error.message}; sign-in needed: ${SIGN_IN_AGAIN}`, 'auth', {
      ...error.extra,
      refreshRefused: true,
    });
  }
}
