/** Ready-to-paste forms of a token: what the tray and the window copy. */
import { apiBaseOf } from './presets/index.js';
import type { Preset } from './types.js';

export type TokenFormat = 'token' | 'header' | 'curl' | 'powershell';

/** Where each preset's REST API lives, so "copy as curl" pastes something that runs (each preset says). */
export function apiBaseFor(preset: Preset, settings: Record<string, unknown>): string {
  return apiBaseOf(preset, settings);
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
