/** How an account's state reads in the list and the details: badge text, colour, a short reason. Pure. */
import type { AccountView } from '../../preload/contract.js';
import { formatDuration } from './time.js';

const STATE_LABELS: Record<AccountView['state'], string> = {
  valid: 'Valid',
  expiring: 'Expiring',
  refreshing: 'Renewing',
  expired: 'Expired',
  error: 'Error',
  'unknown-expiry': 'Unknown expiry',
};

/** Short words for the engine's stable error codes; the full message (with the server's words) is in the details. */
const REASONS: Record<string, string> = {
  invalid_client: 'Client ID or secret rejected',
  invalid_grant: 'Sign-in rejected',
  unauthorized_client: 'Client may not use this grant',
  invalid_scope: 'Scope rejected',
  unsupported_grant_type: 'Grant type not supported',
  invalid_request: 'Request rejected',
  locked_secret: 'A secret must be entered again',
  network: 'Server unreachable',
  timeout: 'No answer in time',
  tls: 'TLS certificate rejected',
  discovery: 'Discovery failed',
  insecure_url: 'Insecure URL refused',
  expired: 'Pasted token expired',
};

/** The badge text for an account's state. */
export function stateLabel(view: AccountView): string {
  return view.needsUser ? 'Needs you' : STATE_LABELS[view.state];
}

/** The badge's colour family. */
export function stateTone(view: AccountView): 'danger' | 'warning' | 'info' | 'neutral' | 'success' {
  if (view.needsUser || view.state === 'error' || view.state === 'expired') return 'danger';
  if (view.state === 'expiring') return 'warning';
  if (view.state === 'refreshing') return 'info';
  if (view.state === 'unknown-expiry') return 'neutral';
  return 'success';
}

/** A few words on why the last attempt failed, for a list row. */
export function shortReason(view: AccountView): string {
  if (view.lockedSecrets.length > 0) return REASONS.locked_secret!;
  return (view.errorCode && REASONS[view.errorCode]) || view.error || 'Renewal failed';
}

/** The status text a list row shows on its second line: time left, or why it failed. */
export function rowStatus(view: AccountView, now: number): string {
  if (view.error !== null || view.needsUser) return shortReason(view);
  if (view.state === 'refreshing') return 'Renewing…';
  if (!view.expiresAt) return view.state === 'unknown-expiry' ? 'Expiry unknown' : 'No token yet';
  const left = (Date.parse(view.expiresAt) - now) / 1000;
  return left > 0 ? `${formatDuration(left)} left` : `Expired ${formatDuration(-left)} ago`;
}

/** True when the engine holds a token for the account (so reveal and copy can work). */
export function hasToken(view: AccountView): boolean {
  return view.tokenType !== null || view.expiresAt !== null;
}
