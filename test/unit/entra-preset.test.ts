/** The Microsoft Entra ID preset's own rules: its schema, its sign-in settings, its API base. */
import { describe, expect, it } from 'vitest';
import { apiBaseFor } from '../../main/engine/formats.js';
import { validateAccountInput } from '../../main/engine/index.js';
import { interactiveSettingsFor, signInKindOf } from '../../main/engine/presets/index.js';
import type { ValidationIssue } from '../../main/engine/types.js';

function issuesOf(input: Record<string, unknown>): ValidationIssue[] {
  const outcome = validateAccountInput(input);
  expect(outcome.ok, `expected ${JSON.stringify(input)} to be refused`).toBe(false);
  return outcome.issues;
}
const fieldsOf = (input: Record<string, unknown>) =>
  issuesOf(input)
    .map((issue) => issue.field)
    .sort();
function accepts(input: Record<string, unknown>): void {
  expect(validateAccountInput(input).issues, `expected ${JSON.stringify(input)} to be accepted`).toEqual([]);
}

const GUID = '8eaef023-2b34-4da1-9baa-8bc8c9d6a490';
const APP_ONLY = { name: 'graph', preset: 'entra', tenant: GUID, clientId: 'app-id', clientSecret: 'v~alue' };
const SIGN_IN = { name: 'me', preset: 'entra', tenant: 'organizations', clientId: 'app-id' };

describe('entra account definitions', () => {
  it.each([GUID, GUID.toUpperCase(), 'contoso.onmicrosoft.com', 'contoso.com'])(
    'accepts client credentials for the tenant %s',
    (tenant) => {
      accepts({ ...APP_ONLY, tenant });
    },
  );

  it.each(['contoso', 'not a tenant', 'https://login.microsoftonline.com/contoso', '8eaef023-2b34'])(
    'refuses the tenant %j, saying what it must be',
    (tenant) => {
      expect(issuesOf({ ...APP_ONLY, tenant })).toEqual([
        {
          account: 'graph',
          field: 'tenant',
          message:
            'must be a directory (tenant) ID, a domain such as contoso.onmicrosoft.com, or organizations, common or consumers',
        },
      ]);
    },
  );

  it.each(['organizations', 'common', 'consumers', 'Organizations'])(
    'takes %s only for signing in',
    (tenant) => {
      const issues = issuesOf({ ...APP_ONLY, tenant });
      expect(issues.map((i) => i.field)).toEqual(['tenant']);
      expect(issues[0]?.message).toMatch(/one tenant.*client_credentials grant/);
      accepts({ ...SIGN_IN, tenant, grantType: 'device_code' });
      accepts({ ...SIGN_IN, tenant, grantType: 'authorization_code' });
    },
  );

  it('needs a clientSecret for client credentials only', () => {
    const { clientSecret: _secret, ...noSecret } = APP_ONLY;
    expect(issuesOf(noSecret)).toEqual([
      { account: 'graph', field: 'clientSecret', message: 'is required for the client_credentials grant' },
    ]);
    accepts({ ...noSecret, grantType: 'device_code' });
    accepts({ ...SIGN_IN, grantType: 'authorization_code', clientSecret: 'web-app-secret' });
  });

  it('needs tenant and clientId', () => {
    expect(fieldsOf({ name: 'x', preset: 'entra', clientSecret: 's' })).toEqual(['clientId', 'tenant']);
  });

  it('takes a national cloud or a loopback test server as authority, by the URL rules', () => {
    accepts({ ...APP_ONLY, authority: 'https://login.microsoftonline.us' });
    accepts({ ...APP_ONLY, authority: 'https://login.partner.microsoftonline.cn/' });
    accepts({ ...APP_ONLY, authority: 'http://127.0.0.1:4010' });
    expect(fieldsOf({ ...APP_ONLY, authority: 'http://login.microsoftonline.com' })).toEqual(['authority']);
    // Only an origin: a path, query or fragment would move the tenant out of the discovery path.
    for (const authority of [
      'https://evil.example/x?',
      'https://login.microsoftonline.com#',
      'https://login.microsoftonline.com/common',
      'https://user@login.microsoftonline.com',
    ])
      expect(fieldsOf({ ...APP_ONLY, authority }), authority).toEqual(['authority']);
  });

  it('takes a redirectUri for the browser sign-in only', () => {
    accepts({ ...SIGN_IN, grantType: 'authorization_code', redirectUri: 'http://localhost/callback' });
    expect(issuesOf({ ...SIGN_IN, grantType: 'device_code', redirectUri: 'http://localhost/cb' })).toEqual([
      { account: 'me', field: 'redirectUri', message: 'is only used by the authorization_code grant' },
    ]);
    expect(fieldsOf({ ...APP_ONLY, redirectUri: 'http://localhost/cb' })).toEqual(['redirectUri']);
  });

  it('refuses the grants and fields it does not have', () => {
    expect(fieldsOf({ ...APP_ONLY, grantType: 'password' })).toEqual(['grantType']);
    expect(fieldsOf({ ...APP_ONLY, clientAuth: 'client_secret_basic' })).toEqual(['clientAuth']);
    expect(fieldsOf({ ...APP_ONLY, issuer: 'https://login.microsoftonline.com/x/v2.0' })).toEqual(['issuer']);
    expect(fieldsOf({ ...APP_ONLY, refreshToken: 'rt' })).toEqual(['refreshToken']);
  });

  it('takes a tokenUrl override like every preset', () => {
    accepts({ ...APP_ONLY, tokenUrl: `https://login.microsoftonline.com/${GUID}/oauth2/v2.0/token` });
  });
});

