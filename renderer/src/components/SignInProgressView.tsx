/**
 * A running interactive sign-in: "Waiting for the browser — Cancel" (with the page to open again,
 * or its address to copy, when no browser came up), or the device code to enter. Shared by the
 * account's Sign in… and the form's. Main holds the URL and the code: the buttons only name the
 * sign-in, so nothing the page says can make main open or copy something else.
 */
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ErrorInfo, SignInProgress, SignInTarget } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { formatDuration } from '../time.js';
import { DeviceCodeView } from './DeviceCodeView.js';
import { ErrorBox } from './ErrorBox.js';
import { Icon } from './icons.js';

/** Re-renders every second while mounted (countdowns). */
function useSeconds(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** One line for screen readers on each step (the countdown itself is not announced). */
export function stepText(progress: SignInProgress | null): string {
  if (progress === null || progress.step === 'starting') return 'Starting the sign-in…';
  switch (progress.step) {
    case 'waiting-for-browser':
      return 'Waiting for the browser.';
    case 'device-code':
      return `Enter the code ${progress.prompt?.stage === 'device-code' ? progress.prompt.userCode.split('').join(' ') : ''} on the sign-in page.`;
    case 'polling':
    case 'slow-down':
      return 'Waiting for the code to be approved.';
    case 'exchanging-code':
      return 'Signed in at the server: getting the token…';
  }
}

export interface SignInProgressViewProps {
  target: SignInTarget;
  /** The latest progress (null: the request went out, nothing came back yet). */
  progress: SignInProgress | null;
}

/** The running sign-in of `target`, with Cancel. */
export function SignInProgressView({ target, progress }: SignInProgressViewProps): JSX.Element {
  const api = tokentray()!;
  const now = useSeconds();
  const [problem, setProblem] = useState<ErrorInfo | null>(null);
  const [copied, setCopied] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const sectionRef = useRef<HTMLElement>(null);
  const prompt = progress?.prompt ?? null;
  const userCode = prompt?.stage === 'device-code' ? prompt.userCode : null;
  const finishing = progress?.step === 'exchanging-code';
  // When a step replaces the buttons (the Sign in… that started it, this step's Cancel), the focus
  // goes to the new step's main action instead of falling back to the page.
  useLayoutEffect(() => {
    const active = document.activeElement;
    if (active !== null && active !== document.body && active.isConnected) return;
    sectionRef.current?.querySelector<HTMLElement>('[data-autofocus], button')?.focus();
  }, [prompt?.stage, userCode, finishing]);
  // A new code (the sign-in started again) has not been copied.
  useEffect(() => setCopied(false), [userCode]);

  const failed = (error: unknown): ErrorInfo => ({
    code: 'internal',
    message: errorMessage(error),
    serverMessage: null,
    status: null,
  });
  const cancel = () => {
    setCancelling(true);
    void api.cancelSignIn(target).catch((error: unknown) => setProblem(failed(error)));
  };
  const openPage = () => {
    setProblem(null);
    void api
      .openSignInPage(target)
      .then((result) => setProblem(result.ok ? null : result.error))
      .catch((error: unknown) => setProblem(failed(error)));
  };
  const copyCode = () => {
    setProblem(null);
    void api
      .copySignInCode(target)
      .then((result) => {
        setCopied(result.ok);
        setProblem(result.ok ? null : result.error);
      })
      .catch((error: unknown) => setProblem(failed(error)));
  };

  let body: JSX.Element;
  if (prompt?.stage === 'device-code') {
    body = (
      <DeviceCodeView
        prompt={prompt}
        now={now}
        polls={progress?.polls ?? 0}
        finishing={finishing}
        copied={copied}
        onCopy={copyCode}
        onOpenPage={openPage}
        onCancel={cancel}
      />
    );
  } else if (prompt?.stage === 'waiting-for-browser') {
    const left = Math.max(0, (Date.parse(prompt.deadline) - now) / 1000);
    body = (
      <div class="browser-wait" data-testid="browser-wait">
        <div class="sign-in-headline">
          <p class="sign-in-step">
            <span class="spinner" aria-hidden="true" />
            {finishing ? 'Signed in at the server: getting the token…' : 'Waiting for the browser —'}
          </p>
          <button type="button" class="button" data-autofocus onClick={cancel}>
            <Icon name="x" /> Cancel
          </button>
        </div>
        {!finishing && (
          <>
            <p class="help">
              {prompt.browserOpened
                ? 'Sign in on the page Tokentray opened in your browser, then come back here.'
                : 'Open the sign-in page in your browser and sign in there.'}{' '}
              {left > 0 ? `It waits ${formatDuration(left)} more.` : ''}
            </p>
            <p class="help">
              Browser did not open?{' '}
              <button type="button" class="button small" onClick={openPage}>
                Open the page again
              </button>
            </p>
            <details class="sign-in-address">
              <summary>Or copy the address into a browser yourself</summary>
              <code class="sign-in-link" data-testid="authorization-url">
                {prompt.authorizationUrl}
              </code>
            </details>
          </>
        )}
      </div>
    );
  } else {
    body = (
      <div class="sign-in-headline">
        <p class="sign-in-step">
          <span class="spinner" aria-hidden="true" />
          Starting the sign-in…
        </p>
        <button type="button" class="button" onClick={cancel}>
          <Icon name="x" /> Cancel
        </button>
      </div>
    );
  }

  return (
    <section
      ref={sectionRef}
      class="sign-in-progress"
      aria-label="Sign-in in progress"
      data-testid="sign-in-progress"
    >
      <p class="visually-hidden" aria-live="polite">
        {cancelling ? 'Cancelling the sign-in…' : stepText(progress)}
      </p>
      {body}
      {problem && <ErrorBox title="That did not work" error={problem} announce />}
    </section>
  );
}
