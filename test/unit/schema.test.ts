/** CONTRACT §1 account definitions and import files, rule by rule. */
import { describe, expect, it } from 'vitest';
import { validateAccountInput, validateImportFile, ValidationError } from '../../main/engine/index.js';
import { isSecretField } from '../../main/engine/accounts/fields.js';
import type { Preset, ValidationIssue } from '../../main/engine/types.js';

const MINIMAL: Record<Preset, Record<string, unknown>> = {
  msp360: { name: 'msp', preset: 'msp360', username: 'api-user', password: 'pw' },
  'backup-net': { name: 'bnet', preset: 'backup-net', clientId: 'id', clientSecret: 'secret' },
  'mps-monitor': {
    name: 'mps',
    preset: 'mps-monitor',
    baseUrl: 'https://api.mpsmonitor.com',
    clientId: 'id',
    clientSecret: 'secret',
    username: 'u@example.com',
    password: 'pw',
  },
  acronis: {
    name: 'acr',
    preset: 'acronis',
    baseUrl: 'https://eu8-cloud.acronis.com',
    clientId: 'id',
    clientSecret: 'secret',
  },
  oauth2: {
    name: 'gen',
    preset: 'oauth2',
    tokenUrl: 'https://idp.example.com/token',
    clientId: 'id',
    clientSecret: 's',
  },
  entra: {
    name: 'graph',
    preset: 'entra',
    tenant: '8eaef023-2b34-4da1-9baa-8bc8c9d6a490',
    clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865',
    clientSecret: 'secret~value',
  },
  static: { name: 'pasted', preset: 'static', token: 'eyJ.abc.def' },
};

const COMMON_FULL = {
  tokenUrl: 'https://idp.example.com/oauth/token',
  refreshBeforeSeconds: 300,
  notifyBeforeSeconds: 900,
  cliAccess: true,
  label: 'Customer A (EU)',
};

const FULL: Record<Preset, Record<string, unknown>> = {
  msp360: { ...MINIMAL.msp360, ...COMMON_FULL, baseUrl: 'https://api.mspbackups.com' },
  'backup-net': {
    ...MINIMAL['backup-net'],
    ...COMMON_FULL,
    issuer: 'https://login.backup.net',
    scope: 'api.read api.write',
    clientAuth: 'client_secret_post',
  },
  'mps-monitor': { ...MINIMAL['mps-monitor'], ...COMMON_FULL, scope: 'account' },
  acronis: { ...MINIMAL.acronis, ...COMMON_FULL, tokenPath: '/api/2/idp/token' },
  oauth2: {
    ...MINIMAL.oauth2,
    ...COMMON_FULL,
    issuer: 'https://idp.example.com',
    grantType: 'password',
    clientAuth: 'client_secret_post',
    username: 'me',
    password: 'pw',
    refreshToken: 'rt',
    scope: 'a b',
    audience: 'https://api.example.com',
    extraParams: { resource: 'https://api.example.com', prompt: 'none' },
  },
  entra: {
    ...MINIMAL.entra,
    ...COMMON_FULL,
    authority: 'https://login.microsoftonline.us',
    grantType: 'authorization_code',
    scope: 'https://graph.microsoft.us/.default offline_access',
    redirectUri: 'http://localhost/callback',
  },
  static: { ...MINIMAL.static, ...COMMON_FULL, expiresAt: '2026-12-01T10:00:00Z' },
};

/** Issues of an input that must fail. */
function issuesOf(input: unknown): ValidationIssue[] {
  const outcome = validateAccountInput(input);
  expect(outcome.ok, `expected ${JSON.stringify(input)} to be refused`).toBe(false);
  return outcome.issues;
}
const fieldsOf = (input: unknown) => issuesOf(input).map((issue) => issue.field);
const accepts = (input: unknown) => {
  const outcome = validateAccountInput(input);
  expect(outcome.issues, `expected ${JSON.stringify(input)} to be accepted`).toEqual([]);
  expect(outcome.ok).toBe(true);
};
const with_ = (preset: Preset, changes: Record<string, unknown>) => ({ ...MINIMAL[preset], ...changes });
const without = (preset: Preset, field: string) => {
  const copy = { ...MINIMAL[preset] };
  delete copy[field];
  return copy;
};

