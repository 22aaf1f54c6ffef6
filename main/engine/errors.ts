/**
 * Typed failures with a stable `code`, the server's own words when it gave any, and never a
 * secret. The window, the tray, notifications and the CLI all render these the same way.
 */
import type { ErrorInfo, ValidationIssue } from './types.js';

/** How the engine reacts to a failed token request. */
export type FailureKind =
  /** Network, timeout, 5xx, 429: retry with backoff. */
  | 'transient'
  /** Bad credentials or client: only the user can fix it; never retried on its own. */
  | 'auth'
  /** A refresh token the server no longer accepts: fall back to the primary grant once. */
  | 'grant'
  /** The account's own settings are wrong (insecure URL, discovery mismatch, unknown shape). */
  | 'config';

/**
 * The code of the failure of an interactive-grant account that has no usable refresh token (none
 * yet, or the server refused it): "sign-in needed", fixed only by Sign in… or `tokentray login`.
 */
export const SIGN_IN_REQUIRED = 'signin_required';

/**
 * The code of a stored value that does not open where it is kept: sealed for other connection
 * settings or another field, or altered (records.ts bindingOf). Nothing is sent for the account
 * until the user saves it again.
 */
export const SETTINGS_CHANGED = 'settings_changed';

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly code: string,
    message: string,
    readonly kind: FailureKind,
    readonly extra: {
      serverMessage?: string | null;
      status?: number | null;
      retryAfterMs?: number | null;
      /** The refresh token was refused (invalid_grant): it must not be used again. */
      refreshRefused?: boolean;
    } = {},
  ) {
    super(message);
  }
  get serverMessage(): string | null {
    return this.extra.serverMessage ?? null;
  }
  get status(): number | null {
    return this.extra.status ?? null;
  }
  get retryAfterMs(): number | null {
    return this.extra.retryAfterMs ?? null;
  }
  /** The same failure (class, kind, extra) with its texts (and code) replaced, e.g. by redacted ones. */
  withText(message: string, serverMessage: string | null, code = this.code): TokenError {
    return new TokenError(code, message, this.kind, { ...this.extra, serverMessage });
  }
}

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly issues: ValidationIssue[]) {
    super(
      issues
        .map((i) => `${i.account}${i.field === i.account ? '' : `: ${i.field}`}: ${i.message}`)
        .join('\n'),
    );
  }
}

export class NoSuchAccountError extends Error {
  override readonly name = 'NoSuchAccountError';
  readonly code = 'no_such_account';
  constructor(
    readonly account: string,
    readonly known: string[],
  ) {
    super(`no account named ${JSON.stringify(account)}`);
  }
}

export class CliAccessDeniedError extends Error {
  override readonly name = 'CliAccessDeniedError';
  readonly code = 'cli_access_denied';
  constructor(readonly account: string) {
    super(
      `CLI access is off for "${account}": turn on "CLI access" for it in the account window (or set "cliAccess": true)`,
    );
  }
}

/** Errors from the store that must not be papered over (unreadable file, wrong passphrase). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: 'unreadable' | 'wrong_passphrase' | 'missing_key' | 'locked' | 'io',
    message: string,
  ) {
    super(message);
  }
}

/** Any thrown value as the views render it. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof TokenError) {
    return {
      code: error.code,
      message: error.message,
      serverMessage: error.serverMessage,
      status: error.status,
    };
  }
  if (error instanceof NoSuchAccountError || error instanceof CliAccessDeniedError) {
    return { code: error.code, message: error.message, serverMessage: null, status: null };
  }
  if (error instanceof ValidationError) {
    return { code: 'validation', message: error.message, serverMessage: null, status: null };
  }
  if (error instanceof StoreError) {
    return { code: error.code, message: error.message, serverMessage: null, status: null };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message, serverMessage: null, status: null };
}
