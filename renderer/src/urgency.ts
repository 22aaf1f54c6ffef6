/** Orders accounts by how soon they need attention, and filters them by name. Pure. */
import type { AccountView } from '../../preload/contract.js';

const RANK: Record<AccountView['state'], number> = {
  error: 0,
  expired: 1,
  expiring: 2,
  refreshing: 3,
  'unknown-expiry': 4,
  valid: 5,
};

/** 0 = most urgent: the user must act (error, needs sign-in), then expired, expiring, renewing, unknown expiry, valid. */
export function urgencyRank(view: AccountView): number {
  return view.needsUser ? 0 : RANK[view.state];
}

function expiryKey(view: AccountView): number {
  return view.expiresAt ? Date.parse(view.expiresAt) : Number.POSITIVE_INFINITY;
}

/** A new array sorted by urgency, then soonest expiry, then name. */
export function sortByUrgency(views: readonly AccountView[]): AccountView[] {
  return views
    .map((view) => ({ view, rank: urgencyRank(view), expiry: expiryKey(view), key: view.name.toLowerCase() }))
    .sort((a, b) => a.rank - b.rank || a.expiry - b.expiry || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.view);
}

/** Accounts whose name or label contains the query, ignoring case (an empty query keeps all). */
export function filterAccounts(views: readonly AccountView[], query: string): readonly AccountView[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return views;
  return views.filter(
    (view) =>
      view.name.toLowerCase().includes(needle) || (view.label?.toLowerCase().includes(needle) ?? false),
  );
}