describe('Entra sign-in settings (interactiveSettingsFor)', () => {
  const base = {
    preset: 'entra',
    tenant: 'organizations',
    clientId: 'app',
    authority: 'https://login.microsoftonline.com',
  };

  it('adds offline_access to the scope of a sign-in, once', () => {
    const scopeOf = (settings: Record<string, unknown>) =>
      interactiveSettingsFor('entra', { ...base, grantType: 'device_code', ...settings })?.client.scope;
    expect(scopeOf({})).toBe('https://graph.microsoft.com/.default offline_access');
    expect(scopeOf({ scope: 'User.Read Mail.Read' })).toBe('User.Read Mail.Read offline_access');
    expect(scopeOf({ scope: 'offline_access User.Read' })).toBe('offline_access User.Read');
  });

  it('discovers on {authority}/{tenant}/v2.0 with Microsoft’s issuer rule, public client without a secret', () => {
    expect(interactiveSettingsFor('entra', { ...base, grantType: 'device_code' })).toEqual({
      kind: 'device',
      endpoints: {
        issuer: 'https://login.microsoftonline.com/organizations/v2.0',
        issuerRule: { kind: 'placeholder', issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' },
      },
      client: {
        clientId: 'app',
        clientAuth: 'none',
        scope: 'https://graph.microsoft.com/.default offline_access',
      },
    });
    const browser = interactiveSettingsFor(
      'entra',
      {
        ...base,
        tenant: '8EAEF023-2B34-4DA1-9BAA-8BC8C9D6A490',
        authority: 'https://login.microsoftonline.us/',
        grantType: 'authorization_code',
        redirectUri: 'http://localhost/callback',
      },
      'web-secret',
    );
    expect(browser).toMatchObject({
      kind: 'browser',
      endpoints: {
        issuer: 'https://login.microsoftonline.us/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/v2.0',
        issuerRule: { kind: 'exact' },
      },
      client: { clientSecret: 'web-secret', clientAuth: 'client_secret_post' },
      redirectUri: 'http://localhost/callback',
    });
  });

  it('is null for client credentials, and names the kind of sign-in', () => {
    expect(interactiveSettingsFor('entra', { ...base, tenant: 'contoso.com' }, 's')).toBeNull();
    expect(signInKindOf('entra', { ...base, tenant: 'contoso.com' })).toBeNull();
    expect(signInKindOf('entra', { ...base, grantType: 'device_code' })).toBe('device');
    expect(signInKindOf('entra', { ...base, grantType: 'authorization_code' })).toBe('browser');
  });
});

describe('Entra API base', () => {
  const entra = (settings: Record<string, unknown>) =>
    apiBaseFor('entra', { tenant: 'contoso.com', clientId: 'c', ...settings });

  it('points Entra at Microsoft Graph: /me for a signed-in person, /users app-only', () => {
    expect(entra({})).toBe('https://graph.microsoft.com/v1.0/users');
    expect(entra({ grantType: 'device_code' })).toBe('https://graph.microsoft.com/v1.0/me');
    expect(entra({ grantType: 'authorization_code', scope: 'User.Read' })).toBe(
      'https://graph.microsoft.com/v1.0/me',
    );
  });

  it('follows the scope’s resource and the national cloud', () => {
    expect(
      entra({ authority: 'https://login.microsoftonline.us', scope: 'https://graph.microsoft.us/.default' }),
    ).toBe('https://graph.microsoft.us/v1.0/users');
    expect(
      entra({
        authority: 'https://login.partner.microsoftonline.cn',
        grantType: 'device_code',
        scope: 'User.Read',
      }),
    ).toBe('https://microsoftgraph.chinacloudapi.cn/v1.0/me');
    expect(entra({ scope: 'https://api.partnercenter.microsoft.com/.default' })).toBe(
      'https://api.partnercenter.microsoft.com/',
    );
  });
});
