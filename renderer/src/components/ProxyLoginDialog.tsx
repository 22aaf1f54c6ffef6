/**
 * A proxy on the way to the token servers asks for a user name and password (issue #9): main
 * pushes `proxyLogin`, this dialog asks, and answers with `answerProxyLogin` (null when the user
 * cancels, by the button, Escape or ×). Nothing is pre-filled; the password field starts empty.
 */
import type { JSX } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import type { ProxyLoginRequest } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { Dialog } from './Dialog.js';

/** The proxy's own words are shown, shortened: they come from the network, not from Tokentray. */
const REALM_MAX_CHARS = 120;

function proxyName(request: ProxyLoginRequest): string {
  const host = request.host.includes(':') ? `[${request.host}]` : request.host;
  return `${host}:${request.port}`;
}

export function ProxyLoginDialog({
  request,
  onDone,
}: {
  request: ProxyLoginRequest;
  /**
   * The caller removes the dialog. `delivered`: main has the answer; false when a close could not
   * deliver its cancel (main asks again with its next push).
   */
  onDone: (id: string, delivered: boolean) => void;
}): JSX.Element {
  const api = tokentray()!;
  const ids = useId();
  const userId = `${ids}-user`;
  const passwordId = `${ids}-password`;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [userError, setUserError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Answered already: a close that follows (Escape after Sign in) must not answer again. */
  const answered = useRef(false);
  /** The native dialog closed (Escape, ×): an error can no longer be shown in it. */
  const closed = useRef(false);

  async function send(credentials: { username: string; password: string } | null): Promise<void> {
    if (answered.current) return;
    answered.current = true;
    setBusy(true);
    try {
      await api.answerProxyLogin(request.id, credentials);
      onDone(request.id, true);
    } catch (failure) {
      answered.current = false;
      setBusy(false);
      if (closed.current) onDone(request.id, false);
      else setError(errorMessage(failure));
    }
  }

  function submit(event: Event): void {
    event.preventDefault();
    if (username === '') {
      setUserError('Enter the user name the proxy expects.');
      document.getElementById(userId)?.focus();
      return;
    }
    setUserError(null);
    void send({ username, password });
  }

  const realm =
    request.realm.length > REALM_MAX_CHARS ? `${request.realm.slice(0, REALM_MAX_CHARS)}…` : request.realm;
  const userDescribed = userError ? `${ids}-intro ${userId}-error` : `${ids}-intro`;

  return (
    <Dialog
      title="Proxy sign-in"
      class="proxy-login"
      onClose={() => {
        closed.current = true;
        void send(null);
      }}
    >
      <form class="dialog-body" onSubmit={submit} noValidate data-testid="proxy-login-form">
        <p id={`${ids}-intro`}>
          The proxy <strong data-testid="proxy-login-proxy">{proxyName(request)}</strong> asks for a user name
          and password before token requests can go through it.
        </p>
        {realm !== '' && (
          <p class="help" data-testid="proxy-login-realm">
            The proxy calls itself “{realm}”.
          </p>
        )}
        <div class={userError ? 'field invalid' : 'field'}>
          <label class="label" for={userId}>
            User name
          </label>
          <input
            id={userId}
            class="input"
            autoComplete="username"
            autoCapitalize="off"
            spellcheck={false}
            required
            aria-required="true"
            aria-invalid={userError !== null}
            aria-describedby={userDescribed}
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
          {userError && (
            <p class="error-text" id={`${userId}-error`}>
              {userError}
            </p>
          )}
        </div>
        <div class="field">
          <label class="label" for={passwordId}>
            Password
          </label>
          <input
            id={passwordId}
            class="input"
            type="password"
            autoComplete="current-password"
            aria-describedby={`${passwordId}-help`}
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
          <p class="help" id={`${passwordId}-help`}>
            Kept in memory until Tokentray quits, for this proxy only; never saved.
          </p>
        </div>
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <footer class="dialog-actions">
          <button type="button" class="button ghost" disabled={busy} onClick={() => void send(null)}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            Sign in
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
