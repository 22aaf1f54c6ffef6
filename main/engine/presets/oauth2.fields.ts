/**
 * Generic OAuth 2.0, configured by hand: the grants that need no person (client credentials,
 * password, a pasted refresh token) and the interactive ones (a browser sign-in with PKCE, or a
 * device code). What the schema and the form know of it.
 */
import {
  BASIC_AUTH,
  clientIdField,
  isInteractiveGrant,
  OPTIONAL_SCOPE,
  POST_AUTH,
  secretField,
  type PresetDefinition,
} from './spec.js';
import { SIGN_IN_PARAMETERS } from '../interactive/reserved-parameters.js';

/** Parameters Tokentray sets itself in a token request: extraParams may not replace them. */
const TOKEN_REQUEST_PARAMS = [
  'grant_type',
  'client_id',
  'client_secret',
  'username',
  'password',
  'refresh_token',
];
/** …and in an authorization or device authorization request: interactive/reserved-parameters.ts. */
const SIGN_IN_PARAMS = SIGN_IN_PARAMETERS;

const grantIs = (...grants: string[]) => ({ field: 'grantType', is: grants }) as const;

export const oauth2Definition = {
  title: 'OAuth 2.0',
  help: 'Any OAuth 2.0 server: client credentials, password or refresh token grant, or a sign-in in the browser or with a device code.',
  doc: 'RFC 6749 “The OAuth 2.0 Authorization Framework” (§4.1, §4.3, §4.4, §6), with PKCE (RFC 7636), native apps (RFC 8252) and the device grant (RFC 8628)',
  sources: [
    'https://www.rfc-editor.org/rfc/rfc6749',
    'https://www.rfc-editor.org/rfc/rfc7636',
    'https://www.rfc-editor.org/rfc/rfc8252',
    'https://www.rfc-editor.org/rfc/rfc8628',
    'https://www.rfc-editor.org/rfc/rfc8414',
  ],
  fields: {
    issuer: {
      label: 'Issuer',
      kind: 'url',
      required: false,
      placeholder: 'e.g. https://login.example.com',
      help: 'Issuer or Token URL: one of the two is needed. The issuer finds the token URL by discovery.',
    },
    tokenUrl: {
      label: 'Token URL',
      kind: 'url',
      required: false,
      placeholder: 'e.g. https://login.example.com/oauth/token',
      help: 'Used as is, without discovery; wins over the issuer.',
    },
    grantType: {
      label: 'Grant type',
      kind: 'select',
      required: false,
      default: 'client_credentials',
      options: [
        { value: 'client_credentials', label: 'Client credentials' },
        { value: 'password', label: 'Password (legacy)' },
        { value: 'refresh_token', label: 'Refresh token' },
        { value: 'authorization_code', label: 'Sign in with the browser (authorization code + PKCE)' },
        { value: 'device_code', label: 'Sign in with a device code' },
      ],
    },
    authorizationUrl: {
      label: 'Authorization URL',
      kind: 'url',
      required: false,
      showWhen: grantIs('authorization_code'),
      placeholder: 'e.g. https://login.example.com/oauth/authorize',
      help: 'Where the browser signs in; empty: from the issuer’s discovery.',
    },
    deviceAuthorizationUrl: {
      label: 'Device authorization URL',
      kind: 'url',
      required: false,
      showWhen: grantIs('device_code'),
      placeholder: 'e.g. https://login.example.com/oauth/device',
      help: 'Where the device code is asked for; empty: from the issuer’s discovery.',
    },
    clientAuth: {
      label: 'Client authentication',
      kind: 'select',
      required: false,
      default: 'client_secret_basic',
      options: [BASIC_AUTH, POST_AUTH, { value: 'none', label: 'None (public client)' }],
    },
    clientId: clientIdField('As registered with the authorization server.'),
    clientSecret: {
      ...secretField('Client secret'),
      showWhen: { field: 'clientAuth', isNot: ['none'] },
    },
    username: { label: 'User name', kind: 'text', required: true, showWhen: grantIs('password') },
    password: { ...secretField('Password'), showWhen: grantIs('password') },
    refreshToken: {
      ...secretField('Refresh token', 'Replaced by each rotated refresh token the server returns.'),
      showWhen: grantIs('refresh_token'),
    },
    scope: OPTIONAL_SCOPE,
    audience: { label: 'Audience', kind: 'text', required: false, advanced: true },
    extraParams: {
      label: 'Extra parameters',
      kind: 'keyvalue',
      required: false,
      advanced: true,
      help: 'Sent in the token request body, e.g. resource; for a sign-in, with the authorization request.',
    },
    redirectUri: {
      label: 'Redirect URI',
      kind: 'url',
      required: false,
      format: 'redirect-uri',
      advanced: true,
      showWhen: grantIs('authorization_code'),
      placeholder: 'e.g. http://127.0.0.1:8400/callback',
      help: 'Empty: http://127.0.0.1/callback on a port chosen at sign-in. Set one for servers that need an exact match.',
    },
  },
  rules({ values, given }, report) {
    const need = (field: string, why: string) => report(field, `is required ${why}`);
    const grant = typeof values.grantType === 'string' ? values.grantType : 'client_credentials';
    const interactive = isInteractiveGrant(grant);
    const hasSecret = values.clientSecret !== undefined;
    const auth =
      typeof values.clientAuth === 'string'
        ? values.clientAuth
        : interactive && !hasSecret
          ? 'none'
          : 'client_secret_basic';
    if (!values.issuer && !values.tokenUrl) need('tokenUrl', 'unless issuer is given (one of the two)');
    if (auth === 'none' && hasSecret) report('clientSecret', 'must be absent when clientAuth is none');
    if (auth !== 'none' && !hasSecret)
      need(
        'clientSecret',
        `when clientAuth is ${auth}${interactive ? ' (set clientAuth to none for a public client)' : ''}`,
      );
    if (grant === 'password') {
      if (values.username === undefined) need('username', 'for the password grant');
      if (values.password === undefined) need('password', 'for the password grant');
    }
    if (grant === 'refresh_token' && values.refreshToken === undefined)
      need('refreshToken', 'for the refresh_token grant');
    if (interactive) {
      for (const field of ['username', 'password'])
        if (given(field))
          report(field, `is not used by the ${grant} grant: the person signs in at the server`);
      if (given('refreshToken'))
        report('refreshToken', `is not used by the ${grant} grant: its refresh token comes from signing in`);
    }
    const only = (field: string, owner: string) => {
      if (values[field] !== undefined && grant !== owner) report(field, `is only used by the ${owner} grant`);
    };
    only('authorizationUrl', 'authorization_code');
    only('redirectUri', 'authorization_code');
    only('deviceAuthorizationUrl', 'device_code');
    if (grant === 'authorization_code' && !values.issuer && !values.authorizationUrl)
      need('authorizationUrl', 'for the authorization_code grant unless issuer is given');
    if (grant === 'device_code' && !values.issuer && !values.deviceAuthorizationUrl)
      need('deviceAuthorizationUrl', 'for the device_code grant unless issuer is given');
    const reserved = interactive ? [...TOKEN_REQUEST_PARAMS, ...SIGN_IN_PARAMS] : TOKEN_REQUEST_PARAMS;
    const params = values.extraParams;
    if (typeof params === 'object' && params !== null && !Array.isArray(params)) {
      for (const key of Object.keys(params)) {
        if (reserved.includes(key))
          report(`extraParams.${key}`, 'is set by Tokentray itself and cannot be overridden');
      }
    }
  },
} as const satisfies PresetDefinition;
