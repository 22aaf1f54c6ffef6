/**
 * The preset table (main/engine/presets/) as one unit: every preset has a form, a flow, an API
 * base and a vendor document, its secret fields are exactly the ones the schema encrypts, and its
 * conditions name real fields and values.
 */
import { describe, expect, it } from 'vitest';
import {
  isSecretField,
  PRESET_FIELDS,
  SECRET_FIELDS,
  secretFieldsOf,
} from '../../main/engine/accounts/fields.js';
import { splitSecrets } from '../../main/engine/accounts/schema.js';
import { apiBaseFor, formatToken } from '../../main/engine/formats.js';
import { validateAccountInput } from '../../main/engine/index.js';
import {
  interactiveSettingsFor,
  PRESET_DEFINITIONS,
  PRESET_SPECS,
  PRESETS,
  signInKindOf,
  type Preset,
} from '../../main/engine/presets/index.js';
import { INTERACTIVE_GRANTS, optionValues, type FieldCondition } from '../../main/engine/presets/spec.js';
import { PRESETS as CONTRACT_PRESETS } from '../../main/engine/types.js';
import { PRESET_FORMS } from '../../renderer/src/presets.js';

/** A valid account of each preset (typed by Preset: one missing here does not compile). */
const VALID: Record<Preset, Record<string, unknown>> = {
  msp360: { name: 'a', preset: 'msp360', username: 'u', password: 'p' },
  'backup-net': { name: 'a', preset: 'backup-net', clientId: 'c', clientSecret: 's' },
  'mps-monitor': {
    name: 'a',
    preset: 'mps-monitor',
    baseUrl: 'https://api.mpsmonitor.com',
    clientId: 'c',
    clientSecret: 's',
    username: 'u',
    password: 'p',
  },
  acronis: {
    name: 'a',
    preset: 'acronis',
    baseUrl: 'https://eu8-cloud.acronis.com',
    clientId: 'c',
    clientSecret: 's',
  },
  oauth2: {
    name: 'a',
    preset: 'oauth2',
    tokenUrl: 'https://idp.example.com/token',
    clientId: 'c',
    clientSecret: 's',
  },
  entra: { name: 'a', preset: 'entra', tenant: 'contoso.onmicrosoft.com', clientId: 'c', clientSecret: 's' },
  static: { name: 'a', preset: 'static', token: 't' },
};

