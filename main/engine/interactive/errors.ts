/**
 * Why an interactive sign-in (browser or device code) failed, as one typed error.
 *
 * `SignInError` is a `TokenError` (so `toErrorInfo`, the window, the tray and the CLI render it
 * like any other token failure) whose `code` is one of `SIGN_IN_FAILURES`. Every message starts
 * with what happened and ends with what to do first; none holds a code, a verifier or a token.
 * `serverError` is the OAuth `error` code the server sent, when it sent one (`access_denied`,
 * `invalid_grant`, …), and `serverMessage` its `error_description`.
 */
import { TokenError, type FailureKind } from '../errors.js';

/** Every failure, with how the engine should treat it (see FailureKind). */
export const SIGN_IN_FAILURES = {
  /** The browser came back with a `state` that is not this sign-in's, and the real answer never came. */
  state_mismatch: 'auth',
  /** The user cancelled or refused at the server (`error=access_denied`, Entra's `authorization_declined`). */
  access_denied: 'auth',
  /** The browser sign-in did not come back within its time bound. */
  timeout: 'auth',
  /** The token endpoint refused the authorization code (`invalid_grant`: PKCE verifier, reused or old code). */
  code_refused: 'auth',
  /** Cancelled in Tokentray (the AbortSignal). */
  aborted: 'auth',
  /** The authorization endpoint answered another `error=` (invalid_scope, unauthorized_client, …). */
  authorization_error: 'auth',
  /** The authorization answer names another issuer (RFC 9207 `iss`): a mix-up, or a wrong issuer setting. */
  issuer_mismatch: 'config',
  /** The system browser could not be opened. */
  browser_failed: 'config',
  /** The loopback redirect listener could not listen (port in use, address not available). */
  listener_failed: 'config',
  /** The settings cannot work: an insecure URL, no endpoint, a bad redirectUri, a reserved parameter. */
  bad_settings: 'config',
  /** Discovery on the issuer failed. */
  discovery: 'config',
  /** The token or device authorization endpoint refused the request for another reason (invalid_client, …). */
  token_error: 'auth',
  /** A server's answer is not usable (not an OAuth answer, or an ID token whose nonce is not ours). */
  invalid_response: 'config',
  /** No answer from a server (network, TLS, timeout of one request, 5xx). */
  network: 'transient',
  /** The device code expired before the user approved it (RFC 8628 `expired_token`, or `expires_in` passed). */
  expired: 'auth',
} as const satisfies Record<string, FailureKind>;

export type SignInFailure = keyof typeof SIGN_IN_FAILURES;

export class SignInError extends TokenError {
  declare readonly code: SignInFailure;
  /** The OAuth `error` code the server sent, if any. */
  readonly serverError: string | null;

  constructor(
    code: SignInFailure,
    message: string,
    extra: { serverError?: string | null; serverMessage?: string | null; status?: number | null } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, SIGN_IN_FAILURES[code], {
      serverMessage: extra.serverMessage ?? null,
      status: extra.status ?? null,
    });
    this.serverError = extra.serverError ?? null;
    if (options && 'cause' in options) Object.defineProperty(this, 'cause', { value: options.cause });
  }
  override withText(message: string, serverMessage: string | null): SignInError {
    return new SignInError(this.code, message, {
      serverError: this.serverError,
      serverMessage,
      status: this.status,
    });
  }
}

/** True for a SignInError with one of `codes` (any SignInError without codes). */
export function isSignInError(error: unknown, ...codes: SignInFailure[]): error is SignInError {
  return error instanceof SignInError && (codes.length === 0 || codes.includes(error.code));
}
