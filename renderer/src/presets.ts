/**
 * What the account form shows for each preset (CONTRACT §1): a title, one line of help, the vendor
 * document the preset follows, and its fields in order. Pure data plus tiny visibility rules, so
 * the form, its tests and the docs all read the same list. Validation itself is the engine's.
 */
import type { AccountView } from '../../preload/contract.js';

export type Preset = AccountView['preset'];

export type FieldKind = 'text' | 'url' | 'secret' | 'select' | 'number' | 'checkbox' | 'keyvalue';

/** One row of a key/value editor (e.g. `extraParams`). */
export interface KeyValueRow {
  key: string;
  value: string;
}

export type FormValue = string | boolean | KeyValueRow[];
export type FormValues = Record<string, FormValue>;

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  /** Values a text field suggests (a datalist): the user may still type another. */
  suggestions?: FieldOption[];
  /** Shown as required; the engine decides what is actually valid. */
  required: boolean;
  /** Filled in for a new account. */
  default?: string;
  placeholder?: string;
  options?: FieldOption[];
  help?: string;
  /** Lives in the collapsed "Advanced" section. */
  advanced?: boolean;
  /** A long value (a pasted token): a text area instead of a one-line input. */
  multiline?: boolean;
  /** Shown only when this returns true for the form's current values. */
  when?: (values: FormValues) => boolean;
}

export interface PresetSpec {
  id: Preset;
  title: string;
  /** One line: what the preset does and where the credentials come from. */
  help: string;
  /** The vendor document (in shared/vendor-docs or an RFC) the preset follows. */
  doc: string;
  fields: FieldSpec[];
}

const secret = (name: string, label: string, help?: string): FieldSpec => ({
  name,
  label,
  kind: 'secret',
  required: true,
  help,
});

const clientId = (help: string): FieldSpec => ({
  name: 'clientId',
  label: 'Client ID',
  kind: 'text',
  required: true,
  help,
});

const OPTIONAL_SCOPE: FieldSpec = {
  name: 'scope',
  label: 'Scope',
  kind: 'text',
  required: false,
  help: 'Optional; space-separated.',
};

/** The client authentication choices the OAuth-style presets offer. */
const BASIC_AUTH: FieldOption = { value: 'client_secret_basic', label: 'HTTP Basic (client_secret_basic)' };
const POST_AUTH: FieldOption = {
  value: 'client_secret_post',
  label: 'In the form body (client_secret_post)',
};

const grantIs = (grant: string) => (values: FormValues) =>
  (values.grantType || 'client_credentials') === grant;

