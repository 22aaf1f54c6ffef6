/**
 * Interactive sign-in as the window sees it: which forms need a person (Sign in… instead of Test
 * connection), the progress main pushes for one sign-in, and the words for its failures.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SignInProgress, SignInTarget } from '../../preload/contract.js';
import { tokentray } from './api.js';

/** The grant types a person signs in with (main/engine/presets: `signInKindOf`). */
export const INTERACTIVE_GRANTS = { authorization_code: 'browser', device_code: 'device' } as const;
export type InteractiveGrant = keyof typeof INTERACTIVE_GRANTS;

/** How a form with this grant type signs in: the browser, a device code, or not at all (null). */
export function signInKindOfGrant(grantType: unknown): 'browser' | 'device' | null {
  return typeof grantType === 'string' && Object.hasOwn(INTERACTIVE_GRANTS, grantType)
    ? INTERACTIVE_GRANTS[grantType as InteractiveGrant]
    : null;
}

/** A fresh id for one Test connection's sign-in (a UUID, as main's schema asks). */
export function newSignInId(): string {
  return crypto.randomUUID();
}

/** True when `progress` is about `target` (account names match as the engine matches them). */
export function sameTarget(a: SignInTarget, b: SignInTarget): boolean {
  if ('account' in a) return 'account' in b && a.account.toLowerCase() === b.account.toLowerCase();
  return 'test' in b && a.test === b.test;
}

/**
 * What to do first about a sign-in failure, when the engine's message does not already say it.
 * Every SignInError's message ends with what to do (main/engine/interactive/errors.ts), so the
 * general advice by code (status.ts), which speaks of renewals and pasted tokens, is not shown.
 */
export function signInAdvice(code: string): string | null {
  if (code === 'signin_required') return 'The server no longer accepts the sign-in: choose Sign in… again.';
  if (code === 'locked_secret')
    return 'A stored secret cannot be read here any more. Enter it again under Edit.';
  if (code === 'missing_secret') return 'A secret is missing. Enter it under Edit.';
  if (code === 'settings_changed')
    return 'The settings were changed outside Tokentray: check them under Edit and save with the secrets entered again before signing in.';
  return null;
}

/**
 * The latest progress main reported for `target` (null: none yet): the sign-ins already running
 * when this mounts (started from the tray before the window opened), then every push. Only the
 * newest push counts (`seq`).
 */
export function useSignInProgress(target: SignInTarget | null): SignInProgress | null {
  const api = tokentray()!;
  const [progress, setProgress] = useState<SignInProgress | null>(null);
  const key = target === null ? null : JSON.stringify(target);
  useEffect(() => {
    setProgress(null);
    if (key === null) return;
    const wanted = JSON.parse(key) as SignInTarget;
    let live = true;
    const take = (next: SignInProgress) => {
      if (!live || !sameTarget(next.target, wanted)) return;
      setProgress((old) => (old !== null && old.seq >= next.seq ? old : next));
    };
    const off = api.onSignInProgress(take);
    void api
      .signInsInProgress()
      .then((running) => running.forEach(take))
      .catch(() => {
        // The next push brings it.
      });
    return () => {
      live = false;
      off();
    };
  }, [api, key]);
  return progress;
}
