/** Ready-to-paste forms of a token: what the tray and the window copy. */

export type TokenFormat = 'token' | 'header' | 'curl' | 'powershell';

/** Where each preset's REST API lives, so "copy as curl" pastes something that runs. */
export function apiBaseFor(preset: string, settings: Record<string, unknown>): string {
  const base = typeof settings.baseUrl === 'string' ? settings.baseUrl.replace(/\/+$/, '') : null;
  switch (preset) {
    case 'msp360':
      return `${base ?? 'https://api.mspbackups.com'}/api/Users`;
    case 'backup-net':
      return 'https://public-api.backup.net/v1/customers';
    case 'acronis':
      return `${base ?? 'https://eu8-cloud.acronis.com'}/api/2/clients`;
    case 'mps-monitor':
      return `${base ?? 'https://api.mpsmonitor.com'}/account/getaccount`;
    default:
      return 'https://api.example.com/';
  }
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Formats an access token for pasting; the header always says `Bearer` (RFC 6750). */
export function formatToken(accessToken: string, format: TokenFormat, apiUrl: string): string {
  const header = `Authorization: Bearer ${accessToken}`;
  switch (format) {
    case 'token':
      return accessToken;
    case 'header':
      return header;
    case 'curl':
      return `curl -H ${singleQuoted(header)} ${singleQuoted(apiUrl)}`;
    case 'powershell':
      return `Invoke-RestMethod -Uri '${apiUrl.replace(/'/g, "''")}' -Headers @{ Authorization = 'Bearer ${accessToken.replace(/'/g, "''")}' }`;
  }
}