/** The six presets in the order the picker shows them. */
export const PRESET_SPECS: readonly PresetSpec[] = [
  {
    id: 'msp360',
    title: 'MSP360',
    help: 'MBS API login with your API user name and password; logs in again before expiry.',
    doc: 'MSP360 “Getting Started with MBS API” (Provider/Login)',
    fields: [
      {
        name: 'baseUrl',
        label: 'API base URL',
        kind: 'url',
        required: false,
        default: 'https://api.mspbackups.com',
        help: 'Tokentray posts to {baseUrl}/api/Provider/Login.',
      },
      {
        name: 'username',
        label: 'API user name',
        kind: 'text',
        required: true,
        help: 'MBS Web Console → Settings → General → Change Credentials → Generate.',
      },
      secret('password', 'API password', 'Generated with the user name (not your console sign-in).'),
    ],
  },
  {
    id: 'backup-net',
    title: 'backup.net',
    help: 'Client credentials with OIDC discovery; create the client under Settings → Public APIs.',
    doc: 'backup.net “How to get a bearer token for the MSP portal API”',
    fields: [
      {
        name: 'issuer',
        label: 'Issuer',
        kind: 'url',
        required: false,
        default: 'https://login.backup.net',
        help: 'The token endpoint comes from {issuer}/.well-known/openid-configuration.',
      },
      clientId('From portal.backup.net → Settings → Public APIs → New.'),
      secret('clientSecret', 'Client secret', 'Shown beside the client ID when you create it.'),
      { ...OPTIONAL_SCOPE, advanced: true },
      {
        name: 'clientAuth',
        label: 'Client authentication',
        kind: 'select',
        required: false,
        advanced: true,
        options: [{ value: '', label: 'Automatic (from discovery)' }, BASIC_AUTH, POST_AUTH],
        help: 'Automatic uses client_secret_post when discovery lists it, else HTTP Basic.',
      },
    ],
  },
  {
    id: 'mps-monitor',
    title: 'MPS Monitor',
    help: 'Password grant with your app credentials and portal user, then rotating refresh tokens.',
    doc: 'MPS Monitor API “How to connect” (/token, password and refresh_token)',
    fields: [
      {
        name: 'baseUrl',
        label: 'API base URL',
        kind: 'url',
        required: true,
        placeholder: 'e.g. https://api.mpsmonitor.com',
        help: 'The EndpointApiUri MPS Monitor gave you; Tokentray posts to {baseUrl}/token.',
      },
      clientId('From the developer section of the MPS Monitor portal (APP credentials).'),
      secret('clientSecret', 'Client secret', 'The “client password” of the same APP credentials.'),
      {
        name: 'username',
        label: 'User name',
        kind: 'text',
        required: true,
        placeholder: 'e.g. name@example.com',
        help: 'The portal user the API acts as.',
      },
      secret('password', 'Password', 'That user’s password or token.'),
      {
        name: 'scope',
        label: 'Scope',
        kind: 'text',
        required: false,
        default: 'account',
        help: 'The MPS access level.',
      },
    ],
  },
  {
    id: 'acronis',
    title: 'Acronis',
    help: 'Client credentials with HTTP Basic against your data center’s identity service.',
    doc: 'Acronis CyberApp guide “Authenticating with client credentials”',
    fields: [
      {
        name: 'baseUrl',
        label: 'Data center URL',
        kind: 'url',
        required: true,
        placeholder: 'e.g. https://eu8-cloud.acronis.com',
        help: 'The URL you sign in to the management portal with.',
      },
      clientId(
        'Of the API client: management portal → Settings → API clients (or your CyberApp’s credentials).',
      ),
      secret('clientSecret', 'Client secret', 'Shown once, when the API client is created.'),
      {
        name: 'tokenPath',
        label: 'Token path',
        kind: 'text',
        required: false,
        default: '/bc/idp/token',
        suggestions: [
          { value: '/bc/idp/token', label: 'CyberApp (Vendor Portal) credentials' },
          { value: '/api/2/idp/token', label: 'API client from the management portal' },
        ],
        help: 'CyberApps use /bc/idp/token; API clients created in the management portal use /api/2/idp/token.',
      },
    ],
  },
  {
    id: 'oauth2',
    title: 'OAuth 2.0',
    help: 'Any OAuth 2.0 token endpoint: client credentials, password or refresh token grant.',
    doc: 'RFC 6749 “The OAuth 2.0 Authorization Framework” (§4.3, §4.4, §6)',
    fields: [
      {
        name: 'issuer',
        label: 'Issuer',
        kind: 'url',
        required: false,
        placeholder: 'e.g. https://login.example.com',
        help: 'Issuer or Token URL: one of the two is needed. The issuer finds the token URL by discovery.',
      },
      {
        name: 'tokenUrl',
        label: 'Token URL',
        kind: 'url',
        required: false,
        placeholder: 'e.g. https://login.example.com/oauth/token',
        help: 'Used as is, without discovery; wins over the issuer.',
      },
      {
        name: 'grantType',
        label: 'Grant type',
        kind: 'select',
        required: false,
        default: 'client_credentials',
        options: [
          { value: 'client_credentials', label: 'Client credentials' },
          { value: 'password', label: 'Password (legacy)' },
          { value: 'refresh_token', label: 'Refresh token' },
        ],
      },
      {
        name: 'clientAuth',
        label: 'Client authentication',
        kind: 'select',
        required: false,
        default: 'client_secret_basic',
        options: [BASIC_AUTH, POST_AUTH, { value: 'none', label: 'None (public client)' }],
      },
      clientId('As registered with the authorization server.'),
      { ...secret('clientSecret', 'Client secret'), when: (values) => values.clientAuth !== 'none' },
      { name: 'username', label: 'User name', kind: 'text', required: true, when: grantIs('password') },
      { ...secret('password', 'Password'), when: grantIs('password') },
      {
        ...secret(
          'refreshToken',
          'Refresh token',
          'Replaced by each rotated refresh token the server returns.',
        ),
        when: grantIs('refresh_token'),
      },
      OPTIONAL_SCOPE,
      { name: 'audience', label: 'Audience', kind: 'text', required: false, advanced: true },
      {
        name: 'extraParams',
        label: 'Extra parameters',
        kind: 'keyvalue',
        required: false,
        advanced: true,
        help: 'Sent in the token request body, e.g. resource.',
      },
    ],
  },
  {
    id: 'static',
    title: 'Pasted token',
    help: 'A token you already have: tracked, copied and warned about; never renewed.',
    doc: 'RFC 6750 “Bearer Token Usage” (JWT exp per RFC 7519)',
    fields: [
      { ...secret('token', 'Access token'), multiline: true },
      {
        name: 'expiresAt',
        label: 'Expires at',
        kind: 'text',
        required: false,
        placeholder: 'e.g. 2026-12-01T10:00:00Z',
        help: 'RFC 3339 with Z or an offset. Empty: the JWT exp claim, else no known expiry.',
      },
    ],
  },
];

