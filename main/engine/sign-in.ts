/**
 * Interactive sign-in as the engine runs it: an account's settings (or a form's, for Test
 * connection) turned into a browser or device code sign-in (interactive/), its progress reported
 * as SignInEvents, and its tokens turned into an ObtainedToken by the same expiry rules as every
 * other grant. Keeping the tokens is the caller's business (engine.ts: the renewer's commit, so the
 * refresh token is on disk before the access token is handed out).
 *
 * At most one sign-in per account at a time: a newer one (Sign in… clicked again, `tokentray login`
 * while the window waits) cancels the older, which fails with `aborted`.
 */
import { expiryFromResponse } from './expiry.js';
import {
  signInWithAuthorizationCode,
  signInWithDeviceCode,
  SignInError,
  type SignInFetch,
  type SignInTokens,
} from './interactive/index.js';
import { interactiveSettingsFor } from './presets/index.js';
import type { ObtainedToken } from './providers/index.js';
import type { Preset, SignInEvent, SignInOptions } from './types.js';

export interface SignInDeps {
  fetch: SignInFetch;
  /** The system browser (the tray app: shell.openExternal). Absent: the URL is only reported. */
  openBrowser?: (url: string) => Promise<void>;
  /** Bound on the browser sign-in (default 5 min). */
  timeoutMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** SignInTokens as the engine keeps tokens (expiry rules of CONTRACT §1, lifetimes clamped). */
export function obtainedFromSignIn(tokens: SignInTokens, grant: string): ObtainedToken {
  const expiry = expiryFromResponse(tokens.answer as Record<string, unknown>, tokens.obtainedAt, {
    dateHeader: tokens.dateHeader,
  });
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    refreshToken: tokens.refreshToken,
    scope: tokens.scope,
    expiresAt: expiry.expiresAt,
    expirySource: expiry.source,
    obtainedAt: tokens.obtainedAt,
    grant,
    ...(expiry.clampedFromSeconds === undefined ? {} : { clampedFromSeconds: expiry.clampedFromSeconds }),
  };
}

/**
 * Runs one sign-in with these settings. Throws SignInError (`bad_settings` when the grant needs
 * no person).
 */
export async function runSignIn(
  deps: SignInDeps,
  preset: Preset,
  settings: Record<string, unknown>,
  clientSecret: string | undefined,
  opts: SignInOptions = {},
): Promise<ObtainedToken> {
  const interactive = interactiveSettingsFor(preset, settings, clientSecret);
  if (!interactive)
    throw new SignInError(
      'bad_settings',
      `this account's grant (${String(settings.grantType ?? 'client_credentials')}) needs no sign-in; use Renew now instead`,
    );
  const emit = (event: SignInEvent) => {
    try {
      opts.onEvent?.(event);
    } catch {
      // A listener's failure is not the sign-in's.
    }
  };
  const common = { fetch: deps.fetch, ...(opts.signal ? { signal: opts.signal } : {}) };
  if (interactive.kind === 'device') {
    const tokens = await signInWithDeviceCode(
      { ...interactive.endpoints, ...interactive.client },
      {
        ...common,
        onCode: (prompt) =>
          emit({
            stage: 'device-code',
            userCode: prompt.userCode,
            verificationUri: prompt.verificationUri,
            verificationUriComplete: prompt.verificationUriComplete,
            expiresAt: iso(prompt.expiresAt),
            intervalSeconds: prompt.intervalSeconds,
          }),
        onProgress: (progress) => {
          if (progress.stage === 'polling') emit({ stage: 'polling', attempt: progress.attempt });
          else if (progress.stage === 'slow-down')
            emit({ stage: 'slow-down', intervalSeconds: progress.intervalSeconds });
        },
      },
    );
    return obtainedFromSignIn(tokens, 'device_code');
  }
  const open = opts.openBrowser === false ? undefined : deps.openBrowser;
  const tokens = await signInWithAuthorizationCode(
    {
      ...interactive.endpoints,
      ...interactive.client,
      ...(interactive.redirectUri ? { redirectUri: interactive.redirectUri } : {}),
    },
    {
      ...common,
      ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
      openBrowser: open ?? (async () => undefined),
      onProgress: (progress) => {
        if (progress.stage === 'waiting-for-browser')
          emit({
            stage: 'waiting-for-browser',
            authorizationUrl: progress.authorizationUrl,
            redirectUri: progress.redirectUri,
            deadline: iso(progress.deadline),
            browserOpened: open !== undefined,
          });
        else if (progress.stage === 'exchanging-code') emit({ stage: 'exchanging-code' });
      },
    },
  );
  return obtainedFromSignIn(tokens, 'authorization_code');
}

/** One running sign-in per account: a newer one cancels the older. */
export function createSignInSlots() {
  const running = new Map<string, AbortController>();
  return {
    /** A signal for a new sign-in of `key` (cancelling one under way), linked to `outer`. */
    begin(key: string, outer: AbortSignal | undefined): { signal: AbortSignal; end(): void } {
      running.get(key)?.abort(new SignInError('aborted', 'replaced by a newer sign-in of the same account'));
      const controller = new AbortController();
      running.set(key, controller);
      const onOuter = () => controller.abort(outer?.reason);
      if (outer?.aborted) onOuter();
      else outer?.addEventListener('abort', onOuter, { once: true });
      return {
        signal: controller.signal,
        end() {
          outer?.removeEventListener('abort', onOuter);
          if (running.get(key) === controller) running.delete(key);
        },
      };
    },
    /** Cancels every sign-in (engine stop); `reason` is what each of them fails with. */
    abortAll(reason?: Error) {
      for (const controller of running.values()) controller.abort(reason);
      running.clear();
    },
  };
}
