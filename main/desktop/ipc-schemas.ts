/**
 * The payload schema of every request channel. The map's type makes a missing or mistyped channel
 * a compile error; account fields themselves are validated by the engine (the same rules as import).
 */
import { z } from 'zod';
import type { RequestName, Requests } from '../../preload/contract.js';
import { ACCOUNT_NAME_PATTERN } from '../engine/accounts/fields.js';
import { settingsPatchSchema } from './settings.js';

/** CONTRACT §1: 1–64 of `A-Z a-z 0-9 . _ -`, starting with a letter or a digit. */
const accountName = z.string().regex(ACCOUNT_NAME_PATTERN, 'not an account name');

/** The names of `names` the window may send back (removeAccount's schema): for AppInfo.setAsideAccounts. */
export function namesTheWindowMaySend(names: readonly string[]): string[] {
  return names.filter((name) => accountName.safeParse(name).success);
}
const originalName = accountName.nullable();
const accountInput = z.record(z.string(), z.unknown());
const copyFormat = z.enum(['token', 'header', 'curl', 'powershell']);
/** Import files are accepted up to at least 1 MiB (CONTRACT §1); a little headroom for whitespace. */
const IMPORT_MAX_CHARS = 4 * 1024 * 1024;
/** A proxy user name: no control characters (it ends up in a header Chromium builds). */
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
/** The proxy sign-in answer: what was typed, or null (cancelled). Messages never quote the value. */
const proxyCredentials = z
  .strictObject({
    username: z
      .string()
      .min(1, 'a user name is needed')
      .max(512, 'too long')
      .regex(NO_CONTROL_CHARACTERS, 'control characters are not allowed'),
    password: z.string().max(4096, 'too long'),
  })
  .nullable();

/** A sign-in id the window chose for one Test connection (a random UUID, as proxy prompt ids are). */
const signInId = z.uuid('not a sign-in id');
/** Which sign-in: a saved account's, or a Test connection's by its id. */
const signInTarget = z.union([z.strictObject({ account: accountName }), z.strictObject({ test: signInId })]);

export const requestSchemas: { [K in RequestName]: z.ZodType<Requests[K]['args']> } = {
  listAccounts: z.tuple([]),
  validateAccount: z.tuple([accountInput, originalName]),
  saveAccount: z.tuple([accountInput, originalName]),
  removeAccount: z.tuple([accountName]),
  testConnection: z.tuple([accountInput, originalName, signInId.nullable()]),
  renewAccount: z.tuple([accountName]),
  copyToken: z.tuple([accountName, copyFormat]),
  revealToken: z.tuple([accountName]),
  accountActivity: z.tuple([accountName]),
  setCliAccess: z.tuple([accountName, z.boolean()]),
  importAccounts: z.tuple([z.string().max(IMPORT_MAX_CHARS)]),
  exportAccounts: z.tuple([z.boolean()]),
  getSettings: z.tuple([]),
  setSettings: z.tuple([settingsPatchSchema]),
  appInfo: z.tuple([]),
  getPaused: z.tuple([]),
  setPaused: z.tuple([z.boolean()]),
  quit: z.tuple([]),
  installCliCommand: z.tuple([]),
  pendingProxyLogins: z.tuple([]),
  answerProxyLogin: z.tuple([z.uuid('not a prompt id'), proxyCredentials]),
  signIn: z.tuple([accountName]),
  cancelSignIn: z.tuple([signInTarget]),
  signInsInProgress: z.tuple([]),
  openSignInPage: z.tuple([signInTarget]),
  copySignInCode: z.tuple([signInTarget]),
};

/** One name per element of an argument tuple (a homomorphic mapped type keeps it a tuple). */
type ArgumentNames<Args> = { readonly [I in keyof Args]: string };

/** The name of each argument, so a rejection says which field was wrong. */
export const argumentNames: { [K in RequestName]: ArgumentNames<Requests[K]['args']> } = {
  listAccounts: [],
  validateAccount: ['input', 'originalName'],
  saveAccount: ['input', 'originalName'],
  removeAccount: ['name'],
  testConnection: ['input', 'originalName', 'signInId'],
  renewAccount: ['name'],
  copyToken: ['name', 'format'],
  revealToken: ['name'],
  accountActivity: ['name'],
  setCliAccess: ['name', 'enabled'],
  importAccounts: ['json'],
  exportAccounts: ['includeSecrets'],
  getSettings: [],
  setSettings: ['patch'],
  appInfo: [],
  getPaused: [],
  setPaused: ['paused'],
  quit: [],
  installCliCommand: [],
  pendingProxyLogins: [],
  answerProxyLogin: ['id', 'credentials'],
  signIn: ['name'],
  cancelSignIn: ['target'],
  signInsInProgress: [],
  openSignInPage: ['target'],
  copySignInCode: ['target'],
};

/** A one-line description of why `args` do not fit `name`'s schema, naming the argument and field. */
export function describeIssues(name: RequestName, issues: z.core.$ZodIssue[]): string {
  const names = argumentNames[name] as readonly string[];
  const parts = issues.map((issue) => {
    const [index, ...rest] = issue.path;
    if (typeof index !== 'number') return issue.message;
    const field = [names[index] ?? `argument ${index + 1}`, ...rest.map(String)].join('.');
    return `${field}: ${issue.message}`;
  });
  return `invalid arguments for ${name}: ${parts.join('; ')}`;
}