/** Fields every preset has, around its own (the preset itself is chosen by the picker). */
export const NAME_FIELD: FieldSpec = {
  name: 'name',
  label: 'Name',
  kind: 'text',
  required: true,
  placeholder: 'e.g. acme-eu',
  help: 'How the tray and the CLI name it: letters, digits, . _ -',
};

export const LABEL_FIELD: FieldSpec = {
  name: 'label',
  label: 'Label',
  kind: 'text',
  required: false,
  placeholder: 'e.g. customer, tenant or data center',
};

export const CLI_ACCESS_FIELD: FieldSpec = {
  name: 'cliAccess',
  label: 'Allow the CLI and local API to hand out this token',
  kind: 'checkbox',
  required: false,
};

const ADVANCED_COMMON: FieldSpec[] = [
  {
    name: 'tokenUrl',
    label: 'Token URL override',
    kind: 'url',
    required: false,
    advanced: true,
    help: 'Replaces the preset’s token endpoint.',
  },
  {
    name: 'refreshBeforeSeconds',
    label: 'Renew before expiry (seconds)',
    kind: 'number',
    required: false,
    advanced: true,
    placeholder: 'Derived from the token lifetime',
  },
  {
    name: 'notifyBeforeSeconds',
    label: 'Warn before expiry (seconds)',
    kind: 'number',
    required: false,
    advanced: true,
    placeholder: '600',
    help: 'Empty uses the default lead time from Settings.',
  },
];

/** The preset's spec; throws on an unknown id (the engine's type makes that impossible). */
export function presetSpec(id: Preset): PresetSpec {
  const spec = PRESET_SPECS.find((p) => p.id === id);
  if (!spec) throw new Error(`unknown preset ${id}`);
  return spec;
}

/** Every field of the form for this preset, in display order (name and label first, advanced last). */
export function formFields(id: Preset): FieldSpec[] {
  const own = presetSpec(id).fields;
  const ownNames = new Set(own.map((f) => f.name));
  // A pasted token is never renewed, so renewal settings would only confuse.
  const advanced = ADVANCED_COMMON.filter(
    (f) => !ownNames.has(f.name) && !(id === 'static' && f.name !== 'notifyBeforeSeconds'),
  );
  return [NAME_FIELD, LABEL_FIELD, ...own, ...advanced, CLI_ACCESS_FIELD];
}

/** The fields shown for these values (conditional ones included only when they apply). */
export function visibleFields(id: Preset, values: FormValues): FieldSpec[] {
  return formFields(id).filter((f) => !f.when || f.when(values));
}
