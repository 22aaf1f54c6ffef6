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
/**
 * Why an account needs no sign-in and what to do instead: renew it (`renew`: how the caller says
 * so), or, for a pasted token, which nothing renews, paste a new one.
 */
export function noSignInMessage(name: string, settings: Record<string, unknown>, renew: string): string {
  return settings.preset === 'static'
    ? `"${name}" holds a pasted token, which needs no sign-in: paste a new one in the account window, or import the account again with it`
    : `"${name}" ${grantPhrase(settings)}, which needs no sign-in: ${renew}`;
}

export function grantPhrase(settings: Record<string, unknown>): string {
  const grant = settings.grantType;
  return typeof grant === 'string' && grant !== ''
    ? `uses the ${grant} grant`
    : `uses the ${String(settings.preset)} preset's own grant`;
}
