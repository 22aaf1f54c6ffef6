/**
 * A failure as the window shows it: what to do about it first, then what went wrong with the token
 * server's own words (once), then the stable code.
 */
import type { JSX } from 'preact';
import type { ErrorInfo } from '../../../preload/contract.js';
import { adviceFor } from '../status.js';
import { Icon } from './icons.js';

/** The engine's message without a trailing copy of the server's words (they are quoted below it). */
function ownWords(error: ErrorInfo): string {
  const server = error.serverMessage;
  if (!server) return error.message;
  const suffix = `: ${server}`;
  return error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
}

/**
 * `title` names what failed ("Connection failed", "Renewal failed"). `announce` makes it an alert
 * for a failure that answers something the user just did. `advice` replaces the advice by error
 * code (null: none, for messages that already say what to do, as a sign-in's do).
 */
export function ErrorBox({
  title,
  error,
  announce = false,
  advice = adviceFor(error.code),
}: {
  title: string;
  error: ErrorInfo;
  announce?: boolean;
  advice?: string | null;
}): JSX.Element {
  // A server that only repeats the error code has said nothing worth quoting.
  const quote = error.serverMessage && error.serverMessage !== error.code ? error.serverMessage : null;
  return (
    <div class="callout danger" data-testid="error-box" role={announce ? 'alert' : undefined} tabIndex={-1}>
      <Icon name="alert" class="callout-icon" />
      <div class="callout-body">
        <p class="callout-title">{title}</p>
        {advice && (
          <p class="error-advice" data-testid="error-advice">
            {advice}
          </p>
        )}
        <p class="error-message">{quote ? ownWords(error) : error.message}</p>
        {quote && (
          <blockquote class="server-message" data-testid="server-message">
            <span class="server-message-label">The server said</span>
            <span class="server-message-text">{quote}</span>
          </blockquote>
        )}
        <p class="error-meta">
          <code>{error.code}</code>
          {error.status !== null && <span> · HTTP {error.status}</span>}
        </p>
      </div>
    </div>
  );
}
