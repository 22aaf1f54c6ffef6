/**
 * The one IPC contract between main, preload and renderer. Every request channel is declared here
 * once with its arguments and result; main's handler map, the preload's allow-list and the
 * renderer's `window.tokentray` type are all derived from it. Results carry metadata only: the
 * single exception is `revealToken`, which the user asks for explicitly.
 */
import type {
  AccountInput,
  AccountView,
  ActivityEntry,
  ErrorInfo,
  SignInEvent,
  SignInKind,
  TestResult,
  ValidationIssue,
} from '../main/engine/types.js';

export type { AccountInput, AccountView, ActivityEntry, ErrorInfo, TestResult, ValidationIssue };
export type { SignInEvent, SignInKind };

/**
 * The presets as plain data (their fields, labels, defaults, when each field shows, the vendor
 * document): the window's account form is built from these, the same definitions the engine's
 * schema is derived from.
 */
export { PRESET_DEFINITIONS, PRESETS, conditionHolds } from '../main/engine/presets/definitions.js';
export type {
  FieldCondition,
  FieldKind,
  FieldOption,
  FieldSpec as PresetFieldSpec,
  Preset,
  PresetDefinition,
} from '../main/engine/presets/definitions.js';

export type CopyFormat = 'token' | 'header' | 'curl' | 'powershell';

/** How well secrets are protected at rest on this machine. */
export type StorageProtection = 'os' | 'passphrase' | 'weak';

export interface Settings {
  /** Seconds before a copied token is cleared from the clipboard; 0 = never. */
  clipboardClearSeconds: number;
  /** Default `notifyBeforeSeconds` for accounts that do not set one. */
  defaultNotifyBeforeSeconds: number;
  startAtLogin: boolean;
  /** The user accepted storing secrets under weak (obfuscation-only) protection. */
  persistWeakSecrets: boolean;
}

export interface AppInfo {
  version: string;
  platform: string;
  storageProtection: StorageProtection;
  /** Why protection is weak, and what accepting means (null when not weak). */
  storageWarning: string | null;
  /** How scripts call the CLI here, e.g. `tokentray`. */
  cliCommand: string;
  /** What start-up found that the user must know (a store moved aside and where to, unreadable secrets). */
  notices: string[];
  /** Accounts kept in the store but not loaded (a preset this version does not know): removable by name. */
  setAsideAccounts: string[];
}

export type SaveResult = { ok: true; account: AccountView } | { ok: false; issues: ValidationIssue[] };
export type ImportResult = { ok: true; imported: string[] } | { ok: false; issues: ValidationIssue[] };
export type ActionResult = { ok: true; account: AccountView } | { ok: false; error: ErrorInfo };
export type CopyResult = { ok: true; clearsInSeconds: number } | { ok: false; error: ErrorInfo };
export type RevealResult =
  | { ok: true; accessToken: string; tokenType: string; expiresAt: string | null }
  | { ok: false; error: ErrorInfo };
export type ExportResult = { saved: true; path: string } | { saved: false };

/**
 * A proxy on the way to the token servers asks for a user name and password (HTTP 407). Main
 * pushes one of these to the window, which asks the user and answers with `answerProxyLogin`.
 */
export interface ProxyLoginRequest {
  /** Names this prompt in the answer (a random UUID). */
  id: string;
  /** The proxy, as Chromium reports it. */
  host: string;
  port: number;
  /** What the proxy calls itself in its challenge (may be empty). */
  realm: string;
  /** The authentication scheme, lower case (`basic`, `digest`, `ntlm`, `negotiate`). */
  scheme: string;
}

/** What the user typed in the proxy sign-in dialog: kept in main's memory for the session, never stored. */
export interface ProxyCredentials {
  username: string;
  password: string;
}

/** What "Install command-line tool" did (main/desktop/cli-install.ts), in words for the user. */
export interface CliInstallResult {
  ok: boolean;
  message: string;
}

/**
 * Which interactive sign-in: a saved account's (Sign in…), or the one a form's Test connection runs,
 * named by the id the window chose for that request (a random UUID).
 */
