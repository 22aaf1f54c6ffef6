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

/** "uses the client_credentials grant", or the preset's own words when no grant is set. */
export function grantPhrase(settings: Record<string, unknown>): string {
  const grant = settings.grantType;
  return typeof grant === 'string' && grant !== ''
    ? `uses the ${grant} grant`
    : `uses the ${String(settings.preset)} preset's own grant`;
}
