/**
 * A pasted token (RFC 6750): tracked, never renewed; its expiry is `expiresAt`, else the JWT `exp`
 * claim (RFC 7519), else unknown.
 */
import { parseRfc3339 } from '../dates.js';
import { expiryFromResponse } from '../expiry.js';
import { requiredSecret, str } from '../providers/grants.js';
import type { Flow } from '../providers/types.js';
import type { PresetSpec } from './preset.js';
import { TokenError } from '../errors.js';
import { staticDefinition, TOKEN_CHARACTERS, TOKEN_CHARACTERS_RULE } from './static.fields.js';

const flow: Flow = {
  renewable: false,
  async obtain(ctx, input) {
    const token = await requiredSecret(input, 'token');
    // Checked when saved; this is for one stored before that check existed.
    if (!TOKEN_CHARACTERS.test(token))
      throw new TokenError(
        'invalid_token_value',
        `the pasted token ${TOKEN_CHARACTERS_RULE}; paste it again`,
        'config',
      );
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

export const staticToken: PresetSpec = {
  ...staticDefinition,
  flow,
  // A pasted token is for whatever API issued it: a placeholder to replace.
  apiBase: () => 'https://api.example.com/',
};