export type SignInTarget = { account: string } | { test: string };

/** Where the person must go: the browser page Tokentray opened, or the device code and its link. */
export type SignInPrompt =
  Extract<SignInEvent, { stage: 'waiting-for-browser' }> | Extract<SignInEvent, { stage: 'device-code' }>;

/**
 * One interactive sign-in as the window shows it, pushed on every step (`signInProgress`) and
 * listed by `signInsInProgress` for a window that opens while it runs. Never a secret: the device
 * code is for the person to type, the URL is the one their browser gets.
 */
export interface SignInProgress {
  target: SignInTarget;
  /** Grows with each push about this sign-in: a window keeps the highest it has seen. */
  seq: number;
  status: 'running' | 'signed-in' | 'failed' | 'cancelled';
  /** What the person must do (null until the server said). Kept while polling and exchanging. */
  prompt: SignInPrompt | null;
  /** The latest step: the stage of the engine's last event, or `starting` before the first. */
  step: SignInEvent['stage'] | 'starting';
  /** Device code: how often the token endpoint was asked so far. */
  polls: number;
  /** Why it failed (`failed` only): what to do first, then the server's own words. */
  error: ErrorInfo | null;
}

export type SignInActionResult = { ok: true } | { ok: false; error: ErrorInfo };

/** Request channels: name → [arguments, result]. */
export interface Requests {
  listAccounts: { args: []; result: AccountView[] };
  validateAccount: { args: [input: AccountInput, originalName: string | null]; result: ValidationIssue[] };
  saveAccount: { args: [input: AccountInput, originalName: string | null]; result: SaveResult };
  removeAccount: { args: [name: string]; result: boolean };
  /**
   * Gets a token with the form's values, saving nothing. `signInId` (a random UUID the window
   * chose) names the sign-in an interactive grant runs: its progress comes as `signInProgress`
   * pushes for `{ test: signInId }`, and `cancelSignIn` ends it. Null for the other grants.
   */
  testConnection: {
    args: [input: AccountInput, originalName: string | null, signInId: string | null];
    result: TestResult;
  };
  renewAccount: { args: [name: string]; result: ActionResult };
  copyToken: { args: [name: string, format: CopyFormat]; result: CopyResult };
  revealToken: { args: [name: string]; result: RevealResult };
  accountActivity: { args: [name: string]; result: ActivityEntry[] };
  setCliAccess: { args: [name: string, enabled: boolean]; result: ActionResult };
  importAccounts: { args: [json: string]; result: ImportResult };
  exportAccounts: { args: [includeSecrets: boolean]; result: ExportResult };
  getSettings: { args: []; result: Settings };
  setSettings: { args: [patch: Partial<Settings>]; result: Settings };
  appInfo: { args: []; result: AppInfo };
  /** Whether scheduled renewals are paused (the tray's "Pause renewals"). */
  getPaused: { args: []; result: boolean };
  /** Pauses or resumes scheduled renewals; the result is the state now. */
  setPaused: { args: [paused: boolean]; result: boolean };
  /** Quits Tokentray (the tray's "Quit Tokentray"), for desktops that show no tray icon. */
  quit: { args: []; result: void };
  /** Puts the `tokentray` command on the user's PATH (like VS Code's "Install 'code' command"); says what it did. */
  installCliCommand: { args: []; result: CliInstallResult };
  /** The proxy sign-in prompts still waiting for an answer (a window that opens late shows them). */
  pendingProxyLogins: { args: []; result: ProxyLoginRequest[] };
  /** Answers a `proxyLogin` push: the credentials typed, or null when the user cancelled. False: no such prompt (any more). */
  answerProxyLogin: { args: [id: string, credentials: ProxyCredentials | null]; result: boolean };
  /**
   * Signs a saved interactive-grant account in (the browser or a device code); resolves once it is
   * signed in, failed or was cancelled. Progress comes as `signInProgress` pushes for `{ account }`.
   */
  signIn: { args: [name: string]; result: ActionResult };
  /** Cancels a running sign-in (an account's or a Test connection's). False: none was running. */
  cancelSignIn: { args: [target: SignInTarget]; result: boolean };
  /** The sign-ins running now (a window that opens late shows them). */
  signInsInProgress: { args: []; result: SignInProgress[] };
  /** Opens the running sign-in's page (the authorization URL, or the device code's link) in the system browser again. */
  openSignInPage: { args: [target: SignInTarget]; result: SignInActionResult };
  /** Copies the running device code sign-in's user code (main holds it; the window passes no text). */
  copySignInCode: { args: [target: SignInTarget]; result: SignInActionResult };
}

