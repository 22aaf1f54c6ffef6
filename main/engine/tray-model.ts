/**
 * The tray as plain data: icon state, tooltip and menu entries computed from engine state. The
 * desktop adapter only turns this into an Electron `Menu`, so everything a user reads in the tray
 * is tested here without Electron.
 */
import type { TokenFormat } from './formats.js';
import type { AccountState, AccountView } from './types.js';

/** all good · something expiring or retrying · something needs the user · no accounts. */
export type TrayIconState = 'ok' | 'attention' | 'needs-user' | 'empty';

/** How secrets are stored this session, as the tray shows it. */
export interface TrayStorageStatus {
  /** `unavailable`: the keyring did not answer, stored secrets are not loaded. */
  protection: 'os' | 'passphrase' | 'weak' | 'unavailable';
  /** False when secrets are kept in memory only for this session. */
  persisting: boolean;
}

/**
 * The command-line tool's item: offered ("Install command-line tool"), or already installed by the
 * package (the deb's /usr/bin/tokentray), named so. Absent: no item (a checkout has no executable).
 */
export type TrayCliTool = { kind: 'offer' } | { kind: 'installed'; command: string };

export interface TrayOptions {
  paused: boolean;
  startAtLogin: boolean;
  storage: TrayStorageStatus;
  /** When the tray first saw each running renewal (see `trackRenewals`); a renewal not in it shows at once. */
  renewingSince: ReadonlyMap<string, number>;
  /** The "Install command-line tool" item (main/desktop/cli-install.ts); none when absent. */
  cliTool?: TrayCliTool | null;
}

/** What a menu entry does when clicked; the adapter maps it to engine and window calls. */
export type TrayAction =
  | { kind: 'copy'; account: string; format: TokenFormat }
  | { kind: 'renew'; account: string }
  /** Interactive sign-in (browser or device code): the window opens on the account and shows it. */
  | { kind: 'sign-in'; account: string }
  | { kind: 'renew-all' }
  | { kind: 'toggle-pause' }
  | { kind: 'open-window'; account: string | null }
  | { kind: 'toggle-start-at-login' }
  | { kind: 'install-cli' }
  | { kind: 'quit' };

export type TrayMenuEntry =
  | { type: 'separator' }
  /** A line of information, shown disabled. */
  | { type: 'label'; label: string }
  | { type: 'action'; label: string; enabled: boolean; action: TrayAction }
  | { type: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  | { type: 'submenu'; label: string; entries: TrayMenuEntry[] };

export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  menu: TrayMenuEntry[];
}

type Severity = 'ok' | 'attention' | 'needs-user';

export interface AccountStatus {
  text: string;
  severity: Severity;
}

