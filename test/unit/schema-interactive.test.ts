/** The interactive grants' fields of the oauth2 preset, rule by rule: every problem names its field. */
import { describe, expect, it } from 'vitest';
import { validateAccountInput } from '../../main/engine/index.js';
import { parseRedirectUri } from '../../main/engine/interactive/loopback.js';
import type { ValidationIssue } from '../../main/engine/types.js';

function issuesOf(input: Record<string, unknown>, storedSecrets?: string[]): ValidationIssue[] {
  const outcome = validateAccountInput(input, storedSecrets ? { storedSecrets } : {});
  expect(outcome.ok, `expected ${JSON.stringify(input)} to be refused`).toBe(false);
  return outcome.issues;
}
const fieldsOf = (input: Record<string, unknown>) =>
  issuesOf(input)
    .map((issue) => issue.field)
    .sort();
function accepts(input: Record<string, unknown>, storedSecrets?: string[]): void {
  const outcome = validateAccountInput(input, storedSecrets ? { storedSecrets } : {});
  expect(outcome.issues, `expected ${JSON.stringify(input)} to be accepted`).toEqual([]);
}

const BROWSER = {
  name: 'sso',
  preset: 'oauth2',
  grantType: 'authorization_code',
  issuer: 'https://login.example.com',
  clientId: 'native-app',
};
const DEVICE = { ...BROWSER, name: 'tv', grantType: 'device_code' };

