/** The OAuth 2.0 form shows only the fields of the chosen grant, and what it sends validates. */
import { describe, expect, it } from 'vitest';
import { validateAccountInput } from '../../main/engine/index.js';
import { buildInput, initialValues } from '../../renderer/src/form-model.js';
import { visibleFields, type FormValues, type Preset } from '../../renderer/src/presets.js';

const names = (preset: Preset, values: FormValues) => visibleFields(preset, values).map((f) => f.name);

const GRANT_FIELDS = [
  'authorizationUrl',
  'deviceAuthorizationUrl',
  'redirectUri',
  'username',
  'password',
  'refreshToken',
  'clientSecret',
];
const grantFields = (preset: Preset, values: FormValues) =>
  names(preset, values).filter((name) => GRANT_FIELDS.includes(name));

describe('oauth2: the fields of the chosen grant', () => {
  const oauth2 = (patch: FormValues) => ({ ...initialValues('oauth2'), ...patch });

  it.each([
    ['client_credentials', ['clientSecret']],
    ['password', ['clientSecret', 'username', 'password']],
    ['refresh_token', ['clientSecret', 'refreshToken']],
    ['authorization_code', ['authorizationUrl', 'clientSecret', 'redirectUri']],
    ['device_code', ['deviceAuthorizationUrl', 'clientSecret']],
  ])('%s shows %j', (grantType, fields) => {
    expect(grantFields('oauth2', oauth2({ grantType }))).toEqual(fields);
  });

  it('hides the secret of a public client, whatever the grant', () => {
    expect(grantFields('oauth2', oauth2({ grantType: 'device_code', clientAuth: 'none' }))).toEqual([
      'deviceAuthorizationUrl',
    ]);
  });

  it('sends only the chosen grant’s fields, and a public device-code client validates', () => {
    const values = oauth2({
      name: 'tv',
      issuer: 'https://login.example.com',
      grantType: 'device_code',
      clientAuth: 'none',
      clientId: 'native',
      username: 'typed before switching',
      authorizationUrl: 'https://login.example.com/authorize',
      redirectUri: 'http://127.0.0.1:8400/callback',
      scope: 'openid offline_access',
    });
    const input = buildInput('oauth2', values);
    expect(input).not.toHaveProperty('username');
    expect(input).not.toHaveProperty('authorizationUrl');
    expect(input).not.toHaveProperty('redirectUri');
    expect(validateAccountInput(input).issues).toEqual([]);
  });

  it('says how to make a client public when the prefilled HTTP Basic has no secret', () => {
    const input = buildInput(
      'oauth2',
      oauth2({
        name: 'tv',
        issuer: 'https://login.example.com',
        grantType: 'device_code',
        clientId: 'native',
      }),
    );
    expect(validateAccountInput(input).issues).toEqual([
      {
        account: 'tv',
        field: 'clientSecret',
        message: expect.stringMatching(/set clientAuth to none for a public client/),
      },
    ]);
  });
});
