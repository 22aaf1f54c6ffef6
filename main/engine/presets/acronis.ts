/**
 * Acronis: OAuth 2.0 client credentials at `{baseUrl}{tokenPath}`, with HTTP Basic as the vendor's
 * sample sends it: base64(clientId:clientSecret), no form-encoding
 * (shared/vendor-docs/acronis-client-credentials.md).
 */
import { clientCredentialsFlow, str, trimSlash } from '../providers/grants.js';
import { staticServer } from '../providers/oauth.js';
import { acronisDefinition } from './acronis.fields.js';
import type { PresetSpec } from './preset.js';
import { settingOrDefault } from './spec.js';

export const acronis: PresetSpec = {
  ...acronisDefinition,
  flow: clientCredentialsFlow(
    async (_ctx, s) =>
      staticServer(
        str(s.tokenUrl) ??
          `${trimSlash(String(s.baseUrl))}${settingOrDefault(acronisDefinition, s, 'tokenPath') ?? ''}`,
      ),
    () => 'raw_basic',
  ),
  apiBase: (s) => `${trimSlash(str(s.baseUrl) ?? 'https://eu8-cloud.acronis.com')}/api/2/clients`,
};
