/** MPS Monitor (password grant, then rotating refresh tokens): what the schema and the form know of it. */
import { clientIdField, secretField, type PresetDefinition } from './spec.js';

export const mpsMonitorDefinition = {
  title: 'MPS Monitor',
  help: 'Password grant with your app credentials and portal user, then rotating refresh tokens.',
  doc: 'MPS Monitor API “How to connect” (/token, password and refresh_token)',
  sources: ['shared/vendor-docs/mps-monitor-password-grant.md'],
  fields: {
    baseUrl: {
      label: 'API base URL',
      kind: 'url',
      required: true,
      requiredUnless: 'tokenUrl',
      placeholder: 'e.g. https://api.mpsmonitor.com',
      help: 'The EndpointApiUri MPS Monitor gave you; Tokentray posts to {baseUrl}/token.',
    },
    clientId: clientIdField('From the developer section of the MPS Monitor portal (APP credentials).'),
    clientSecret: secretField('Client secret', 'The “client password” of the same APP credentials.'),
    username: {
      label: 'User name',
      kind: 'text',
      required: true,
      placeholder: 'e.g. name@example.com',
      help: 'The portal user the API acts as.',
    },
    password: secretField('Password', 'That user’s password or token.'),
    scope: {
      label: 'Scope',
      kind: 'text',
      required: false,
      default: 'account',
      help: 'The MPS access level.',
    },
  },
} as const satisfies PresetDefinition;
