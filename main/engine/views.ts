/** Plain-data views of engine state for the CLI and the local API. */
import type { AccountListEntry, AccountView } from './types.js';

/** CONTRACT §2 `list --json`: exactly these keys, times ISO 8601 or null. */
export function toListJson(views: AccountView[]): { accounts: AccountListEntry[] } {
  return {
    accounts: views.map((view) => ({
      name: view.name,
      preset: view.preset,
      state: view.state,
      expiresAt: view.expiresAt,
      lastRefreshAt: view.lastRefreshAt,
      nextRefreshAt: view.nextRefreshAt,
      error: view.error,
    })),
  };
}
