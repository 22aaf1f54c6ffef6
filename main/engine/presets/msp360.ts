/**
 * MSP360 (MBS API): a JSON login with no refresh token; the engine logs in again before the token
 * expires. `POST {baseUrl}/api/Provider/Login` with `{"UserName","Password"}`
 * (shared/vendor-docs/msp360-mbs-api-login.md).
 */
import { TokenError } from '../errors.js';
import { expiryFromResponse } from '../expiry.js';
import { oneLine, serverWords } from '../http.js';
import { requiredSecret, str, trimSlash } from '../providers/grants.js';
import type { FlowContext, FlowInput, ObtainedToken } from '../providers/types.js';
import { msp360Definition } from './msp360.fields.js';
import type { PresetSpec } from './preset.js';
import { settingOrDefault } from './spec.js';

/** MSP360 tokens live two weeks; a login answer with no expiry counts as that from issue. */
export const MSP360_LIFETIME_SECONDS = 14 * 24 * 3600;

const baseOf = (settings: Record<string, unknown>) =>
  trimSlash(settingOrDefault(msp360Definition, settings, 'baseUrl') ?? '');

async function msp360Login(ctx: FlowContext, input: FlowInput): Promise<ObtainedToken> {
  const { settings } = input;
  const url = str(settings.tokenUrl) ?? `${baseOf(settings)}/api/Provider/Login`;
  const password = await requiredSecret(input, 'password');
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
    defaultLifetimeSeconds: MSP360_LIFETIME_SECONDS,
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

export const msp360: PresetSpec = {
  ...msp360Definition,
  flow: { renewable: true, obtain: msp360Login },
  apiBase: (settings) => `${baseOf(settings)}/api/Users`,
};
