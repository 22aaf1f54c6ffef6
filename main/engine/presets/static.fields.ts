/** A pasted token, tracked but never renewed: what the schema and the form know of it. */
import { secretField, type PresetDefinition } from './spec.js';

/** What a token handed on in an Authorization header may hold (RFC 6750's b64token, roughly): a pasted one, and every token a server answers with (http.ts). */
export const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;
export const TOKEN_CHARACTERS_RULE =
  'may hold only visible ASCII characters: no spaces, line breaks, control or non-ASCII characters';

export const staticDefinition = {
  title: 'Pasted token',
  help: 'A token you already have: tracked, copied and warned about; never renewed.',
  doc: 'RFC 6750 “Bearer Token Usage” (JWT exp per RFC 7519)',
  sources: ['https://www.rfc-editor.org/rfc/rfc6750', 'https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4'],
  fields: {
    token: {
      ...secretField('Access token'),
      multiline: true,
      // Handed on in an Authorization header: a space or line break would split or inject headers.
      check: (token) => (TOKEN_CHARACTERS.test(token) ? null : TOKEN_CHARACTERS_RULE),
    },
    expiresAt: {
      label: 'Expires at',
      kind: 'text',
      required: false,
      format: 'rfc3339',
      placeholder: 'e.g. 2026-12-01T10:00:00Z',
      help: 'RFC 3339 with Z or an offset. Empty: the JWT exp claim, else no known expiry.',
    },
  },
} as const satisfies PresetDefinition;
