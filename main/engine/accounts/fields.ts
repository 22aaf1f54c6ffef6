/** Which fields each preset has, which are secret, and the defaults CONTRACT §1 gives them. */
import type { Preset } from '../types.js';

export const COMMON_FIELDS = [
  'name',
  'preset',
  'tokenUrl',
  'refreshBeforeSeconds',
  'notifyBeforeSeconds',
  'cliAccess',
  'label',
] as const;

/** CONTRACT §1 account names: 1–64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const SECRET_FIELDS = ['password', 'clientSecret', 'refreshToken', 'token'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export function isSecretField(field: string): field is SecretField {
  return (SECRET_FIELDS as readonly string[]).includes(field);
}

export const PRESET_FIELDS: Record<Preset, readonly string[]> = {
  msp360: ['baseUrl', 'username', 'password'],
  'backup-net': ['issuer', 'clientId', 'clientSecret', 'scope', 'clientAuth'],
  'mps-monitor': ['baseUrl', 'clientId', 'clientSecret', 'username', 'password', 'scope'],
  acronis: ['baseUrl', 'clientId', 'clientSecret', 'tokenPath'],
  oauth2: [
    'issuer',
    'tokenUrl',
    'grantType',
    'clientAuth',
    'clientId',
    'clientSecret',
    'username',
    'password',
    'refreshToken',
    'scope',
    'audience',
    'extraParams',
  ],
  static: ['token', 'expiresAt'],
};

export const DEFAULTS = {
  notifyBeforeSeconds: 600,
  msp360BaseUrl: 'https://api.mspbackups.com',
  backupNetIssuer: 'https://login.backup.net',
  mpsScope: 'account',
  acronisTokenPath: '/bc/idp/token',
  /** MSP360 tokens live two weeks; a login answer with no expiry counts as that from issue. */
  msp360LifetimeSeconds: 14 * 24 * 3600,
} as const;

/** Secret fields a preset can hold. */
export function secretFieldsOf(preset: Preset): SecretField[] {
  return PRESET_FIELDS[preset].filter(isSecretField);
}
