/**
 * The engine's public types: what the desktop shell, the agent, the IPC contract and the tests
 * see. No secret ever appears in a view type; only `IssuedToken` carries one, on request.
 */

/** The presets (CONTRACT §1), listed once: presets/definitions.ts. */
export { PRESETS, type Preset } from './presets/definitions.js';
import type { Preset } from './presets/definitions.js';

/** CONTRACT §2: the states `list --json` reports. */
export const ACCOUNT_STATES = [
  'valid',
  'expiring',
  'refreshing',
  'expired',
  'error',
  'unknown-expiry',
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** Wall clock plus one way to be called back: the engine never calls Date.now() or setTimeout. */
export interface Clock {
  now(): number;
  /** Calls `run` at wall time `ms` (or soon after); returns a cancel function. */
  at(ms: number, run: () => void): () => void;
  /**
   * Milliseconds from an arbitrary origin that never step backwards (performance.now()). A token's
   * age is the older of what this and the wall clock say. Without it the engine uses
   * performance.now() itself.
   */
  monotonic?(): number;
}

/** Encrypts secrets at rest. `id` is recorded beside every ciphertext it writes. */
export interface Cipher {
  readonly id: string;
  /** True when a ciphertext that was altered cannot decrypt (AES-GCM): then a value sealed before bindings may be read. */
  readonly authenticated?: boolean;
  encrypt(plain: string): Promise<Uint8Array>;
  /** Decrypts; calls `onStale` when the value should be encrypted again (the OS rotated its key). */
  decrypt(data: Uint8Array, onStale?: () => void): Promise<string>;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Plain JSON value of a non-secret account field as saved. */
export type FieldValue = string | number | boolean | Record<string, string>;

/** An account definition as typed by a person or an import file, before validation. */
export type AccountInput = Record<string, unknown>;

/** One validation problem: which account (name or index), which field, what is wrong. */
export interface ValidationIssue {
  account: string;
  field: string;
  message: string;
}

/** Everything a view may know about an account: metadata only, never a secret. */
export interface AccountView {
  name: string;
  preset: Preset;
  label: string | null;
  state: AccountState;
  expiresAt: string | null;
  lastRefreshAt: string | null;
  nextRefreshAt: string | null;
  /** The last attempt's failure, as a person should read it (the server's own words included). */
  error: string | null;
  errorCode: string | null;
  /** True when only the user can fix it: bad credentials, a secret that no longer decrypts. */
  needsUser: boolean;
  /** False for `static` accounts and accounts waiting on the user. */
  renewable: boolean;
  cliAccess: boolean;
  notifyBeforeSeconds: number;
  /** Non-secret fields as saved (defaults not filled in). */
  settings: Record<string, FieldValue>;
  /** Names of secret fields holding a stored value. */
  storedSecrets: string[];
  /** Secret fields whose stored value cannot be decrypted here and must be entered again. */
  lockedSecrets: string[];
  tokenType: string | null;
  scope: string | null;
  /**
   * How a person signs this account in, when its grant needs one (`authorization_code`: the
   * browser; `device_code`: a code entered on another device); null for every other grant.
   */
  signIn: SignInKind | null;
  /** True when an interactive-grant account has no usable refresh token: only Sign in… helps. */
  signInNeeded: boolean;
  /** A refresh token from the server is stored (the account renews without its user). */
  hasRefreshToken: boolean;
}

export type SignInKind = 'browser' | 'device';

/** Progress of an interactive sign-in, for the window, the tray and the CLI (never a secret). */
export type SignInEvent =
  | {
      stage: 'waiting-for-browser';
      /** Where the browser was sent (or, with `openBrowser: false`, where the person must go). */
      authorizationUrl: string;
      redirectUri: string;
      /** ISO 8601: the sign-in fails with `timeout` after this. */
      deadline: string;
      /** False when the browser was not opened for the person (CLI without --browser). */
      browserOpened: boolean;
    }
  | {
      stage: 'device-code';
      userCode: string;
      verificationUri: string;
      verificationUriComplete: string | null;
      /** ISO 8601. */
      expiresAt: string;
      intervalSeconds: number;
    }
  | { stage: 'polling'; attempt: number }
  | { stage: 'slow-down'; intervalSeconds: number }
  | { stage: 'exchanging-code' };

export interface SignInOptions {
  onEvent?: (event: SignInEvent) => void;
  /** Cancel: the sign-in fails with SignInError `aborted`, nothing is saved. */
  signal?: AbortSignal;
  /** Browser sign-in only: false = do not open a browser, only report the URL (default true). */
  openBrowser?: boolean;
}

/** CONTRACT §2 `list --json` entry. */
export interface AccountListEntry {
  name: string;
  preset: Preset;
  state: AccountState;
  expiresAt: string | null;
  lastRefreshAt: string | null;
  nextRefreshAt: string | null;
  error: string | null;
}

/** A token handed to a caller who asked for it (copy, reveal, CLI). */
export interface IssuedToken {
  /** The account's name as saved (a caller may have spelt it in another case). */
  name: string;
  accessToken: string;
  tokenType: string;
  expiresAt: string | null;
}

export type TokenPurpose = 'cli' | 'copy' | 'reveal' | 'scheduler' | 'manual';

export interface TokenRequestOptions {
  minValidSeconds?: number | undefined;
  purpose?: TokenPurpose;
  rejected?: boolean;
}

export type ActivityKind = 'renewed' | 'failed' | 'copied' | 'revealed' | 'served' | 'saved' | 'imported';
export interface ActivityEntry {
  at: string;
  kind: ActivityKind;
  detail: string;
}

/** What "Test connection" shows; the token itself stays in main. */
export type TestResult =
  | {
      ok: true;
      tokenType: string;
      expiresAt: string | null;
      lifetimeSeconds: number | null;
      scope: string | null;
      hasRefreshToken: boolean;
      /** The refresh token typed in was spent; saving the form now keeps what came back instead. */
      spentRefreshToken: boolean;
      /**
       * An interactive grant signed in for real: its tokens (refresh token included) are kept if
       * the form is saved unchanged within 15 minutes, so the account needs no second sign-in.
       */
      signedIn: boolean;
      /** Decoded, never verified. */
      jwt: { header: Record<string, unknown>; claims: Record<string, unknown> } | null;
    }
  | { ok: false; error: ErrorInfo };

/** A failure as every view renders it. */
export interface ErrorInfo {
  code: string;
  message: string;
  /** The token server's own words, when it gave any. */
  serverMessage: string | null;
  status: number | null;
}

export type EngineEvent =
  | { type: 'state'; account: AccountView }
  | { type: 'renewed'; name: string }
  | { type: 'added'; name: string }
  | { type: 'removed'; name: string };

/** The token engine as its hosts (tray app, headless agent, UI test bridge) use it. */
export interface Engine {
  /** Loads the store and starts the scheduler. */
  start(): Promise<void>;
  /** Stops the scheduler and waits for in-flight renewals and writes. */
  stop(): Promise<void>;
  list(): AccountView[];
  view(name: string): AccountView | undefined;
  /** Checks an input the way save and import do; an empty list means valid. */
  validate(input: AccountInput, opts?: { originalName?: string }): ValidationIssue[];
  /** Adds or edits one account. Secret fields left out keep their stored value. Throws ValidationError. */
  saveAccount(input: AccountInput, opts?: { originalName?: string }): Promise<AccountView>;
  /**
   * CONTRACT §1 import: validated whole first, then every account added or replaced. A replaced
   * account is exactly what the file says: stored secrets the file leaves out are not kept.
   * Throws ValidationError.
   */
  importAccounts(file: unknown): Promise<AccountView[]>;
  /** CONTRACT §1 format; secrets only when asked. */
  exportAccounts(opts: { includeSecrets: boolean }): Promise<{ accounts: Record<string, unknown>[] }>;
  /** Removes the account (or a record set aside at start); resolves to its stored name, or null. */
  removeAccount(name: string): Promise<string | null>;
  setCliAccess(name: string, enabled: boolean): Promise<AccountView>;
  /**
   * A token valid for at least `minValidSeconds` (default 60), renewed first if needed. `rejected`:
   * the caller's API refused the token it had (RFC 6750 invalid_token), so renew now, at most once
   * every 30 s per account. Throws NoSuchAccountError, CliAccessDeniedError, TokenError.
   */
  token(name: string, opts?: TokenRequestOptions): Promise<IssuedToken>;
  /**
   * What token() would answer, now, when it has nothing to wait for: the token held in memory is
   * valid for at least `minValidSeconds` and nothing is owed first (a rejected token, an unsaved
   * record). Null when token() must be asked. Refuses as token() does (NoSuchAccountError,
   * CliAccessDeniedError), and is recorded as token() is. A script's cached token is so answered
   * in the turn its request arrived (issue #10).
   */
  heldToken(name: string, opts?: TokenRequestOptions): IssuedToken | null;
  /** Renews now whatever the expiry; a static account returns its view unchanged. Throws TokenError. */
  refresh(name: string): Promise<AccountView>;
  /**
   * Gets a token with these values without saving anything. `originalName` lends stored secrets.
   * For an interactive grant it signs in for real (progress through `onEvent`, cancelled by
   * `signal`); the refresh token it got is kept if the form is saved within 15 minutes.
   */
  testConnection(input: AccountInput, opts?: { originalName?: string } & SignInOptions): Promise<TestResult>;
  /**
   * Interactive sign-in for an `authorization_code` or `device_code` account: runs the flow, stores
   * the refresh token (persisted before the access token is handed out) and the token, and clears
   * "sign-in needed". The account's settings are untouched. Throws NoSuchAccountError, a
   * SignInError (interactive/errors.ts) for a failed or cancelled sign-in, or a TokenError with
   * code `not_interactive` when the account's grant needs no person.
   */
  signIn(name: string, opts?: SignInOptions): Promise<AccountView>;
  activity(name: string): ActivityEntry[];
  /** Re-checks every deadline now (after resume, unlock, network regained, a clock jump). */
  reconcile(): void;
  setPaused(paused: boolean): void;
  /** Settings that apply to every account that does not set its own value. */
  configure(settings: { defaultNotifyBeforeSeconds?: number }): void;
  readonly paused: boolean;
  /** Problems with the store found by start() that the user must be told about (empty: none). */
  readonly notices: readonly string[];
  /** Names of records kept in the store but not loaded (a preset this version does not know). */
  readonly setAside: readonly string[];
  on(listener: (event: EngineEvent) => void): () => void;
}
