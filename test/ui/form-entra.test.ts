/** The Microsoft Entra ID form: its defaults, the fields of the chosen grant, and what it sends validates. */
import { describe, expect, it } from 'vitest';
import { validateAccountInput } from '../../main/engine/index.js';
import { buildInput, initialValues, switchPreset } from '../../renderer/src/form-model.js';
import { visibleFields, type FormValues, type Preset } from '../../renderer/src/presets.js';

const names = (preset: Preset, values: FormValues) => visibleFields(preset, values).map((f) => f.name);
const required = (preset: Preset, values: FormValues, field: string) =>
  visibleFields(preset, values).find((f) => f.name === field)?.required;

describe('the Microsoft Entra ID form', () => {
  it('fills in Microsoft’s defaults for a new account', () => {
    expect(initialValues('entra')).toMatchObject({
      grantType: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
      authority: 'https://login.microsoftonline.com',
      tenant: '',
    });
  });

  it('marks the client secret required for client credentials only, and shows redirectUri for the browser', () => {
    const values = initialValues('entra');
    expect(required('entra', values, 'clientSecret')).toBe(true);
    expect(required('entra', { ...values, grantType: 'device_code' }, 'clientSecret')).toBe(false);
    expect(required('entra', { ...values, grantType: 'authorization_code' }, 'clientSecret')).toBe(false);
    expect(names('entra', values)).not.toContain('redirectUri');
    expect(names('entra', { ...values, grantType: 'device_code' })).not.toContain('redirectUri');
    expect(names('entra', { ...values, grantType: 'authorization_code' })).toContain('redirectUri');
  });

  it('sends a valid account for each grant', () => {
    const base = {
      ...initialValues('entra'),
      name: 'graph',
      tenant: 'contoso.onmicrosoft.com',
      clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865',
    };
    expect(validateAccountInput(buildInput('entra', { ...base, clientSecret: 's~1' })).issues).toEqual([]);
    for (const grantType of ['authorization_code', 'device_code']) {
      const input = buildInput('entra', { ...base, tenant: 'organizations', grantType });
      expect(input).toMatchObject({ grantType, tenant: 'organizations' });
      expect(validateAccountInput(input).issues).toEqual([]);
    }
  });

  it('keeps the client ID typed for an OAuth 2.0 account when switching to Entra', () => {
    const typed = { ...initialValues('oauth2'), name: 'n', clientId: 'app' };
    expect(switchPreset('entra', 'oauth2', typed)).toMatchObject({ name: 'n', clientId: 'app', tenant: '' });
  });
});
