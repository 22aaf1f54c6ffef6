/**
 * Account definitions exactly as CONTRACT §1 describes them, as zod schemas. Every problem becomes
 * one issue naming the account and the field; unknown fields (including another preset's) are
 * errors, `null` is never a value, and URL fields must be https (http only on loopback).
 */
import { z } from 'zod';
import type { AccountInput, FieldValue, Preset, ValidationIssue } from '../types.js';
import { PRESETS } from '../types.js';
import { parseRfc3339 } from '../dates.js';
import { insecureUrlReason } from '../url-policy.js';
import { ACCOUNT_NAME_PATTERN, isSecretField } from './fields.js';

/** Describes what came instead of the expected value, for messages such as "must be a string, not null". */
function received(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : `a ${typeof input}`;
}

const requiredOr = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}, not ${received(issue.input)}`;

const text = () => z.string({ error: requiredOr('a string') }).min(1, { error: 'must not be empty' });

const url = () =>
  text().superRefine((value, ctx) => {
    const reason = insecureUrlReason(value);
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  });

const seconds = () =>
  z
    .number({ error: requiredOr('a whole number of seconds') })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be 0 or more' });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) => `must be one of ${values.join(', ')}, not ${JSON.stringify(issue.input)}`,
  });

const RESERVED_PARAMS = ['grant_type', 'client_id', 'client_secret', 'username', 'password', 'refresh_token'];

const common = {
  name: text().superRefine((value, ctx) => {
    if (value.length > 64) ctx.addIssue({ code: 'custom', message: 'must be at most 64 characters' });
    else if (!ACCOUNT_NAME_PATTERN.test(value))
      ctx.addIssue({
        code: 'custom',
        message: 'must start with a letter or digit and use only A-Z a-z 0-9 . _ -',
      });
  }),
  tokenUrl: url().optional(),
  refreshBeforeSeconds: seconds().optional(),
  notifyBeforeSeconds: seconds().optional(),
  cliAccess: z.boolean({ error: requiredOr('true or false') }).optional(),
  label: z
    .string({ error: requiredOr('a string') })
    .refine((value) => [...value].length <= 200, { error: 'must be at most 200 characters' })
    .optional(),
};

const rfc3339 = () =>
  z.string({ error: requiredOr('a string') }).refine((value) => parseRfc3339(value) !== null, {
    error: 'must be an RFC 3339 date-time with Z or an offset, e.g. 2026-12-01T10:00:00Z',
  });

const presetSchemas = {
  msp360: z.strictObject({
    ...common,
    preset: z.literal('msp360'),
    baseUrl: url().optional(),
    username: text(),
    password: text(),
  }),
  'backup-net': z.strictObject({
    ...common,
    preset: z.literal('backup-net'),
    issuer: url().optional(),
    clientId: text(),
    clientSecret: text(),
    scope: text().optional(),
    clientAuth: oneOf(['client_secret_basic', 'client_secret_post'] as const).optional(),
  }),
  'mps-monitor': z.strictObject({
    ...common,
    preset: z.literal('mps-monitor'),
    baseUrl: url().optional(),
    clientId: text(),
    clientSecret: text(),
    username: text(),
    password: text(),
    scope: text().optional(),
  }),
  acronis: z.strictObject({
    ...common,
    preset: z.literal('acronis'),
    baseUrl: url().optional(),
    clientId: text(),
    clientSecret: text(),
    tokenPath: text()
      .refine((value) => value.startsWith('/'), { error: 'must start with /' })
      .optional(),
  }),
  oauth2: z.strictObject({
    ...common,
    preset: z.literal('oauth2'),
    issuer: url().optional(),
    grantType: oneOf(['client_credentials', 'password', 'refresh_token'] as const).optional(),
    clientAuth: oneOf(['client_secret_basic', 'client_secret_post', 'none'] as const).optional(),
    clientId: text(),
    clientSecret: text().optional(),
    username: text().optional(),
    password: text().optional(),
    refreshToken: text().optional(),
    scope: text().optional(),
    audience: text().optional(),
    extraParams: z
      .record(z.string(), z.string({ error: requiredOr('a string') }), {
        error: requiredOr('an object of strings'),
      })
      .optional(),
  }),
  static: z.strictObject({
    ...common,
    preset: z.literal('static'),
    token: text(),
    expiresAt: rfc3339().optional(),
  }),
} satisfies Record<Preset, z.ZodType>;

export type AccountDefinition = z.infer<(typeof presetSchemas)[Preset]>;

type Issue = { field: string; message: string };

/** Rules across fields that the per-field schemas cannot state. */
function crossFieldIssues(def: AccountDefinition): Issue[] {
  const issues: Issue[] = [];
  const need = (field: string, why: string) => issues.push({ field, message: `is required ${why}` });
  switch (def.preset) {
    case 'mps-monitor':
    case 'acronis':
      if (!def.baseUrl && !def.tokenUrl) need('baseUrl', 'unless tokenUrl is given');
      break;
    case 'oauth2': {
      const auth = def.clientAuth ?? 'client_secret_basic';
      const grant = def.grantType ?? 'client_credentials';
      if (!def.issuer && !def.tokenUrl) need('tokenUrl', 'unless issuer is given (one of the two)');
      if (auth === 'none' && def.clientSecret !== undefined)
        issues.push({ field: 'clientSecret', message: 'must be absent when clientAuth is none' });
      if (auth !== 'none' && def.clientSecret === undefined)
        need('clientSecret', `when clientAuth is ${auth}`);
      if (grant === 'password') {
        if (def.username === undefined) need('username', 'for the password grant');
        if (def.password === undefined) need('password', 'for the password grant');
      }
      if (grant === 'refresh_token' && def.refreshToken === undefined)
        need('refreshToken', 'for the refresh_token grant');
      for (const key of Object.keys(def.extraParams ?? {})) {
        if (RESERVED_PARAMS.includes(key))
          issues.push({
            field: `extraParams.${key}`,
            message: 'is set by Tokentray itself and cannot be overridden',
          });
      }
      break;
    }
    default:
      break;
  }
  return issues;
}

/** A field name as issues print it: quoted when it is not a plain identifier (one line, always). */
const printable = (part: PropertyKey) => {
  const text = String(part);
  return /^[A-Za-z0-9_$-]+$/.test(text) ? text : JSON.stringify(text);
};

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(printable).join('.') || '(account)';
}

/** One issue per field (the first found): an empty URL is "must not be empty", not that and "not a URL". */
function toIssues(error: z.ZodError): Issue[] {
  const seen = new Set<string>();
  const all = error.issues.flatMap((issue): Issue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_type' && issue.path.length === 0) {
      return [{ field: '(account)', message: 'must be a JSON object' }];
    }
    return [{ field: fieldOf(issue.path), message: issue.message }];
  });
  return all.filter((issue) => !seen.has(issue.field) && seen.add(issue.field));
}

/**
 * How issues name an account: by the name it was given, or where it stands in the file when it has
 * none; a name with control characters (a newline) or of unusual length is quoted, so that every
 * issue stays one line.
 */
function accountLabelOf(name: string, position: string | undefined): string {
  if (name === '') return position ?? '(new account)';
  // eslint-disable-next-line no-control-regex
  if (name.length <= 64 && !/[\u0000-\u001f\u007f]/.test(name)) return name;
  const quoted = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  return position ? `${position} ${quoted}` : quoted;
}

export type ValidationOutcome =
  { ok: true; definition: AccountDefinition; issues: [] } | { ok: false; issues: ValidationIssue[] };

/** A value that stands in for a stored secret the input leaves out (an edit keeps it). */
export const STORED_SECRET = '\u0000stored';

/**
 * Validates one account definition. `accountLabel` names the account in issues when the input has
 * no usable name (e.g. `accounts[3]` in an import file). Secret fields listed in `storedSecrets`
 * may be left out: they keep their stored value.
 */
export function validateAccountInput(
  input: unknown,
  opts: { accountLabel?: string; storedSecrets?: readonly string[] } = {},
): ValidationOutcome {
  const inputName =
    typeof input === 'object' && input !== null && typeof (input as AccountInput).name === 'string'
      ? ((input as AccountInput).name as string)
      : '';
  const account = accountLabelOf(inputName, opts.accountLabel);
  const wrap = (issues: Issue[]): ValidationOutcome => ({
    ok: false,
    issues: issues.map((issue) => ({ account, ...issue })),
  });

  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return wrap([{ field: '(account)', message: `must be a JSON object, not ${received(input)}` }]);
  }
  const preset = (input as AccountInput).preset;
  if (!PRESETS.includes(preset as Preset)) {
    const message =
      preset === undefined
        ? 'is required'
        : `must be one of ${PRESETS.join(', ')}, not ${JSON.stringify(preset) ?? received(preset)}`;
    const nameIssues = toIssues(z.object({ name: common.name }).safeParse(input).error ?? new z.ZodError([]));
    return wrap([...nameIssues, { field: 'preset', message }]);
  }

  const filled: AccountInput = { ...(input as AccountInput) };
  for (const field of opts.storedSecrets ?? []) {
    if (isSecretField(field) && filled[field] === undefined) filled[field] = STORED_SECRET;
  }
  const parsed = presetSchemas[preset as Preset].safeParse(filled);
  const fieldIssues = parsed.success ? [] : toIssues(parsed.error);
  // Cross-field rules only test presence and fixed values, so they also run on input that failed
  // field checks: every problem is reported at once, one per field.
  const flagged = new Set(fieldIssues.map((issue) => issue.field));
  const cross = crossFieldIssues(filled as AccountDefinition).filter((issue) => !flagged.has(issue.field));
  if (!parsed.success || cross.length > 0) return wrap([...fieldIssues, ...cross]);
  return { ok: true, definition: parsed.data, issues: [] };
}

/** Splits a valid definition into its non-secret settings and its secrets (stand-ins dropped). */
export function splitSecrets(definition: AccountDefinition): {
  settings: Record<string, FieldValue>;
  secrets: Record<string, string>;
} {
  const settings: Record<string, FieldValue> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(definition)) {
    if (value === undefined) continue;
    if (isSecretField(field)) {
      if (value !== STORED_SECRET) secrets[field] = value as string;
    } else {
      settings[field] = value as FieldValue;
    }
  }
  return { settings, secrets };
}

/** CONTRACT §1 import file: exactly `{ "accounts": [...] }`, each account valid, names unique ignoring case. */
export function validateImportFile(
  file: unknown,
): { ok: true; definitions: AccountDefinition[] } | { ok: false; issues: ValidationIssue[] } {
  const fileIssue = (message: string, field = '(file)') => ({
    ok: false as const,
    issues: [{ account: '(file)', field, message }],
  });
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    return fileIssue('must be a JSON object { "accounts": [...] }');
  const extra = Object.keys(file).filter((key) => key !== 'accounts');
  const accounts = (file as { accounts?: unknown }).accounts;
  const issues: ValidationIssue[] = extra.map((key) => ({
    account: '(file)',
    field: key,
    message: 'unknown top-level key',
  }));
  if (!Array.isArray(accounts)) {
    issues.push({
      account: '(file)',
      field: 'accounts',
      message: accounts === undefined ? 'is required' : 'must be an array',
    });
    return { ok: false, issues };
  }
  const definitions: AccountDefinition[] = [];
  const seen = new Map<string, number>();
  accounts.forEach((entry, index) => {
    const outcome = validateAccountInput(entry, { accountLabel: `accounts[${index}]` });
    if (!outcome.ok) issues.push(...outcome.issues);
    // Names are compared whatever else is wrong with either account: every problem is reported.
    const name = (entry as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && ACCOUNT_NAME_PATTERN.test(name)) {
      const key = name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push({
          account: name,
          field: 'name',
          message: `is used twice in this file (also accounts[${first}]); names are unique ignoring case`,
        });
        return;
      }
      seen.set(key, index);
    }
    if (outcome.ok) definitions.push(outcome.definition);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, definitions };
}