describe('oauth2 interactive grants', () => {
  it.each([BROWSER, DEVICE])('accepts a public client with discovery ($grantType)', (account) => {
    accepts(account);
    accepts({ ...account, scope: 'openid offline_access', audience: 'https://api.example.com' });
  });

  it('accepts the endpoints given by hand instead of discovery', () => {
    const { issuer: _issuer, ...noIssuer } = BROWSER;
    accepts({
      ...noIssuer,
      tokenUrl: 'https://login.example.com/token',
      authorizationUrl: 'https://login.example.com/authorize',
    });
    const { issuer: _deviceIssuer, ...noDeviceIssuer } = DEVICE;
    accepts({
      ...noDeviceIssuer,
      tokenUrl: 'https://login.example.com/token',
      deviceAuthorizationUrl: 'https://login.example.com/device',
    });
  });

  it('needs issuer, or tokenUrl and the grant’s own endpoint', () => {
    const { issuer: _issuer, ...noIssuer } = BROWSER;
    expect(issuesOf(noIssuer).map((i) => [i.field, i.message])).toEqual([
      ['tokenUrl', 'is required unless issuer is given (one of the two)'],
      ['authorizationUrl', 'is required for the authorization_code grant unless issuer is given'],
    ]);
    expect(fieldsOf({ ...noIssuer, tokenUrl: 'https://login.example.com/token' })).toEqual([
      'authorizationUrl',
    ]);
    const { issuer: _deviceIssuer, ...noDeviceIssuer } = DEVICE;
    expect(fieldsOf({ ...noDeviceIssuer, tokenUrl: 'https://login.example.com/token' })).toEqual([
      'deviceAuthorizationUrl',
    ]);
  });

  it('takes an optional clientSecret: HTTP Basic with one, none without', () => {
    accepts({ ...BROWSER, clientSecret: 'confidential' });
    accepts({ ...DEVICE, clientSecret: 'confidential', clientAuth: 'client_secret_post' });
    accepts({ ...DEVICE, clientAuth: 'none' });
  });

  it('still refuses a secret with clientAuth none, and wants one for an explicit client_secret_*', () => {
    expect(issuesOf({ ...BROWSER, clientAuth: 'none', clientSecret: 's' })).toEqual([
      { account: 'sso', field: 'clientSecret', message: 'must be absent when clientAuth is none' },
    ]);
    expect(issuesOf({ ...DEVICE, clientAuth: 'client_secret_basic' })).toEqual([
      {
        account: 'tv',
        field: 'clientSecret',
        message:
          'is required when clientAuth is client_secret_basic (set clientAuth to none for a public client)',
      },
    ]);
  });

  it.each(['username', 'password', 'refreshToken'])('refuses %s, naming it', (field) => {
    for (const account of [BROWSER, DEVICE]) {
      const issues = issuesOf({ ...account, [field]: 'x' });
      expect(issues).toHaveLength(1);
      expect(issues[0]?.field).toBe(field);
      expect(issues[0]?.message).toMatch(new RegExp(`not used by the ${account.grantType} grant`));
    }
  });

  it('keeps a refresh token stored for an earlier grant when an edit switches to a sign-in', () => {
    accepts(DEVICE, ['refreshToken']);
  });

  it.each([
    ['authorizationUrl', 'https://login.example.com/authorize', DEVICE, 'authorization_code'],
    ['redirectUri', 'http://127.0.0.1:8400/callback', DEVICE, 'authorization_code'],
    ['deviceAuthorizationUrl', 'https://login.example.com/device', BROWSER, 'device_code'],
    [
      'authorizationUrl',
      'https://login.example.com/authorize',
      { ...BROWSER, grantType: 'client_credentials', clientSecret: 's' },
      'authorization_code',
    ],
  ] as const)('refuses %s for another grant', (field, value, account, owner) => {
    expect(issuesOf({ ...account, [field]: value })).toEqual([
      { account: account.name, field, message: `is only used by the ${owner} grant` },
    ]);
  });

  it('holds authorizationUrl and deviceAuthorizationUrl to the URL rules', () => {
    expect(fieldsOf({ ...BROWSER, authorizationUrl: 'http://login.example.com/authorize' })).toEqual([
      'authorizationUrl',
    ]);
    expect(fieldsOf({ ...DEVICE, deviceAuthorizationUrl: 'not a url' })).toEqual(['deviceAuthorizationUrl']);
    accepts({ ...DEVICE, deviceAuthorizationUrl: 'http://127.0.0.1:9000/device' });
  });

  const REDIRECTS = [
    'http://127.0.0.1:8400/callback',
    'http://127.0.0.1/callback',
    'http://[::1]:8400/cb',
    'http://localhost/callback',
    'http://localhost:1234',
    'https://127.0.0.1:8400/callback',
    'http://example.com/callback',
    'http://10.0.0.1:8400/callback',
    'http://127.0.0.1:8400/callback?x=1',
    'http://127.0.0.1:8400/callback#f',
    'http://user:pw@127.0.0.1:8400/callback',
    'callback',
    '',
  ];

  it.each(REDIRECTS)('judges redirectUri %j as sign-in itself does (parseRedirectUri)', (redirectUri) => {
    let signInAccepts = redirectUri !== '';
    try {
      parseRedirectUri(redirectUri);
    } catch {
      signInAccepts = false;
    }
    const outcome = validateAccountInput({ ...BROWSER, redirectUri });
    expect(outcome.ok).toBe(signInAccepts);
    if (!outcome.ok) expect(outcome.issues.map((i) => i.field)).toEqual(['redirectUri']);
  });

  it('says what a redirectUri must be', () => {
    expect(issuesOf({ ...BROWSER, redirectUri: 'https://127.0.0.1/cb' })[0]?.message).toMatch(
      /http: loopback URL.*RFC 8252/,
    );
    expect(issuesOf({ ...BROWSER, redirectUri: 'http://example.com/cb' })[0]?.message).toBe(
      'must name 127.0.0.1, [::1] or localhost',
    );
  });

  it('refuses extraParams the sign-in sets itself, and only for the sign-in grants', () => {
    expect(fieldsOf({ ...BROWSER, extraParams: { state: 'x', redirect_uri: 'y', prompt: 'login' } })).toEqual(
      ['extraParams.redirect_uri', 'extraParams.state'],
    );
    accepts({ ...BROWSER, grantType: 'client_credentials', clientSecret: 's', extraParams: { state: 'x' } });
  });

  it('refuses response_mode in extraParams: the loopback listener reads the answer from the query of a GET', () => {
    expect(fieldsOf({ ...BROWSER, extraParams: { response_mode: 'form_post' } })).toEqual([
      'extraParams.response_mode',
    ]);
  });

  it('refuses a redirectUri with an empty query or fragment, which the URL parser would drop in silence', () => {
    expect(fieldsOf({ ...BROWSER, redirectUri: 'http://127.0.0.1:8400/cb?' })).toEqual(['redirectUri']);
    expect(fieldsOf({ ...BROWSER, redirectUri: 'http://127.0.0.1:8400/cb#' })).toEqual(['redirectUri']);
  });
});
