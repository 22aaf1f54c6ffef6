/**
 * The tray as plain data: icon state, tooltip and menu entries computed from engine state. The
 * desktop adapter only turns this into an Electron `Menu`, so everything a user reads in the tray
 * is tested here without Electron.
 */
import type { TokenFormat } from './formats.js';
import type { AccountView } from './types.js';

/** all good · something expiring or retrying · something needs the user · no accounts. */
export type TrayIconState = 'ok' | 'attention' | 'needs-user' | 'empty';

/** How secrets are stored this session, as the tray shows it. */
export interface TrayStorageStatus {
  /** `unavailable`: the keyring did not answer, stored secrets are not loaded. */
  protection: 'os' | 'passphrase' | 'weak' | 'unavailable';
  /** False when secrets are kept in memory only for this session. */
  persisting: boolean;
}

export interface TrayOptions {
  paused: boolean;
  startAtLogin: boolean;
  storage: TrayStorageStatus;
}

/** What a menu entry does when clicked; the adapter maps it to engine and window calls. */
export type TrayAction =
  | { kind: 'copy'; account: string; format: TokenFormat }
  | { kind: 'renew'; account: string }
  | { kind: 'renew-all' }
  | { kind: 'toggle-pause' }
  | { kind: 'open-window'; account: string | null }
  | { kind: 'toggle-start-at-login' }
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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;
const LABEL_MAX = 60;

/** A coarse, minute-granular duration ("13 d", "5 h", "4 min"), so countdowns change at most once a minute. */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)} d`;
  if (ms >= 2 * HOUR) return `${Math.floor(ms / HOUR)} h`;
  if (ms >= MINUTE) return `${Math.floor(ms / MINUTE)} min`;
  return '< 1 min';
}

function msUntil(iso: string | null, now: number): number | null {
  if (iso === null) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : at - now;
}

/** The one-line status an account shows in the tray ("valid · 13 d left", "renewing…", …). */
export function accountStatus(view: AccountView, now: number): AccountStatus {
  if (view.lockedSecrets.length > 0 && (view.needsUser || view.errorCode === null)) {
    return {
      text: `secret needed again: ${view.errorCode ?? 'cannot be decrypted here'}`,
      severity: 'needs-user',
    };
  }
  if (view.needsUser)
    return { text: `sign-in needed: ${view.errorCode ?? 'check the account'}`, severity: 'needs-user' };
  const left = msUntil(view.expiresAt, now);
  switch (view.state) {
    case 'refreshing':
      return { text: 'renewing…', severity: 'ok' };
    case 'error': {
      const retry = msUntil(view.nextRefreshAt, now);
      const retryText =
        retry === null ? '' : retry > 0 ? ` · retry in ${formatDuration(retry)}` : ' · retrying';
      return { text: `renewal failed: ${view.errorCode ?? 'error'}${retryText}`, severity: 'attention' };
    }
    case 'expired':
      return { text: 'expired', severity: view.renewable ? 'attention' : 'needs-user' };
    case 'expiring':
      return {
        text: left === null ? 'expiring' : `expires in ${formatDuration(Math.max(0, left))}`,
        severity: 'attention',
      };
    case 'unknown-expiry':
      return { text: 'valid · expiry unknown', severity: 'ok' };
    case 'valid':
      return {
        text: left === null ? 'valid' : `valid · ${formatDuration(Math.max(0, left))} left`,
        severity: 'ok',
      };
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function accountEntry(view: AccountView, status: AccountStatus): TrayMenuEntry {
  const usable = !(view.needsUser || (view.state === 'expired' && !view.renewable));
  const copy = (label: string, format: TokenFormat): TrayMenuEntry => ({
    type: 'action',
    label,
    enabled: usable,
    action: { kind: 'copy', account: view.name, format },
  });
  const entries: TrayMenuEntry[] = [{ type: 'label', label: status.text }];
  if (view.label !== null) entries.push({ type: 'label', label: truncate(view.label, LABEL_MAX) });
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
      enabled: view.renewable,
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

/** Computes the tray's icon, tooltip and menu from the accounts and app state at `now`. */
export function trayModel(accounts: AccountView[], now: number, opts: TrayOptions): TrayModel {
  const sorted = [...accounts].sort((a, b) => a.name.localeCompare(b.name));
  const statuses = sorted.map((view) => accountStatus(view, now));
  const storage = storageLine(opts.storage);

  const menu: TrayMenuEntry[] = [];
  if (storage !== null) menu.push({ type: 'label', label: storage.label });
  if (opts.paused) menu.push({ type: 'label', label: 'Renewals paused' });
  if (menu.length > 0) menu.push({ type: 'separator' });

  if (sorted.length === 0) {
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
    sorted.forEach((view, i) => menu.push(accountEntry(view, statuses[i] as AccountStatus)));
  }

  menu.push(
    { type: 'separator' },
    {
      type: 'action',
      label: 'Renew all',
      enabled: sorted.some((a) => a.renewable),
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
    { type: 'separator' },
    { type: 'action', label: 'Quit Tokentray', enabled: true, action: { kind: 'quit' } },
  );

  const severities = statuses.map((s) => s.severity);
  if (storage !== null) severities.push(storage.severity);
  if (opts.paused && sorted.length > 0) severities.push('attention');
  const icon: TrayIconState =
    sorted.length === 0 && storage?.severity !== 'needs-user' ? 'empty' : worst(severities);
  const tooltipParts = [summary(statuses, opts.paused)];
  if (storage !== null && storage.severity !== 'ok') tooltipParts.push(storage.label.replace(/^⚠ /, ''));
  const tooltip = truncate(`Tokentray: ${tooltipParts.join(' · ')}`, TOOLTIP_MAX);
  return { icon, tooltip, menu };
}