describe('every preset', () => {
  it.each(Object.keys(MINIMAL) as Preset[])('accepts a minimal %s account', (preset) => {
    accepts(MINIMAL[preset]);
  });

  it.each(Object.keys(FULL) as Preset[])('accepts a %s account with every field set', (preset) => {
    accepts(FULL[preset]);
  });

  it.each(Object.keys(MINIMAL) as Preset[])(
    'refuses an unknown field in a %s account, naming it',
    (preset) => {
      const issues = issuesOf(with_(preset, { colour: 'blue' }));
      expect(issues).toEqual([{ account: MINIMAL[preset].name, field: 'colour', message: 'unknown field' }]);
    },
  );

  it.each([
    ['msp360', 'clientId'],
    ['backup-net', 'baseUrl'],
    ['mps-monitor', 'tokenPath'],
    ['acronis', 'issuer'],
    ['oauth2', 'baseUrl'],
    ['static', 'password'],
    ['msp360', 'expiresAt'],
  ] as const)('refuses a %s account carrying the %s field of another preset', (preset, field) => {
    const value = field === 'baseUrl' || field === 'issuer' ? 'https://x.example.com' : 'x';
    expect(issuesOf(with_(preset, { [field]: value }))).toEqual([
      { account: MINIMAL[preset].name, field, message: 'unknown field' },
    ]);
  });

  it.each(Object.keys(MINIMAL) as Preset[])('refuses null for an optional field of %s', (preset) => {
    const issues = issuesOf(with_(preset, { label: null }));
    expect(issues).toEqual([
      { account: MINIMAL[preset].name, field: 'label', message: 'must be a string, not null' },
    ]);
  });

  it('refuses null for a required field', () => {
    expect(issuesOf(with_('static', { token: null }))).toEqual([
      { account: 'pasted', field: 'token', message: 'must be a string, not null' },
    ]);
  });

  it.each([
    ['a line break and a header', 'abc\r\nX-Injected: y'],
    ['a space', 'abc def'],
    ['a trailing newline', 'eyJ.abc.def\n'],
    ['a tab', 'abc\tdef'],
    ['a non-ASCII character', 'abc\u00e9'],
  ])('refuses a pasted token with %s, naming the field and not the token', (_what, token) => {
    const issues = issuesOf(with_('static', { token }));
    expect(issues).toEqual([
      {
        account: 'pasted',
        field: 'token',
        message:
          'may hold only visible ASCII characters: no spaces, line breaks, control or non-ASCII characters',
      },
    ]);
  });

  it.each(Object.keys(MINIMAL) as Preset[])(
    'accepts an edit of a %s account that leaves its stored secrets out (a label change in the window)',
    (preset) => {
      const input: Record<string, unknown> = { ...MINIMAL[preset], label: 'relabelled' };
      const stored = Object.keys(input).filter((field) => isSecretField(field));
      for (const field of stored) delete input[field];
      const outcome = validateAccountInput(input, { storedSecrets: stored });
      expect(outcome.issues).toEqual([]);
    },
  );

  it('accepts a pasted token of any visible ASCII (a JWT, an opaque token with +/=~)', () => {
    accepts(with_('static', { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }));
    accepts(with_('static', { token: 'gho_Ab+/=~-._!*' }));
  });

  it.each(['username', 'password'])('refuses an empty required string (%s)', (field) => {
    expect(fieldsOf(with_('msp360', { [field]: '' }))).toEqual([field]);
  });

  it.each(['scope', 'baseUrl', 'tokenUrl'])(
    'refuses an empty optional string (%s) with one issue',
    (field) => {
      expect(fieldsOf(with_('mps-monitor', { [field]: '' }))).toEqual([field]);
    },
  );

  it('reports a missing required field as required', () => {
    expect(issuesOf(without('acronis', 'clientId'))).toEqual([
      { account: 'acr', field: 'clientId', message: 'is required' },
    ]);
  });

  it('refuses a missing or unknown preset, naming the field', () => {
    expect(issuesOf({ name: 'x' })).toEqual([{ account: 'x', field: 'preset', message: 'is required' }]);
    expect(fieldsOf({ name: 'x', preset: 'google' })).toEqual(['preset']);
    expect(fieldsOf({ name: 'x', preset: null })).toEqual(['preset']);
  });

  it.each([[null], [42], ['text'], [[]], [true]])('refuses %j as an account', (input) => {
    expect(fieldsOf(input)).toEqual(['(account)']);
  });

  it('refuses a non-string value where a string is expected', () => {
    expect(issuesOf(with_('msp360', { username: 42 }))).toEqual([
      { account: 'msp', field: 'username', message: 'must be a string, not a number' },
    ]);
  });

  it('refuses a scope given as an array (scope is one space-separated string)', () => {
    expect(fieldsOf(with_('backup-net', { scope: ['a', 'b'] }))).toEqual(['scope']);
  });
});

