/**
 * The form's Sign in… (what Test connection is for a grant that needs a person): a line saying
 * what it does before it runs, and its progress while it runs. Leaving the form cancels it.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo } from 'preact/hooks';
import { tokentray } from '../api.js';
import { useSignInProgress } from '../sign-in.js';
import { SignInProgressView } from './SignInProgressView.js';

/** Before Sign in…: it signs in for real, saves nothing, and a save within 15 minutes keeps it. */
export function FormSignInHint({ kind }: { kind: 'browser' | 'device' }): JSX.Element {
  return (
    <p class="help" data-testid="sign-in-hint">
      {kind === 'device'
        ? 'Sign in… shows a code to enter on this or any other device'
        : 'Sign in… opens your browser'}
      : it signs in for real and saves nothing. Save the account within 15 minutes and it keeps this sign-in,
      with no second one.
    </p>
  );
}

/** The progress of the Test connection sign-in `id`; unmounting cancels it if it still runs. */
export function FormSignInProgress({ id }: { id: string }): JSX.Element {
  const api = tokentray()!;
  const target = useMemo(() => ({ test: id }), [id]);
  const progress = useSignInProgress(target);
  useEffect(
    () => () => {
      void api.cancelSignIn(target).catch(() => undefined);
    },
    [api, target],
  );
  return <SignInProgressView target={target} progress={progress} />;
}
