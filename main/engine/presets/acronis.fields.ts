/** Acronis (client credentials, raw HTTP Basic): what the schema and the form know of it. */
import { clientIdField, secretField, type PresetDefinition } from './spec.js';

export const acronisDefinition = {
  title: 'Acronis',
  help: 'Client credentials with HTTP Basic against your data center’s identity service.',
  doc: 'Acronis CyberApp guide “Authenticating with client credentials”',
  sources: ['shared/vendor-docs/acronis-client-credentials.md'],
  fields: {
    baseUrl: {
      label: 'Data center URL',
      kind: 'url',
      required: true,
      requiredUnless: 'tokenUrl',
      placeholder: 'e.g. https://eu8-cloud.acronis.com',
      help: 'The URL you sign in to the management portal with.',
    },
    clientId: clientIdField(
      'Of the API client: management portal → Settings → API clients (or your CyberApp’s credentials).',
    ),
    clientSecret: secretField('Client secret', 'Shown once, when the API client is created.'),
    tokenPath: {
      label: 'Token path',
      kind: 'text',
      required: false,
      format: 'path',
      default: '/bc/idp/token',
      suggestions: [
        { value: '/bc/idp/token', label: 'CyberApp (Vendor Portal) credentials' },
        { value: '/api/2/idp/token', label: 'API client from the management portal' },
      ],
      help: 'CyberApps use /bc/idp/token; API clients created in the management portal use /api/2/idp/token.',
    },
  },
} as const satisfies PresetDefinition;
