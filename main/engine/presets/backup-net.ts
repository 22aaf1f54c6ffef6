/**
 * backup.net: OAuth 2.0 client credentials with OIDC discovery on `issuer`; client_secret_post when
 * discovery lists it, else HTTP Basic (shared/vendor-docs/backup-net-client-credentials.md).
 */
import { clientCredentialsFlow, str } from '../providers/grants.js';
import { discover, staticServer, type ClientAuthMethod } from '../providers/oauth.js';
import { backupNetDefinition } from './backup-net.fields.js';
import type { PresetSpec } from './preset.js';
import { settingOrDefault } from './spec.js';

export const backupNet: PresetSpec = {
  ...backupNetDefinition,
  flow: clientCredentialsFlow(
    (ctx, s) =>
      str(s.tokenUrl)
        ? Promise.resolve(staticServer(String(s.tokenUrl)))
        : discover(ctx, settingOrDefault(backupNetDefinition, s, 'issuer') ?? ''),
    (server, s) =>
      (str(s.clientAuth) as ClientAuthMethod | undefined) ??
      (server.token_endpoint_auth_methods_supported?.includes('client_secret_post')
        ? 'client_secret_post'
        : 'client_secret_basic'),
  ),
  apiBase: () => 'https://public-api.backup.net/v1/customers',
};
