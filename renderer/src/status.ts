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
  settings_changed: 'Settings changed outside Tokentray',
  network: 'Server unreachable',
  timeout: 'No answer in time',
  tls: 'TLS certificate rejected',
  discovery: 'Discovery failed',
  insecure_url: 'Insecure URL refused',
  expired: 'Pasted token expired',
  signin_required: 'Sign in again',
};

/** An interactive-grant account that has had no token here yet: saved (or imported) and not signed in. */
export function neverSignedIn(view: AccountView): boolean {
  return view.signInNeeded && view.lastRefreshAt === null && view.lockedSecrets.length === 0;
}

/** The badge text for an account's state. */
export function stateLabel(view: AccountView): string {
  if (view.signInNeeded) return 'Sign-in needed';
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
  if (view.errorCode === 'settings_changed') return REASONS.settings_changed!;
  if (view.lockedSecrets.length > 0) return REASONS.locked_secret!;
  return (view.errorCode && REASONS[view.errorCode]) || view.error || 'Renewal failed';
}

/** The status text a list row shows on its second line: time left, or why it failed. */
export function rowStatus(view: AccountView, now: number): string {
  if (neverSignedIn(view)) return 'Not signed in yet';
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

/** What to do about a failure, by the engine's error code: the first line an error box shows. */
const ADVICE: Record<string, string> = {
  invalid_client:
    'The client ID or client secret was not accepted. Check both (some portals show a secret only once: create a new one if in doubt).',
  unauthorized:
    'The credentials were refused. Check the user name and password, or the client ID and secret.',
  invalid_grant: 'The sign-in was refused. Check the user name and password.',
  unauthorized_client:
    'This client may not use this kind of sign-in. Check the grant type, or the client’s settings on the server.',
  invalid_scope: 'The scope was refused. Check the Scope field, or leave it empty.',
  unsupported_grant_type: 'The server does not offer this grant type for this client.',
  invalid_request: 'The server refused the request as malformed. Check the account’s settings.',
  not_found: 'Nothing answers at that address. Check the URL: the data center, the token path or the issuer.',
  redirect: 'The server sent Tokentray elsewhere. Use the token endpoint’s own URL.',
  network: 'The server could not be reached. Check the URL, your network and any proxy.',
  dns: 'The server’s name could not be resolved. Check the URL and your network.',
  timeout: 'The server did not answer in time. Tokentray tries again by itself.',
  tls: 'The server’s certificate was not accepted. A proxy that inspects TLS needs its certificate installed in the system.',
  not_json:
    'Something else answered instead of the token server (a captive portal or a proxy). Open a web page to sign in to the network, then try again.',
  server_error: 'The token server has trouble right now. Tokentray tries again by itself.',
  temporarily_unavailable: 'The token server has trouble right now. Tokentray tries again by itself.',
  rate_limited: 'The token server asked to slow down. Tokentray waits as it asked, then tries again.',
  circuit_open:
    'This token server failed several times in a row; Tokentray waits before asking it again. Renew now tries at once.',
  discovery:
    'The issuer’s discovery document is not usable. Check the Issuer, or give the Token URL instead.',
  insecure_url: 'Tokens are only requested over https (plain http only on this computer).',
  locked_secret: 'A stored secret cannot be read here any more. Enter it again under Edit.',
  settings_changed:
    'This account’s settings were changed outside Tokentray after its secrets were sealed (a restored or edited accounts.json). Check them under Edit (the token URL, base URL, issuer), then save with the secrets entered again.',
  missing_secret: 'A secret is missing. Enter it under Edit.',
  expired: 'The pasted token has expired. Paste a new one under Edit.',
  token_rejected: 'The API refused the pasted token. Paste a new one under Edit.',
  would_spend_refresh_token: 'Paste a new refresh token to test with, or save and use Renew now.',
  no_token: 'The server answered without a token. Check the URL and the credentials.',
  signin_required: 'The server no longer accepts the saved sign-in: choose Sign in… to sign in again.',
};

/** What a person can do about an error code; null when there is nothing better than its message. */
export function adviceFor(code: string): string | null {
  return ADVICE[code] ?? null;
}
