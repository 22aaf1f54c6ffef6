/** The window's pure parts, in Node: preset metadata against the engine's field list, the input the form sends, urgency order. */
import { describe, expect, it } from 'vitest';
import { COMMON_FIELDS, PRESET_FIELDS, SECRET_FIELDS } from '../../main/engine/accounts/fields.js';
import { validateAccountInput } from '../../main/engine/index.js';
import type { AccountView } from '../../preload/contract.js';
import { buildInput, initialValues, issueText, switchPreset } from '../../renderer/src/form-model.js';
import { PRESETS } from '../../main/engine/presets/definitions.js';
import { formFields, presetSpec } from '../../renderer/src/presets.js';
import { rowStatus, stateLabel } from '../../renderer/src/status.js';
import { filterAccounts, sortByUrgency } from '../../renderer/src/urgency.js';
import { accountView } from '../fixtures/account-view.js';

/** A valid static account named 'x' unless the test says otherwise. */
function view(patch: Partial<AccountView>): AccountView {
  return accountView({ name: 'x', preset: 'static', ...patch });
}

describe('preset metadata', () => {
  // The engine's table, not the form's own list: a preset the form lacks fails here.
  it.each([...PRESETS])('offers exactly the engine’s %s fields, secrets as secret inputs', (id) => {
    expect(presetSpec(id)?.id).toBe(id);
    const own = presetSpec(id).fields;
    expect(own.map((f) => f.name).sort()).toEqual([...PRESET_FIELDS[id]].sort());
    for (const field of own)
      expect(field.kind === 'secret').toBe((SECRET_FIELDS as readonly string[]).includes(field.name));
    const all = formFields(id).map((f) => f.name);
    const allowed = new Set<string>([...COMMON_FIELDS, ...PRESET_FIELDS[id]]);
    for (const name of all) expect(allowed.has(name)).toBe(true);
  });

  it('fills in CONTRACT §1 defaults for a new account', () => {
    expect(initialValues('msp360').baseUrl).toBe('https://api.mspbackups.com');
    expect(initialValues('backup-net').issuer).toBe('https://login.backup.net');
    expect(initialValues('mps-monitor').scope).toBe('account');
    expect(initialValues('acronis').tokenPath).toBe('/bc/idp/token');
    expect(initialValues('oauth2')).toMatchObject({
      grantType: 'client_credentials',
      clientAuth: 'client_secret_basic',
    });
  });
});

describe('the input the form sends', () => {
  it('leaves out empty optional fields (never null), trims text, and sends numbers as numbers', () => {
    const values = {
      ...initialValues('backup-net'),
      name: ' acme ',
      clientId: 'id',
      clientSecret: ' secret with spaces ',
      scope: '',
      notifyBeforeSeconds: '900',
      refreshBeforeSeconds: '',
    };
    const input = buildInput('backup-net', values);
    expect(input).toEqual({
      name: 'acme',
      preset: 'backup-net',
      issuer: 'https://login.backup.net',
      clientId: 'id',
      clientSecret: ' secret with spaces ',
      notifyBeforeSeconds: 900,
      cliAccess: false,
    });
    expect(Object.values(input)).not.toContain(null);
    expect(validateAccountInput(input).ok).toBe(true);
  });

  it('trims a pasted token (a paste brings its line break) but never a password', () => {
    const token = buildInput('static', { ...initialValues('static'), name: 'p', token: '  eyJ.abc.def\n' });
    expect(token).toMatchObject({ token: 'eyJ.abc.def' });
    expect(validateAccountInput(token).ok).toBe(true);
    expect(buildInput('static', { ...initialValues('static'), name: 'p', token: ' \n ' })).not.toHaveProperty(
      'token',
    );
    const msp = buildInput('msp360', {
      ...initialValues('msp360'),
      name: 'm',
      username: 'u',
      password: ' pw ',
    });
    expect(msp).toMatchObject({ password: ' pw ' });
  });

  it('sends a number field that is not a whole number as typed, so the engine names the problem', () => {
    const input = buildInput('static', {
      ...initialValues('static'),
      name: 'a',
      token: 't',
      notifyBeforeSeconds: '10 min',
    });
    expect(input.notifyBeforeSeconds).toBe('10 min');
    const outcome = validateAccountInput(input);
    expect(outcome.ok ? [] : outcome.issues.map((i) => i.field)).toEqual(['notifyBeforeSeconds']);
  });

  it('omits fields hidden by the grant and client authentication, and an untouched stored secret', () => {
    const values = {
      ...initialValues('oauth2'),
      name: 'g',
      tokenUrl: 'https://login.example.com/token',
      clientId: 'c',
      clientAuth: 'none',
      clientSecret: 'typed before switching to none',
      username: 'left over',
      extraParams: [
        { key: 'resource', value: 'https://api.example.com' },
        { key: '', value: '' },
      ],
    };
    const input = buildInput('oauth2', values);
    expect(input).not.toHaveProperty('clientSecret');
    expect(input).not.toHaveProperty('username');
    expect(input.extraParams).toEqual({ resource: 'https://api.example.com' });
    expect(validateAccountInput(input).ok).toBe(true);

    const saved = view({
      name: 'm',
      preset: 'msp360',
      settings: { preset: 'msp360', username: 'u' },
      storedSecrets: ['password'],
    });
    const edit = buildInput('msp360', initialValues('msp360', saved));
    expect(edit).not.toHaveProperty('password');
    expect(validateAccountInput(edit, { storedSecrets: ['password'] }).ok).toBe(true);
  });

  it('keeps typed values across a preset switch but drops the old preset’s defaults', () => {
    const msp = { ...initialValues('msp360'), name: 'n', username: 'u' };
    const mps = switchPreset('mps-monitor', 'msp360', msp);
    expect(mps).toMatchObject({ name: 'n', username: 'u', baseUrl: '', scope: 'account' });
  });

  it('writes an issue as a sentence that starts with the field’s label', () => {
    const field = formFields('acronis').find((f) => f.name === 'clientSecret');
    expect(issueText({ account: 'a', field: 'clientSecret', message: 'is required' }, field)).toBe(
      'Client secret is required',
    );
    const extra = formFields('oauth2').find((f) => f.name === 'extraParams');
    expect(
      issueText({ account: 'a', field: 'extraParams.grant_type', message: 'is set by Tokentray' }, extra),
    ).toBe('grant_type is set by Tokentray');
  });
});

