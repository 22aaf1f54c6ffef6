/** MSP360 (MBS API): a JSON login with no refresh token; log in again before the token expires. */
import { TokenError } from '../errors.js';
import { expiryFromResponse } from '../expiry.js';
import { oneLine, serverWords } from '../http.js';
import { DEFAULTS } from '../accounts/fields.js';
import type { FlowContext, FlowInput, ObtainedToken } from './types.js';

/** `POST {baseUrl}/api/Provider/Login` with `{"UserName","Password"}`. */
export async function msp360Login(ctx: FlowContext, input: FlowInput): Promise<ObtainedToken> {
  const { settings } = input;
  const base = String(settings.baseUrl ?? DEFAULTS.msp360BaseUrl).replace(/\/+$/, '');
  const url = typeof settings.tokenUrl === 'string' ? settings.tokenUrl : `${base}/api/Provider/Login`;
  const password = await input.secret('password');
  if (password === undefined) {
    throw new TokenError(
      'missing_secret',
      'the password is not stored: enter it again in the account',
      'auth',
    );
  }
  const response = await ctx.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ UserName: settings.username, Password: password }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (typeof body.access_token !== 'string' || body.access_token.length === 0) {
    const words = serverWords(body);
    const said = words === null ? null : oneLine(words);
    throw new TokenError(
      'no_token',
      `${new URL(url).host} answered without an access_token${said ? `: ${said}` : ''}`,
      'config',
      { serverMessage: said, status: response.status },
    );
  }
  const obtainedAt = ctx.now();
  const expiry = expiryFromResponse(body, obtainedAt, {
    dateHeader: response.headers.get('date'),
    defaultLifetimeSeconds: DEFAULTS.msp360LifetimeSeconds,
  });
  return {
    accessToken: body.access_token,
    tokenType: typeof body.token_type === 'string' ? body.token_type.toLowerCase() : 'bearer',
    refreshToken: null,
    scope: null,
    expiresAt: expiry.expiresAt,
    expirySource: expiry.source,
    obtainedAt,
    grant: 'login',
    ...(expiry.clampedFromSeconds === undefined ? {} : { clampedFromSeconds: expiry.clampedFromSeconds }),
  };
}
