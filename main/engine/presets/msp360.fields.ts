/** MSP360 (MBS API): what the schema and the form know of it. */
import { secretField, type PresetDefinition } from './spec.js';

export const msp360Definition = {
  title: 'MSP360',
  help: 'MBS API login with your API user name and password; logs in again before expiry.',
  doc: 'MSP360 “Getting Started with MBS API” (Provider/Login)',
  sources: ['shared/vendor-docs/msp360-mbs-api-login.md'],
  fields: {
    baseUrl: {
      label: 'API base URL',
      kind: 'url',
      required: false,
      default: 'https://api.mspbackups.com',
      help: 'Tokentray posts to {baseUrl}/api/Provider/Login.',
    },
    username: {
      label: 'API user name',
      kind: 'text',
      required: true,
      help: 'MBS Web Console → Settings → General → Change Credentials → Generate.',
    },
    password: secretField('API password', 'Generated with the user name (not your console sign-in).'),
  },
} as const satisfies PresetDefinition;