/** Push channels: main → renderer. */
export interface Pushes {
  accountsChanged: AccountView[];
  focusAccount: string;
  /** Renewals were paused (true) or resumed (false), from the tray or the window. */
  pausedChanged: boolean;
  /** The settings changed (from the tray, the window or another part of the app). */
  settingsChanged: Settings;
  /** A proxy asks for a user name and password: the window shows the sign-in dialog. */
  proxyLogin: ProxyLoginRequest;
  /** An interactive sign-in moved on (or ended): see SignInProgress. */
  signInProgress: SignInProgress;
}

export type RequestName = keyof Requests;
export type PushName = keyof Pushes;

/** IPC channel names, derived one-to-one from the contract. */
export const requestChannels = {
  listAccounts: 'tokentray:listAccounts',
  validateAccount: 'tokentray:validateAccount',
  saveAccount: 'tokentray:saveAccount',
  removeAccount: 'tokentray:removeAccount',
  testConnection: 'tokentray:testConnection',
  renewAccount: 'tokentray:renewAccount',
  copyToken: 'tokentray:copyToken',
  revealToken: 'tokentray:revealToken',
  accountActivity: 'tokentray:accountActivity',
  setCliAccess: 'tokentray:setCliAccess',
  importAccounts: 'tokentray:importAccounts',
  exportAccounts: 'tokentray:exportAccounts',
  getSettings: 'tokentray:getSettings',
  setSettings: 'tokentray:setSettings',
  appInfo: 'tokentray:appInfo',
  getPaused: 'tokentray:getPaused',
  setPaused: 'tokentray:setPaused',
  quit: 'tokentray:quit',
  installCliCommand: 'tokentray:installCliCommand',
  pendingProxyLogins: 'tokentray:pendingProxyLogins',
  answerProxyLogin: 'tokentray:answerProxyLogin',
  signIn: 'tokentray:signIn',
  cancelSignIn: 'tokentray:cancelSignIn',
  signInsInProgress: 'tokentray:signInsInProgress',
  openSignInPage: 'tokentray:openSignInPage',
  copySignInCode: 'tokentray:copySignInCode',
} as const satisfies Record<RequestName, string>;

export const pushChannels = {
  accountsChanged: 'tokentray:accountsChanged',
  focusAccount: 'tokentray:focusAccount',
  pausedChanged: 'tokentray:pausedChanged',
  settingsChanged: 'tokentray:settingsChanged',
  proxyLogin: 'tokentray:proxyLogin',
  signInProgress: 'tokentray:signInProgress',
} as const satisfies Record<PushName, string>;

/** A handler for every request: main's IPC layer and the UI test bridge both implement this. */
export type RequestHandlers = {
  [K in RequestName]: (...args: Requests[K]['args']) => Promise<Requests[K]['result']>;
};

type PushSubscribers = {
  [K in PushName as `on${Capitalize<K>}`]: (listener: (payload: Pushes[K]) => void) => () => void;
};

/** `window.tokentray` as the renderer sees it. */
export type TokentrayApi = RequestHandlers & PushSubscribers;

/** The push subscriber method for each push channel. */
export const pushSubscriberNames = {
  accountsChanged: 'onAccountsChanged',
  focusAccount: 'onFocusAccount',
  pausedChanged: 'onPausedChanged',
  settingsChanged: 'onSettingsChanged',
  proxyLogin: 'onProxyLogin',
  signInProgress: 'onSignInProgress',
} as const satisfies { [K in PushName]: `on${Capitalize<K>}` };
