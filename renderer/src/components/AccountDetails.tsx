/**
 * One saved account: its state and the last error, the token (revealed only on click, copied by
 * main), renew now, renewal times, CLI access with the exact command, and the activity log.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AccountView, ActivityEntry, CopyFormat, ErrorInfo } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { presetSpec } from '../presets.js';
import { adviceFor, hasToken, neverSignedIn, stateLabel, stateTone } from '../status.js';
import { formatDateTime, formatDuration, relative } from '../time.js';
import { ErrorBox } from './ErrorBox.js';
import { Icon } from './icons.js';
import { SignInPanel } from './SignInPanel.js';
import type { Notify } from './toasts.js';

const COPY_FORMATS: { format: CopyFormat; label: string }[] = [
  { format: 'token', label: 'Token' },
  { format: 'header', label: 'Header' },
  { format: 'curl', label: 'curl' },
  { format: 'powershell', label: 'PowerShell' },
];

/** How long a revealed token stays on screen. */
const REVEAL_SECONDS = 30;

export interface AccountDetailsProps {
  view: AccountView;
  cliCommand: string;
  now: number;
  notify: Notify;
  onEdit: () => void;
  onRemove: () => void;
  /** A newer view of the account, from an action's answer (pushes may come a moment later). */
  onUpdated: (view: AccountView) => void;
}

function errorText(error: unknown): ErrorInfo {
  return {
    code: 'internal',
    message: errorMessage(error),
    serverMessage: null,
    status: null,
  };
}

function TimeLeft({ view, now }: { view: AccountView; now: number }): JSX.Element {
  if (!view.expiresAt) {
    return (
      <p class="time-left muted">
        {view.state !== 'unknown-expiry'
          ? 'No token yet'
          : view.preset === 'static'
            ? 'No expiry known: Edit to add one'
            : 'The server gave no expiry'}
      </p>
    );
  }
  const left = (Date.parse(view.expiresAt) - now) / 1000;
  return (
    <p class="time-left">
      {left > 0 ? (
        <>
          <strong>{formatDuration(left)}</strong> left
        </>
      ) : (
        <>
          Expired <strong>{formatDuration(-left)}</strong> ago
        </>
      )}
    </p>
  );
}

function renewalNote(view: AccountView, now: number): string | null {
  if (view.preset === 'static')
    return 'A pasted token: Tokentray warns before it expires but cannot renew it.';
  if (view.needsUser || view.signInNeeded) return null;
  if (view.state === 'refreshing') return 'Renewing now…';
  if (view.renewable && view.nextRefreshAt)
    return `Renews automatically ${relative(view.nextRefreshAt, now)}.`;
  return null;
}

