/** backup.net (client credentials with OIDC discovery): what the schema and the form know of it. */
import {
  BASIC_AUTH,
  clientIdField,
  OPTIONAL_SCOPE,
  POST_AUTH,
  secretField,
  type PresetDefinition,
} from './spec.js';

export const backupNetDefinition = {
  title: 'backup.net',
  help: 'Client credentials with OIDC discovery; create the client under Settings → Public APIs.',
  doc: 'backup.net “How to get a bearer token for the MSP portal API”',
  sources: ['shared/vendor-docs/backup-net-client-credentials.md'],
  fields: {
    issuer: {
      label: 'Issuer',
      kind: 'url',
      required: false,
      default: 'https://login.backup.net',
      help: 'The token endpoint comes from {issuer}/.well-known/openid-configuration.',
    },
    clientId: clientIdField('From portal.backup.net → Settings → Public APIs → New.'),
    clientSecret: secretField('Client secret', 'Shown beside the client ID when you create it.'),
    scope: { ...OPTIONAL_SCOPE, advanced: true },
    clientAuth: {
      label: 'Client authentication',
      kind: 'select',
      required: false,
      advanced: true,
      options: [{ value: '', label: 'Automatic (from discovery)' }, BASIC_AUTH, POST_AUTH],
      help: 'Automatic uses client_secret_post when discovery lists it, else HTTP Basic.',
    },
  },
} as const satisfies PresetDefinition;