describe('name', () => {
  it.each(['a', '0', 'Acme', '9lives', 'A.b_c-9', 'x'.repeat(64)])('accepts %s', (name) => {
    accepts(with_('static', { name }));
  });

  it.each(['-lead', '.lead', '_lead', 'x'.repeat(65), 'a b', 'a/b', 'a@b', 'café', 'tab\tname', ''])(
    'refuses %j with one issue on name',
    (name) => {
      expect(fieldsOf(with_('static', { name }))).toEqual(['name']);
    },
  );

  it('refuses a missing name', () => {
    expect(fieldsOf(without('static', 'name'))).toEqual(['name']);
  });

  it('names the 64-character limit for a 65-character name', () => {
    expect(issuesOf(with_('static', { name: 'x'.repeat(65) }))[0]?.message).toMatch(/64/);
  });
});

describe('URL fields', () => {
  it.each([
    'https://idp.example.com/token',
    'https://idp.example.com:8443/a/b?c=d',
    'http://127.0.0.1:8080/token',
    'http://127.9.8.7/token',
    'http://[::1]:9000/token',
    'http://localhost/token',
    'http://localhost:3000',
  ])('accepts %s', (tokenUrl) => {
    accepts(with_('oauth2', { tokenUrl }));
  });

  it.each([
    'http://example.com/token',
    'http://127.0.0.1.example.com/token',
    'http://10.0.0.1/token',
    'ftp://example.com/token',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'example.com/token',
    '/token',
    'http://tokens.localhost/token',
    'https:idp.example.com/token',
    'https://idp.example.com/token ',
    'https://user:pass@idp.example.com/token',
  ])('refuses %s with one issue', (tokenUrl) => {
    expect(fieldsOf(with_('oauth2', { tokenUrl }))).toEqual(['tokenUrl']);
  });

  it('explains that plain http is for loopback hosts only', () => {
    expect(issuesOf(with_('acronis', { baseUrl: 'http://eu8-cloud.acronis.com' }))[0]?.message).toMatch(
      /https.*loopback/,
    );
  });

  it.each([
    ['msp360', 'baseUrl'],
    ['backup-net', 'issuer'],
    ['mps-monitor', 'baseUrl'],
    ['acronis', 'baseUrl'],
    ['oauth2', 'issuer'],
  ] as const)('applies the rule to %s %s', (preset, field) => {
    expect(fieldsOf(with_(preset, { [field]: 'http://example.com' }))).toEqual([field]);
    accepts(with_(preset, { [field]: 'http://127.0.0.1:1234' }));
  });
});