/** The details pane for `view`. */
export function AccountDetails({
  view,
  cliCommand,
  now,
  notify,
  onEdit,
  onRemove,
  onUpdated,
}: AccountDetailsProps): JSX.Element {
  const api = tokentray()!;
  const [revealed, setRevealed] = useState<{ token: string; until: number } | null>(null);
  const [activity, setActivity] = useState<ActivityEntry[]>([]);
  const [actionError, setActionError] = useState<{ title: string; error: ErrorInfo } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [cliWanted, setCliWanted] = useState<boolean | null>(null);
  const tone = stateTone(view);
  const spec = presetSpec(view.preset);

  // A different account: forget the revealed token and any old action error.
  useEffect(() => {
    setRevealed(null);
    setActionError(null);
  }, [view.name]);

  // Reload the log whenever the account changes (a renewal, a copy, a save).
  useEffect(() => {
    let live = true;
    api
      .accountActivity(view.name)
      .then((entries) => live && setActivity(entries))
      .catch(() => live && setActivity([]));
    return () => {
      live = false;
    };
  }, [api, view]);

  useEffect(() => {
    if (revealed && now >= revealed.until) setRevealed(null);
  }, [now, revealed]);

  async function act(label: string, action: () => Promise<void>): Promise<void> {
    // Buttons stay focusable while busy (aria-disabled), so a second press lands here and waits.
    if (busy !== null) return;
    setBusy(label);
    setActionError(null);
    try {
      await action();
    } catch (error) {
      setActionError({ title: `${label} failed`, error: errorText(error) });
    } finally {
      setBusy(null);
    }
  }

  const reveal = () =>
    act('Reveal', async () => {
      const result = await api.revealToken(view.name);
      if (result.ok) setRevealed({ token: result.accessToken, until: Date.now() + REVEAL_SECONDS * 1000 });
      else setActionError({ title: 'Could not get the token', error: result.error });
    });

  const copy = (format: CopyFormat, label: string) =>
    act('Copy', async () => {
      const result = await api.copyToken(view.name, format);
      if (result.ok) {
        const clears =
          result.clearsInSeconds > 0 ? `; the clipboard clears in ${result.clearsInSeconds} s` : '';
        notify(`Copied ${label === 'Token' ? 'the token' : `as ${label}`}${clears}`);
      } else setActionError({ title: 'Could not copy the token', error: result.error });
    });

  const renew = () =>
    act('Renewal', async () => {
      const result = await api.renewAccount(view.name);
      if (result.ok) {
        onUpdated(result.account);
        notify(`Renewed ${view.name}`);
      } else setActionError({ title: 'Renewal failed', error: result.error });
    });

  const setCli = (enabled: boolean) =>
    act('CLI access', async () => {
      setCliWanted(enabled);
      try {
        const result = await api.setCliAccess(view.name, enabled);
        if (result.ok) onUpdated(result.account);
        else setActionError({ title: 'Could not change CLI access', error: result.error });
      } finally {
        setCliWanted(null);
      }
    });
  // The switch follows the click at once; the engine's answer (or a push) confirms it.
  const cliAccess = cliWanted ?? view.cliAccess;

  const command = `${cliCommand} token ${view.name}`;
  const entries = [...activity].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, 50);

  return (
    <article class="details" aria-labelledby="details-title" data-account={view.name}>
      <header class="details-header">
        <div class="details-heading">
          <h2 id="details-title" tabIndex={-1}>
            {view.name}
          </h2>
          <p class="muted">
            {spec.title}
            {view.label && <> · {view.label}</>}
          </p>
        </div>
        <div class="details-actions">
          <button type="button" class="button" onClick={onEdit}>
            <Icon name="edit" /> Edit
          </button>
          <button type="button" class="button ghost danger" onClick={onRemove}>
            <Icon name="trash" /> Remove
          </button>
        </div>
      </header>

      <section class={`status-card ${tone}`} aria-label="Token status">
        <div class="status-line">
          <span class={`badge large ${tone}`} data-testid="state-badge" aria-live="polite">
            {stateLabel(view)}
          </span>
          <TimeLeft view={view} now={now} />
          {renewalNote(view, now) && <p class="renewal-note muted">{renewalNote(view, now)}</p>}
        </div>
        {/* Not signed in yet: the sign-in panel below says so, there is no failure to show. */}
        {view.error && !neverSignedIn(view) && (
          <div class="status-error" data-testid="account-error">
            <p class="callout-title">{view.needsUser ? 'Tokentray needs you' : 'The last attempt failed'}</p>
            {view.errorCode && adviceFor(view.errorCode) && (
              <p class="error-advice" data-testid="error-advice">
                {adviceFor(view.errorCode)}
              </p>
            )}
            <p class="error-message">{view.error}</p>
            {view.errorCode && (
              <p class="error-meta">
                <code>{view.errorCode}</code>
              </p>
            )}
            {view.needsUser && !view.signInNeeded && (
              <button type="button" class="button small primary" onClick={onEdit}>
                <Icon name="edit" /> {view.preset === 'static' ? 'Paste a new token' : 'Update credentials'}
              </button>
            )}
          </div>
        )}
        {view.signIn !== null && (
          <SignInPanel key={view.name} view={view} notify={notify} onUpdated={onUpdated} />
        )}
      </section>

      {actionError && <ErrorBox title={actionError.title} error={actionError.error} announce />}

      <section class="card" aria-labelledby="token-title">
        <h3 id="token-title">Access token</h3>
        <div class="token-box">
          {!hasToken(view) ? (
            <span class="token-none">No token yet</span>
          ) : revealed ? (
            <code class="token-value" data-testid="revealed-token">
              {revealed.token}
            </code>
          ) : (
            <span class="token-hidden">
              <span aria-hidden="true">••••••••••••••••••••••••</span>
              <span class="visually-hidden">Token hidden</span>
            </span>
          )}
          <button
            type="button"
            class="button small"
            disabled={!hasToken(view)}
            aria-disabled={busy !== null}
            onClick={() => (revealed ? setRevealed(null) : void reveal())}
          >
            <Icon name={revealed ? 'eyeOff' : 'eye'} /> {revealed ? 'Hide' : 'Reveal'}
          </button>
        </div>
        {revealed && <p class="help">Hidden again in {formatDuration((revealed.until - now) / 1000)}.</p>}
        <div class="copy-row" role="group" aria-label="Copy to the clipboard">
          <span class="copy-label">Copy</span>
          {COPY_FORMATS.map(({ format, label }) => (
            <button
              key={format}
              type="button"
              class="button small"
              aria-label={`Copy ${label === 'Token' ? 'token' : `as ${label}`}`}
              disabled={!hasToken(view)}
              aria-disabled={busy !== null}
              onClick={() => void copy(format, label)}
            >
              <Icon name="copy" /> {label}
            </button>
          ))}
        </div>
        <dl class="facts">
          <dt>Expires</dt>
          <dd>
            {formatDateTime(view.expiresAt)}
            {view.expiresAt && <span class="muted"> ({relative(view.expiresAt, now)})</span>}
          </dd>
          <dt>{view.preset === 'static' ? 'Pasted' : 'Last renewal'}</dt>
          <dd>
            {formatDateTime(view.lastRefreshAt)}
            {view.lastRefreshAt && <span class="muted"> ({relative(view.lastRefreshAt, now)})</span>}
          </dd>
          <dt>Next renewal</dt>
          <dd>
            {view.renewable
              ? formatDateTime(view.nextRefreshAt)
              : view.preset === 'static'
                ? 'Never: a pasted token'
                : 'Waits for you'}
            {view.renewable && view.nextRefreshAt && (
              <span class="muted"> ({relative(view.nextRefreshAt, now)})</span>
            )}
          </dd>
          <dt>Token type</dt>
          <dd>{view.tokenType ?? '—'}</dd>
          <dt>Scopes</dt>
          <dd>{view.scope || '—'}</dd>
          <dt>Warns</dt>
          <dd>{formatDuration(view.notifyBeforeSeconds)} before expiry</dd>
        </dl>
        <div class="card-actions">
          <button
            type="button"
            class="button"
            disabled={view.preset === 'static'}
            aria-disabled={busy !== null}
            onClick={() => void renew()}
          >
            <Icon name="refresh" /> {busy === 'Renewal' ? 'Renewing…' : 'Renew now'}
          </button>
        </div>
      </section>

      <section class="card" aria-labelledby="cli-title">
        <div class="switch-row">
          <div>
            <h3 id="cli-title">CLI access</h3>
            <p class="help" id="cli-help">
              {cliAccess
                ? 'Scripts on this computer can get this token with:'
                : 'Off: the CLI and the local API refuse this account. When on, scripts use:'}
            </p>
          </div>
          <input
            type="checkbox"
            role="switch"
            class="switch"
            aria-labelledby="cli-title"
            aria-describedby="cli-help"
            checked={cliAccess}
            onChange={(event) => void setCli(event.currentTarget.checked)}
          />
        </div>
        <pre class={cliAccess ? 'code command' : 'code command off'} data-testid="cli-command">
          <code>{command}</code>
        </pre>
      </section>

      <section class="card" aria-labelledby="activity-title">
        <h3 id="activity-title">Activity</h3>
        {entries.length === 0 ? (
          <p class="muted">Nothing yet.</p>
        ) : (
          <ol class="activity" data-testid="activity">
            {entries.map((entry, index) => (
              <li key={`${entry.at}-${index}`} class={`activity-${entry.kind}`}>
                <time dateTime={entry.at} title={formatDateTime(entry.at)}>
                  {relative(entry.at, now)}
                </time>
                <span class={`kind ${entry.kind === 'failed' ? 'danger' : 'neutral'}`}>{entry.kind}</span>
                <span class="activity-detail">{entry.detail}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}
