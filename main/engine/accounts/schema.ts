/**
 * Account definitions exactly as CONTRACT §1 describes them, as zod schemas derived from the
 * presets' definitions (main/engine/presets: each field's kind, format and check, and each preset's
 * rules across fields). Every problem becomes one issue naming the account and the field; unknown
 * fields (including another preset's) are errors, `null` is never a value, and URL fields must be
 * https (http only on loopback).
 */
import { z } from 'zod';
import {
  PRESET_DEFINITIONS,
  PRESETS,
  isPreset,
  type FieldSpec,
  type Preset,
  type PresetDefinition,
} from '../presets/definitions.js';
import { optionValues } from '../presets/spec.js';
import type { AccountInput, FieldValue, ValidationIssue } from '../types.js';
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

/** RFC 8252 §7.3 loopback redirect, by the same rules as interactive/loopback.ts parseRedirectUri. */
const LOOPBACK_REDIRECT_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function redirectUriProblem(value: string): string | null {
  if (!URL.canParse(value)) return 'must be an absolute URL such as http://127.0.0.1:8400/callback';
  const parsed = new URL(value);
  if (parsed.protocol !== 'http:')
    return 'must be an http: loopback URL (RFC 8252 §7.3), e.g. http://127.0.0.1:8400/callback';
  if (!LOOPBACK_REDIRECT_HOSTS.has(parsed.hostname)) return 'must name 127.0.0.1, [::1] or localhost';
  if (parsed.username || parsed.password) return 'must not hold a user name or password';
  if (parsed.search || parsed.hash || /[?#]/.test(value)) return 'must not have a query or a fragment';
  return null;
}

const redirectUri = () =>
  text().superRefine((value, ctx) => {
    const problem = redirectUriProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const stringMap = () =>
  z.record(z.string(), z.string({ error: requiredOr('a string') }), {
    error: requiredOr('an object of strings'),
  });

/** The schema of one preset field, from its spec: kind, format, own check, required or not. */
function fieldSchema(spec: FieldSpec): z.ZodType {
  let schema: z.ZodType<string> | z.ZodType<Record<string, string>>;
  if (spec.kind === 'keyvalue') schema = stringMap();
  else if (spec.kind === 'select') schema = oneOf(optionValues(spec) as [string, ...string[]]);
  else if (spec.format === 'rfc3339') schema = rfc3339();
  else if (spec.format === 'redirect-uri') schema = redirectUri();
  else if (spec.kind === 'url') schema = url();
  else if (spec.format === 'path')
    schema = text().refine((value) => value.startsWith('/'), { error: 'must start with /' });
  else schema = text();
  const check = spec.check;
  if (check && spec.kind !== 'keyvalue') {
    schema = (schema as z.ZodType<string>).superRefine((value, ctx) => {
      // A secret left out of an edit stands for the stored value, which was checked when saved.
      if (value === STORED_SECRET) return;
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  }
  // Conditional requirements are the preset's rules, which say when and why.
  const required = spec.required === true && !spec.showWhen && !spec.requiredUnless;
  return required ? schema : schema.optional();
}

function presetSchema(preset: Preset) {
  const { fields } = PRESET_DEFINITIONS[preset];
  return z.strictObject({
    ...common,
    preset: z.literal(preset),
    ...Object.fromEntries(Object.entries(fields).map(([field, spec]) => [field, fieldSchema(spec)])),
  });
}

const presetSchemas = Object.fromEntries(PRESETS.map((preset) => [preset, presetSchema(preset)])) as Record<
  Preset,
  ReturnType<typeof presetSchema>
>;

/** A valid account definition: its name, its preset, and the preset's fields that are set. */
export type AccountDefinition = { name: string; preset: Preset; [field: string]: unknown };

type Issue = { field: string; message: string };

/** Rules across fields that the per-field schemas cannot state: each preset's own, and `requiredUnless`. */
function crossFieldIssues(def: AccountDefinition, given: (field: string) => boolean): Issue[] {
  const issues: Issue[] = [];
  const definition: PresetDefinition = PRESET_DEFINITIONS[def.preset];
  for (const [field, spec] of Object.entries<FieldSpec>(definition.fields)) {
    const other = spec.requiredUnless;
    if (other && def[field] === undefined && def[other] === undefined)
      issues.push({ field, message: `is required unless ${other} is given` });
  }
  definition.rules?.({ values: def, given }, (field, message) => issues.push({ field, message }));
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
export function accountLabelOf(name: string, position: string | undefined): string {
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
  if (!isPreset(preset)) {
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
  const parsed = presetSchemas[preset].safeParse(filled);
  const fieldIssues = parsed.success ? [] : toIssues(parsed.error);
  // Cross-field rules only test presence and fixed values, so they also run on input that failed
  // field checks: every problem is reported at once, one per field.
  const flagged = new Set(fieldIssues.map((issue) => issue.field));
  const given = (field: string) => filled[field] !== undefined && filled[field] !== STORED_SECRET;
  const cross = crossFieldIssues(filled as AccountDefinition, given).filter(
    (issue) => !flagged.has(issue.field),
  );
  if (!parsed.success || cross.length > 0) return wrap([...fieldIssues, ...cross]);
  return { ok: true, definition: parsed.data as AccountDefinition, issues: [] };
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