describe('urgency', () => {
  it('sorts needs-you and errors first, then expired, expiring, renewing, unknown expiry, valid; soonest expiry first', () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const views = [
      view({ name: 'valid-later', expiresAt: later }),
      view({ name: 'unknown', state: 'unknown-expiry' }),
      view({ name: 'valid-soon', expiresAt: soon }),
      view({ name: 'renewing', state: 'refreshing' }),
      view({ name: 'expiring', state: 'expiring', expiresAt: soon }),
      view({ name: 'expired', state: 'expired' }),
      view({ name: 'locked', state: 'valid', needsUser: true }),
      view({ name: 'error', state: 'error', error: 'boom' }),
    ];
    expect(sortByUrgency(views).map((v) => v.name)).toEqual([
      'error',
      'locked',
      'expired',
      'expiring',
      'renewing',
      'unknown',
      'valid-soon',
      'valid-later',
    ]);
  });

  it('filters by name or label, ignoring case', () => {
    const views = [
      view({ name: 'Acme-EU' }),
      view({ name: 'other', label: 'ACME US' }),
      view({ name: 'third' }),
    ];
    expect(filterAccounts(views, 'acme').map((v) => v.name)).toEqual(['Acme-EU', 'other']);
    expect(filterAccounts(views, '  ')).toHaveLength(3);
  });

  it('gives a short reason for a failed account and the time left for a valid one', () => {
    expect(
      rowStatus(
        view({ state: 'error', error: 'long text', errorCode: 'invalid_client', needsUser: true }),
        0,
      ),
    ).toBe('Client ID or secret rejected');
    expect(stateLabel(view({ state: 'error', needsUser: true }))).toBe('Needs you');
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(rowStatus(view({ expiresAt: '2026-01-01T00:30:00Z' }), now)).toBe('30 min left');
    expect(rowStatus(view({ state: 'expired', expiresAt: '2025-12-31T22:00:00Z' }), now)).toBe(
      'Expired 2 h ago',
    );
  });
});

describe('the form in its own words', () => {
  it('names other fields by their labels in a message, and says "is required" for an empty one', () => {
    const field = formFields('acronis').find((f) => f.name === 'baseUrl');
    expect(
      issueText(
        { account: 'a', field: 'baseUrl', message: 'is required unless tokenUrl is given' },
        field,
        'acronis',
      ),
    ).toBe('Data center URL is required unless Token URL override (under Advanced) is given');
    const name = formFields('acronis').find((f) => f.name === 'name');
    expect(issueText({ account: 'a', field: 'name', message: 'must not be empty' }, name, 'acronis')).toBe(
      'Name is required',
    );
    // Plain words that happen to be field names stay as they are.
    const password = formFields('oauth2').find((f) => f.name === 'password');
    expect(
      issueText(
        { account: 'a', field: 'password', message: 'is required for the password grant' },
        password,
        'oauth2',
      ),
    ).toBe('Password is required for the password grant');
  });

  it("does not carry one vendor's URL into another preset", () => {
    const mps = {
      ...initialValues('mps-monitor'),
      name: 'acme',
      baseUrl: 'https://api.mpsmonitor.example',
      username: 'u',
    };
    const msp = switchPreset('msp360', 'mps-monitor', mps);
    expect(msp.baseUrl).toBe('https://api.mspbackups.com');
    expect(msp.name).toBe('acme');
    expect(msp.username).toBe('u');
  });
});