describe('integers', () => {
  it.each(['refreshBeforeSeconds', 'notifyBeforeSeconds'])(
    '%s accepts 0 and large whole numbers',
    (field) => {
      accepts(with_('static', { [field]: 0 }));
      accepts(with_('static', { [field]: 3600 }));
      accepts(with_('static', { [field]: 400_000_000 }));
    },
  );

  it.each([-1, 1.5, '60', null, true, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'refuses %s with one issue',
    (value) => {
      expect(fieldsOf(with_('static', { refreshBeforeSeconds: value }))).toEqual(['refreshBeforeSeconds']);
      expect(fieldsOf(with_('static', { notifyBeforeSeconds: value }))).toEqual(['notifyBeforeSeconds']);
    },
  );

  it('refuses a cliAccess that is not a boolean', () => {
    expect(fieldsOf(with_('static', { cliAccess: 'true' }))).toEqual(['cliAccess']);
  });
});

describe('label', () => {
  it('accepts 200 characters and refuses 201', () => {
    accepts(with_('static', { label: 'a'.repeat(200) }));
    expect(fieldsOf(with_('static', { label: 'a'.repeat(201) }))).toEqual(['label']);
  });

  it('counts characters, not UTF-16 units or bytes (200 emoji accepted, 201 refused)', () => {
    const emoji200 = '😀'.repeat(200);
    expect(emoji200.length).toBe(400);
    expect(Buffer.byteLength(emoji200)).toBe(800);
    accepts(with_('static', { label: emoji200 }));
    expect(fieldsOf(with_('static', { label: `${emoji200}😀` }))).toEqual(['label']);
    accepts(with_('static', { label: 'é'.repeat(200) }));
  });
});

describe('static expiresAt', () => {
  it.each([
    '2026-12-01T10:00:00Z',
    '2026-12-01T10:00:00.250Z',
    '2026-12-01T10:00:00+02:00',
    '2026-12-01T10:00:00-05:30',
    '2026-12-01t10:00:00z',
    '2026-12-31T23:59:60Z',
  ])('accepts RFC 3339 %s', (expiresAt) => {
    accepts(with_('static', { expiresAt }));
  });

  it.each([
    '2026-12-01T10:00:00',
    '2026-12-01',
    '2026-12-01 10:00:00Z',
    'Tue, 01 Dec 2026 10:00:00 GMT',
    '1796119200',
    'soon',
    '2026-02-30T10:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T10:00:00+24:00',
  ])('refuses %s (no zone, not RFC 3339, or no such time)', (expiresAt) => {
    expect(fieldsOf(with_('static', { expiresAt }))).toEqual(['expiresAt']);
  });

  it('refuses an epoch number for expiresAt', () => {
    expect(fieldsOf(with_('static', { expiresAt: 1796119200 }))).toEqual(['expiresAt']);
  });
});

describe('oauth2 rules', () => {
  it('requires clientSecret with the default client_secret_basic', () => {
    expect(issuesOf(without('oauth2', 'clientSecret'))).toEqual([
      { account: 'gen', field: 'clientSecret', message: expect.stringMatching(/required/) },
    ]);
  });

  it('requires clientSecret with client_secret_post', () => {
    expect(fieldsOf({ ...without('oauth2', 'clientSecret'), clientAuth: 'client_secret_post' })).toEqual([
      'clientSecret',
    ]);
  });

  it('accepts clientAuth none without a clientSecret', () => {
    accepts({ ...without('oauth2', 'clientSecret'), clientAuth: 'none' });
  });

  it('refuses a clientSecret when clientAuth is none', () => {
    expect(issuesOf(with_('oauth2', { clientAuth: 'none' }))).toEqual([
      { account: 'gen', field: 'clientSecret', message: 'must be absent when clientAuth is none' },
    ]);
  });

  it('requires username and password for the password grant', () => {
    expect(fieldsOf(with_('oauth2', { grantType: 'password' })).sort()).toEqual(['password', 'username']);
    expect(fieldsOf(with_('oauth2', { grantType: 'password', username: 'me' }))).toEqual(['password']);
    expect(fieldsOf(with_('oauth2', { grantType: 'password', password: 'pw' }))).toEqual(['username']);
    accepts(with_('oauth2', { grantType: 'password', username: 'me', password: 'pw' }));
  });

  it('requires refreshToken for the refresh_token grant', () => {
    expect(fieldsOf(with_('oauth2', { grantType: 'refresh_token' }))).toEqual(['refreshToken']);
    accepts(with_('oauth2', { grantType: 'refresh_token', refreshToken: 'rt' }));
  });

  it('requires issuer or tokenUrl (either one is enough)', () => {
    expect(fieldsOf(without('oauth2', 'tokenUrl'))).toEqual(['tokenUrl']);
    accepts({ ...without('oauth2', 'tokenUrl'), issuer: 'https://idp.example.com' });
  });

  it('refuses unknown grant types and client auth methods', () => {
    expect(fieldsOf(with_('oauth2', { grantType: 'implicit' }))).toEqual(['grantType']);
    expect(fieldsOf(with_('oauth2', { clientAuth: 'private_key_jwt' }))).toEqual(['clientAuth']);
  });

  it('takes extraParams as an object of strings only', () => {
    accepts(with_('oauth2', { extraParams: {} }));
    expect(fieldsOf(with_('oauth2', { extraParams: { resource: 1 } }))).toEqual(['extraParams.resource']);
    expect(fieldsOf(with_('oauth2', { extraParams: 'resource=x' }))).toEqual(['extraParams']);
    expect(fieldsOf(with_('oauth2', { extraParams: null }))).toEqual(['extraParams']);
  });

  it('reports every problem of one account at once, one per field', () => {
    const issues = issuesOf({
      name: 'gen',
      preset: 'oauth2',
      grantType: 'password',
      clientAuth: 'none',
      clientId: '',
    });
    expect(issues.map((i) => i.field).sort()).toEqual(['clientId', 'password', 'tokenUrl', 'username']);
  });
});

describe('preset-specific rules', () => {
  it.each(['client_secret_basic', 'client_secret_post'])('backup-net accepts clientAuth %s', (clientAuth) => {
    accepts(with_('backup-net', { clientAuth }));
  });

  it.each(['none', 'raw_basic', ''])('backup-net refuses clientAuth %j', (clientAuth) => {
    expect(fieldsOf(with_('backup-net', { clientAuth }))).toEqual(['clientAuth']);
  });

  it.each(['mps-monitor', 'acronis'] as const)('%s needs baseUrl unless tokenUrl is given', (preset) => {
    expect(issuesOf(without(preset, 'baseUrl'))).toEqual([
      { account: MINIMAL[preset].name, field: 'baseUrl', message: expect.stringMatching(/required/) },
    ]);
    accepts({ ...without(preset, 'baseUrl'), tokenUrl: 'https://idp.example.com/token' });
  });

  it.each(['msp360', 'backup-net'] as const)('%s has a default endpoint and needs no URL', (preset) => {
    accepts(MINIMAL[preset]);
  });
});

describe('import file', () => {
  const file = (accounts: unknown[]) => ({ accounts });

  it('accepts an empty accounts array (imports nothing)', () => {
    expect(validateImportFile(file([]))).toEqual({ ok: true, definitions: [] });
  });

  it('accepts one account of every preset', () => {
    const outcome = validateImportFile(file(Object.values(FULL)));
    expect(outcome.ok).toBe(true);
  });

  it.each([
    [{ accounts: [], version: 1 }, ['version']],
    [{}, ['accounts']],
    [{ accounts: {} }, ['accounts']],
    [{ accounts: null }, ['accounts']],
    [{ Accounts: [] }, ['Accounts', 'accounts']],
  ])('refuses %j, naming the top-level key', (input, fields) => {
    const outcome = validateImportFile(input);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.issues.map((i) => i.field).sort()).toEqual([...fields].sort());
  });

  it.each([[[]], [null], ['{"accounts":[]}'], [42]])('refuses %j as an import file', (input) => {
    expect(validateImportFile(input).ok).toBe(false);
  });

  it('refuses names that differ only in case', () => {
    const outcome = validateImportFile(file([MINIMAL.static, { ...MINIMAL.msp360, name: 'PASTED' }]));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.issues).toEqual([
        { account: 'PASTED', field: 'name', message: expect.stringMatching(/twice.*ignoring case/) },
      ]);
    }
  });

  it('reports every error, one line each, naming the account and the field', () => {
    const outcome = validateImportFile(
      file([
        MINIMAL.msp360,
        { ...MINIMAL.acronis, clientSecret: '', colour: 'red' },
        { ...MINIMAL.static, name: '-bad' },
        { preset: 'static', token: 't', label: 5 },
      ]),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const error = new ValidationError(outcome.issues);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^acr: clientSecret: /),
        'acr: colour: unknown field',
        expect.stringMatching(/^-bad: name: /),
        'accounts[3]: name: is required',
        expect.stringMatching(/^accounts\[3\]: label: /),
      ]),
    );
  });

  it('reports a name used twice even when either account has other errors', () => {
    const outcome = validateImportFile(
      file([
        { ...MINIMAL.static, name: 'Foo', label: 5 },
        { ...MINIMAL.static, name: 'foo', colour: 'red' },
      ]),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((i) => `${i.account}: ${i.field}`)).toEqual([
      'Foo: label',
      'foo: colour',
      'foo: name',
    ]);
  });

  it('keeps every issue on one line when a name or a field holds a newline', () => {
    const outcome = validateImportFile(file([{ ...MINIMAL.static, name: 'evil\nname', 'bad\nkey': 1 }]));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const lines = new ValidationError(outcome.issues).message.split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^accounts\[0\] "evil\\nname": name: must start/),
      'accounts[0] "evil\\nname": "bad\\nkey": unknown field',
    ]);
  });

  it('accepts an import file of more than 1 MiB', () => {
    const accounts = Array.from({ length: 60 }, (_, i) => ({
      ...MINIMAL.oauth2,
      name: `tenant-${i}`,
      label: `Tenant ${i}`,
      extraParams: { resource: 'r'.repeat(18_000) },
    }));
    const text = JSON.stringify({ accounts });
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
    const outcome = validateImportFile(JSON.parse(text));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.definitions).toHaveLength(60);
  });
});