/** What an account's tray status depends on besides its view and the time. */
export interface StatusContext {
  paused: boolean;
  /** When the tray first saw the account's running renewal; null when unknown (it shows at once). */
  renewingSince: number | null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;
const LABEL_MAX = 60;

/**
 * How long a renewal runs before the tray says "renewing…". Most renewals take a second or two;
 * flipping the text to "renewing…" and back for those would rebuild the menu twice (and replace a
 * menu the user has open) to show something already over. Until then the account keeps showing
 * what it showed before the renewal began: its old token is still what a copy would hand out. A
 * renewal that lasts longer (a slow or hanging token server) is worth seeing.
 */
export const RENEWING_SHOWN_AFTER_MS = 5_000;

/** At most this many accounts are listed in the menu; the rest are counted in one item that opens the window. */
export const TRAY_ACCOUNTS_MAX = 10;

/** A coarse, minute-granular duration ("13 d", "5 h", "4 min"), as notifications word it; the menu uses `trayDuration`. */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)} d`;
  if (ms >= 2 * HOUR) return `${Math.floor(ms / HOUR)} h`;
  if (ms >= MINUTE) return `${Math.floor(ms / MINUTE)} min`;
  return '< 1 min';
}

/**
 * A duration at the scale a person reads it in a tray menu, rounded down so it never promises more
 * time than is left: days from one day on, hours from one hour on, minutes below that (in steps of
 * five from 10 min, whole minutes below 10 min). The text thus changes once a day, once an hour, or
 * at most every five minutes until the last ten, not with every minute of a countdown.
 */
export function trayDuration(ms: number): string {
  if (ms >= DAY) return `${Math.floor(ms / DAY)} d`;
  if (ms >= HOUR) return `${Math.floor(ms / HOUR)} h`;
  if (ms >= 10 * MINUTE) return `${Math.floor(ms / (5 * MINUTE)) * 5} min`;
  if (ms >= MINUTE) return `${Math.floor(ms / MINUTE)} min`;
  return '< 1 min';
}

function msUntil(iso: string | null, now: number): number | null {
  if (iso === null) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : at - now;
}

/** True once a renewal first seen at `since` has run long enough to be shown (see RENEWING_SHOWN_AFTER_MS). */
export function renewalShows(since: number | null, now: number): boolean {
  return since === null || now - since >= RENEWING_SHOWN_AFTER_MS;
}

/**
 * When each running renewal was first seen: kept from `previous` while it runs, `now` for one
 * that just began, dropped once it has ended. The tray adapter carries this from one look to the next.
 */
export function trackRenewals(
  previous: ReadonlyMap<string, number>,
  accounts: AccountView[],
  now: number,
): Map<string, number> {
  return new Map(
    accounts.filter((v) => v.state === 'refreshing').map((v) => [v.name, previous.get(v.name) ?? now]),
  );
}

/**
 * The state an account in a running renewal had before it began, as far as its view tells (the
 * view still carries the old token's expiry and the last failure): what a short renewal keeps showing.
 */
export function settledState(view: AccountView, now: number, paused: boolean): AccountState {
  if (view.errorCode !== null) return 'error';
  const left = msUntil(view.expiresAt, now);
  if (left === null) return view.tokenType === null ? 'expired' : 'unknown-expiry';
  if (left <= 0) return 'expired';
  const cannotRenew = !view.renewable || paused;
  return cannotRenew && left <= view.notifyBeforeSeconds * 1000 ? 'expiring' : 'valid';
}

const NO_CONTEXT: StatusContext = { paused: false, renewingSince: null };

/** The one-line status an account shows in the tray ("valid · 13 d left", "renewing…", …). */
export function accountStatus(
  view: AccountView,
  now: number,
  context: StatusContext = NO_CONTEXT,
): AccountStatus {
  if (view.lockedSecrets.length > 0 && (view.needsUser || view.errorCode === null)) {
    return {
      text: `secret needed again: ${view.errorCode ?? 'cannot be decrypted here'}`,
      severity: 'needs-user',
    };
  }
  // An interactive grant with no usable refresh token: only the person's Sign in… helps.
  if (view.signInNeeded) return { text: 'sign-in needed', severity: 'needs-user' };
  if (view.needsUser)
    return { text: `sign-in needed: ${view.errorCode ?? 'check the account'}`, severity: 'needs-user' };
  const left = msUntil(view.expiresAt, now);
  switch (view.state) {
    case 'refreshing':
      if (renewalShows(context.renewingSince, now)) return { text: 'renewing…', severity: 'ok' };
      return accountStatus({ ...view, state: settledState(view, now, context.paused) }, now, context);
    case 'error': {
      const retry = msUntil(view.nextRefreshAt, now);
      const retryText =
        retry === null ? '' : retry > 0 ? ` · retry in ${trayDuration(retry)}` : ' · retrying';
      return { text: `renewal failed: ${view.errorCode ?? 'error'}${retryText}`, severity: 'attention' };
    }
    case 'expired':
      return { text: 'expired', severity: view.renewable ? 'attention' : 'needs-user' };
    case 'expiring':
      return {
        text: left === null ? 'expiring' : `expires in ${trayDuration(Math.max(0, left))}`,
        severity: 'attention',
      };
    case 'unknown-expiry':
      return { text: 'valid · expiry unknown', severity: 'ok' };
    case 'valid':
      return {
        text: left === null ? 'valid' : `valid · ${trayDuration(Math.max(0, left))} left`,
        severity: 'ok',
      };
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** True when the account holds a token a copy could hand out as it is (or renew by itself). */
function copyable(view: AccountView): boolean {
  if (view.needsUser || (view.state === 'expired' && !view.renewable)) return false;
  // Waiting for a sign-in: only a token that is still valid can be copied.
  return !view.signInNeeded || view.state === 'valid' || view.state === 'expiring';
}

function accountEntry(view: AccountView, status: AccountStatus): TrayMenuEntry {
  const usable = copyable(view);
  const copy = (label: string, format: TokenFormat): TrayMenuEntry => ({
    type: 'action',
    label,
    enabled: usable,
    action: { kind: 'copy', account: view.name, format },
  });
  const entries: TrayMenuEntry[] = [{ type: 'label', label: status.text }];
  if (view.label !== null) entries.push({ type: 'label', label: truncate(view.label, LABEL_MAX) });
  if (view.signInNeeded) {
    entries.push({
      type: 'action',
      label: 'Sign in…',
      enabled: true,
      action: { kind: 'sign-in', account: view.name },
    });
  }
  entries.push(
    { type: 'separator' },
    copy('Copy token', 'token'),
    copy('Copy Authorization header', 'header'),
    copy('Copy as curl', 'curl'),
    copy('Copy as PowerShell', 'powershell'),
    { type: 'separator' },
    {
      type: 'action',
      label: 'Renew now',
      enabled: view.renewable && !view.signInNeeded,
      action: { kind: 'renew', account: view.name },
    },
    { type: 'action', label: 'Open…', enabled: true, action: { kind: 'open-window', account: view.name } },
  );
  return { type: 'submenu', label: `${view.name} — ${status.text}`, entries };
}

function storageLine(storage: TrayStorageStatus): { label: string; severity: Severity } | null {
  if (storage.protection === 'unavailable') {
    return { label: '⚠ Keyring unavailable: stored secrets not loaded', severity: 'needs-user' };
  }
  if (storage.protection === 'weak' && !storage.persisting) {
    return { label: '⚠ No keyring: secrets kept in memory only', severity: 'attention' };
  }
  if (storage.protection === 'weak')
    return { label: 'Secrets only obfuscated on disk (no keyring)', severity: 'ok' };
  return null;
}

function worst(severities: Severity[]): Severity {
  if (severities.includes('needs-user')) return 'needs-user';
  if (severities.includes('attention')) return 'attention';
  return 'ok';
}

function summary(statuses: AccountStatus[], paused: boolean): string {
  if (statuses.length === 0) return 'no accounts';
  const needUser = statuses.filter((s) => s.severity === 'needs-user').length;
  const attention = statuses.filter((s) => s.severity === 'attention').length;
  const parts: string[] = [];
  if (needUser > 0) parts.push(`${needUser} need${needUser === 1 ? 's' : ''} you`);
  if (attention > 0) parts.push(`${attention} expiring or retrying`);
  if (parts.length === 0)
    parts.push(statuses.length === 1 ? 'token valid' : `all ${statuses.length} tokens valid`);
  if (paused) parts.push('renewals paused');
  return parts.join(' · ');
}

interface Listed {
  view: AccountView;
  status: AccountStatus;
}

const URGENCY: Record<Severity, number> = { 'needs-user': 0, attention: 1, ok: 2 };

/** Wall time of the account's expiry; +Infinity when unknown or absent, so those sort last. */
function expiryOf(view: AccountView): number {
  const at = view.expiresAt === null ? Number.NaN : Date.parse(view.expiresAt);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Most urgent first: accounts that need the user (sign-in, a secret to enter again, an expired
 * token only they can replace), then failing or expiring ones, then the rest; within each, the
 * soonest expiry first (unknown last), then by name.
 */
function byUrgency(a: Listed, b: Listed): number {
  return (
    compare(URGENCY[a.status.severity], URGENCY[b.status.severity]) ||
    compare(expiryOf(a.view), expiryOf(b.view)) ||
    a.view.name.localeCompare(b.view.name)
  );
}

/** The account submenus, most urgent first, capped at TRAY_ACCOUNTS_MAX plus one item for the rest. */
function accountEntries(listed: Listed[]): TrayMenuEntry[] {
  const shown = listed.slice(0, TRAY_ACCOUNTS_MAX).map(({ view, status }) => accountEntry(view, status));
  const hidden = listed.length - TRAY_ACCOUNTS_MAX;
  if (hidden <= 0) return shown;
  return [
    ...shown,
    {
      type: 'action',
      label: `${hidden} more — Manage accounts…`,
      enabled: true,
      action: { kind: 'open-window', account: null },
    },
  ];
}

/** The command-line tool's entry: an action that installs it, or a line saying the package did. */
function cliToolEntry(tool: TrayCliTool): TrayMenuEntry {
  if (tool.kind === 'installed')
    return { type: 'label', label: truncate(`Command-line tool installed: ${tool.command}`, LABEL_MAX) };
  return {
    type: 'action',
    label: 'Install command-line tool',
    enabled: true,
    action: { kind: 'install-cli' },
  };
}

/** Computes the tray's icon, tooltip and menu from the accounts and app state at `now`. */
export function trayModel(accounts: AccountView[], now: number, opts: TrayOptions): TrayModel {
  const listed = accounts
    .map((view): Listed => {
      const renewingSince = opts.renewingSince.get(view.name) ?? null;
      return { view, status: accountStatus(view, now, { paused: opts.paused, renewingSince }) };
    })
    .sort(byUrgency);
  const statuses = listed.map((l) => l.status);
  const storage = storageLine(opts.storage);

  const menu: TrayMenuEntry[] = [];
  if (storage !== null) menu.push({ type: 'label', label: storage.label });
  if (opts.paused) menu.push({ type: 'label', label: 'Renewals paused' });
  if (menu.length > 0) menu.push({ type: 'separator' });

  if (listed.length === 0) {
    menu.push(
      { type: 'label', label: 'No accounts yet' },
      {
        type: 'action',
        label: 'Add an account…',
        enabled: true,
        action: { kind: 'open-window', account: null },
      },
    );
  } else {
    menu.push(...accountEntries(listed));
  }

  menu.push(
    { type: 'separator' },
    {
      type: 'action',
      label: 'Renew all',
      enabled: accounts.some((a) => a.renewable),
      action: { kind: 'renew-all' },
    },
    { type: 'checkbox', label: 'Pause renewals', checked: opts.paused, action: { kind: 'toggle-pause' } },
    {
      type: 'action',
      label: 'Manage accounts…',
      enabled: true,
      action: { kind: 'open-window', account: null },
    },
    {
      type: 'checkbox',
      label: 'Start at login',
      checked: opts.startAtLogin,
      action: { kind: 'toggle-start-at-login' },
    },
  );
  if (opts.cliTool) menu.push(cliToolEntry(opts.cliTool));
  menu.push(
    { type: 'separator' },
    { type: 'action', label: 'Quit Tokentray', enabled: true, action: { kind: 'quit' } },
  );

  const severities = statuses.map((s) => s.severity);
  if (storage !== null) severities.push(storage.severity);
  if (opts.paused && accounts.length > 0) severities.push('attention');
  const icon: TrayIconState =
    accounts.length === 0 && storage?.severity !== 'needs-user' ? 'empty' : worst(severities);
  const tooltipParts = [summary(statuses, opts.paused)];
  if (storage !== null && storage.severity !== 'ok') tooltipParts.push(storage.label.replace(/^⚠ /, ''));
  const tooltip = truncate(`Tokentray: ${tooltipParts.join(' · ')}`, TOOLTIP_MAX);
  return { icon, tooltip, menu };
}
