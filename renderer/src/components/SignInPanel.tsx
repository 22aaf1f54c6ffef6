/**
 * Sign in… on a saved account whose grant needs a person (the browser, or a device code): whether
 * it is signed in, the button, the sign-in while it runs (also one the tray started before the
 * window opened), and how the last one ended. The sign-in itself runs in main (`signIn`).
 */
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { AccountView, ErrorInfo } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { signInAdvice, useSignInProgress } from '../sign-in.js';
import { neverSignedIn } from '../status.js';
import { ErrorBox } from './ErrorBox.js';
import { Icon } from './icons.js';
import { SignInProgressView } from './SignInProgressView.js';
import type { Notify } from './toasts.js';

export interface SignInPanelProps {
  view: AccountView;
  notify: Notify;
  onUpdated: (view: AccountView) => void;
}

/** What the account's sign-in state means, in a sentence. */
function stateText(view: AccountView): string {
  const how =
    view.signIn === 'device'
      ? 'Sign in… shows a code to enter on this or any other device.'
      : 'Sign in… opens your browser.';
  if (!view.signInNeeded)
    return 'Signed in: Tokentray renews the token by itself. Sign in again to use another user or new permissions.';
  if (neverSignedIn(view)) return `Not signed in yet. ${how}`;
  return `The server no longer accepts the saved sign-in. ${how} The account’s settings stay as they are.`;
}

/** The sign-in part of an interactive account's status card (render with `key={view.name}`). */
export function SignInPanel({ view, notify, onUpdated }: SignInPanelProps): JSX.Element {
  const api = tokentray()!;
  const target = useMemo(() => ({ account: view.name }), [view.name]);
  const progress = useSignInProgress(target);
  const [asking, setAsking] = useState(false);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  // From the click until main answers, and while a sign-in started elsewhere (the tray) runs.
  const running = asking || progress?.status === 'running';

  async function start(): Promise<void> {
    if (running) return;
    setAsking(true);
    setFailure(null);
    try {
      const result = await api.signIn(view.name);
      if (result.ok) {
        onUpdated(result.account);
        notify(`Signed in: ${view.name}`);
      }
    } catch (error) {
      setFailure({ code: 'internal', message: errorMessage(error), serverMessage: null, status: null });
    } finally {
      setAsking(false);
    }
  }

  if (running) return <SignInProgressView target={target} progress={progress} />;
  const ended = progress;
  const error = failure ?? (ended?.status === 'failed' ? ended.error : null);
  return (
    <div class="sign-in-panel" data-testid="sign-in-panel">
      {error ? (
        <ErrorBox title="Sign-in failed" error={error} advice={signInAdvice(error.code)} announce />
      ) : ended?.status === 'cancelled' ? (
        <p class="muted" role="status">
          Sign-in cancelled. Nothing was changed.
        </p>
      ) : (
        <p class="help" id={`sign-in-help-${view.name}`}>
          {stateText(view)}
        </p>
      )}
      <button
        type="button"
        id="sign-in-button"
        class={view.signInNeeded ? 'button primary' : 'button'}
        data-sign-in-needed={view.signInNeeded ? 'true' : undefined}
        aria-describedby={error || ended?.status === 'cancelled' ? undefined : `sign-in-help-${view.name}`}
        onClick={() => void start()}
      >
        <Icon name="key" /> Sign in…
      </button>
    </div>
  );
}
