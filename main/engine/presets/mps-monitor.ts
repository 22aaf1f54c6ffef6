/**
 * MPS Monitor: the OAuth 2.0 password grant at `{baseUrl}/token` with the client credentials in the
 * body, then the rotating refresh token, falling back once to the password when it is refused
 * (shared/vendor-docs/mps-monitor-password-grant.md).
 */
import { refreshOrPrimary, requiredSecret, str, trimSlash } from '../providers/grants.js';
import { clientAuth, staticServer, tokenRequest } from '../providers/oauth.js';
import type { Flow } from '../providers/types.js';
import { mpsMonitorDefinition } from './mps-monitor.fields.js';
import type { PresetSpec } from './preset.js';
import { settingOrDefault } from './spec.js';

const flow: Flow = {
  renewable: true,
  async obtain(ctx, input) {
    const { settings } = input;
    const server = staticServer(str(settings.tokenUrl) ?? `${trimSlash(String(settings.baseUrl))}/token`);
    const clientId = String(settings.clientId);
    const secret = await requiredSecret(input, 'clientSecret');
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
            password: await requiredSecret(input, 'password'),
            scope: settingOrDefault(mpsMonitorDefinition, settings, 'scope') ?? '',
          },
        }),
    );
  },
};

export const mpsMonitor: PresetSpec = {
  ...mpsMonitorDefinition,
  flow,
  apiBase: (s) => `${trimSlash(str(s.baseUrl) ?? 'https://api.mpsmonitor.com')}/account/getaccount`,
};