describe('the preset table', () => {
  it('lists the contract’s presets once, in one order, everywhere', () => {
    expect([...PRESETS]).toEqual([
      'msp360',
      'backup-net',
      'mps-monitor',
      'acronis',
      'oauth2',
      'entra',
      'static',
    ]);
    expect(CONTRACT_PRESETS).toBe(PRESETS);
    expect(Object.keys(PRESET_SPECS)).toEqual([...PRESETS]);
    expect(Object.keys(PRESET_FORMS)).toEqual([...PRESETS]);
  });

  describe.each([...PRESETS])('%s', (preset) => {
    const spec = PRESET_SPECS[preset];
    const fields = Object.entries(spec.fields);

    it('has a form with exactly its fields, titled and explained', () => {
      const form = PRESET_FORMS[preset];
      expect(form.id).toBe(preset);
      expect(form.fields.map((f) => f.name)).toEqual([...PRESET_FIELDS[preset]]);
      expect(form.title.length).toBeGreaterThan(2);
      expect(form.help.length).toBeGreaterThan(20);
      expect(form.doc.length).toBeGreaterThan(10);
    });

    it('has a flow', () => {
      expect(typeof spec.flow.obtain).toBe('function');
      expect(spec.flow.renewable).toBe(preset !== 'static');
    });

    it('has an API base for the curl and PowerShell formats', () => {
      const base = apiBaseFor(preset, VALID[preset]);
      expect(new URL(base).protocol).toBe('https:');
      expect(formatToken('t0k', 'curl', base)).toBe(`curl -H 'Authorization: Bearer t0k' '${base}'`);
    });

    it('names its vendor document: a file in shared/vendor-docs, an RFC or the vendor’s pages', () => {
      expect(spec.sources.length).toBeGreaterThan(0);
      for (const source of spec.sources)
        expect(source).toMatch(/^(shared\/vendor-docs\/[a-z0-9-]+\.md|https:\/\/\S+)$/);
    });

    it('keeps exactly its secret fields encrypted (kind secret ⇔ split off as a secret)', () => {
      const secret = fields.filter(([, f]) => f.kind === 'secret').map(([name]) => name);
      expect(secretFieldsOf(preset)).toEqual(secret);
      for (const [name, field] of fields) {
        const { settings, secrets } = splitSecrets({ name: 'a', preset, [name]: 'value' });
        expect(name in secrets, name).toBe(field.kind === 'secret');
        expect(name in settings, name).toBe(field.kind !== 'secret');
        expect(isSecretField(name)).toBe(field.kind === 'secret');
      }
    });

    it('accepts a valid account, and its conditions name its own fields and their values', () => {
      expect(validateAccountInput(VALID[preset]).issues).toEqual([]);
      const conditions = fields.flatMap(([, f]) =>
        [f.showWhen, typeof f.required === 'object' ? f.required : undefined].filter(
          (c): c is FieldCondition => c !== undefined,
        ),
      );
      for (const condition of conditions) {
        const target = spec.fields[condition.field];
        expect(target, condition.field).toBeDefined();
        const values = 'is' in condition ? condition.is : condition.isNot;
        if (target?.kind === 'select')
          for (const value of values) expect(optionValues(target)).toContain(value);
      }
      for (const [, field] of fields)
        if (field.kind === 'select' && field.default !== undefined)
          expect(optionValues(field)).toContain(field.default);
    });

    it('has sign-in settings exactly for the interactive grants it offers', () => {
      const grants = optionValues(spec.fields.grantType ?? { label: '', kind: 'select', required: false });
      for (const grant of grants) {
        const settings = { ...VALID[preset], grantType: grant, issuer: 'https://login.example.com' };
        const kind = signInKindOf(preset, settings);
        expect(kind, grant).toBe(
          grant === 'authorization_code' ? 'browser' : grant === 'device_code' ? 'device' : null,
        );
        expect(interactiveSettingsFor(preset, settings) === null).toBe(kind === null);
      }
      if (grants.length === 0) expect(signInKindOf(preset, VALID[preset])).toBeNull();
    });
  });

  it('has no secret field outside the presets’ own secret fields', () => {
    const all = PRESETS.flatMap((preset) =>
      Object.entries(PRESET_DEFINITIONS[preset].fields)
        .filter(([, f]) => f.kind === 'secret')
        .map(([name]) => name),
    );
    expect([...SECRET_FIELDS].sort()).toEqual([...new Set(all)].sort());
    expect([...SECRET_FIELDS].sort()).toEqual(['clientSecret', 'password', 'refreshToken', 'token']);
  });

  it('offers the interactive grants where the contract says: oauth2 and entra', () => {
    const offering = PRESETS.filter((preset) => {
      const grant = PRESET_DEFINITIONS[preset].fields as Record<
        string,
        { options?: readonly { value: string }[] }
      >;
      return INTERACTIVE_GRANTS.every((g) => grant.grantType?.options?.some((o) => o.value === g));
    });
    expect(offering).toEqual(['oauth2', 'entra']);
  });
});

describe('API bases', () => {
  it('keeps the other presets’ bases', () => {
    expect(apiBaseFor('msp360', {})).toBe('https://api.mspbackups.com/api/Users');
    expect(apiBaseFor('msp360', { baseUrl: 'https://eu.mspbackups.com/' })).toBe(
      'https://eu.mspbackups.com/api/Users',
    );
    expect(apiBaseFor('backup-net', {})).toBe('https://public-api.backup.net/v1/customers');
    expect(apiBaseFor('acronis', { baseUrl: 'https://us5-cloud.acronis.com' })).toBe(
      'https://us5-cloud.acronis.com/api/2/clients',
    );
    expect(apiBaseFor('mps-monitor', {})).toBe('https://api.mpsmonitor.com/account/getaccount');
    expect(apiBaseFor('oauth2', {})).toBe('https://api.example.com/');
    expect(apiBaseFor('static', {})).toBe('https://api.example.com/');
  });
});
