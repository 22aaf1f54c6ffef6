/** A failure as the window shows it: what went wrong, and the token server's own words when it gave any. */
import type { JSX } from 'preact';
import type { ErrorInfo } from '../../../preload/contract.js';
import { Icon } from './icons.js';

/** `title` names what failed ("Connection failed", "Renewal failed"). */
export function ErrorBox({ title, error }: { title: string; error: ErrorInfo }): JSX.Element {
  return (
    <div class="callout danger" data-testid="error-box">
      <Icon name="alert" class="callout-icon" />
      <div class="callout-body">
        <p class="callout-title">{title}</p>
        <p class="error-message">{error.message}</p>
        {error.serverMessage && (
          <blockquote class="server-message" data-testid="server-message">
            <span class="server-message-label">The server said</span>
            <span class="server-message-text">{error.serverMessage}</span>
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
