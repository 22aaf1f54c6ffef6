/**
 * What start-up found about the stored accounts that the user must know: a store that could not be
 * read and where it was moved, secrets another program encrypted. Shown until dismissed.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Icon } from './icons.js';

export function StartupNotices({ notices }: { notices: string[] }): JSX.Element | null {
  const [dismissed, setDismissed] = useState(false);
  if (notices.length === 0 || dismissed) return null;
  return (
    <section class="banner warning" aria-labelledby="startup-notices-title" data-testid="startup-notices">
      <Icon name="alert" class="banner-icon" />
      <div class="banner-body">
        <p class="banner-title" id="startup-notices-title">
          About your stored accounts
        </p>
        {notices.map((notice) => (
          <p key={notice} class="notice-text">
            {notice}
          </p>
        ))}
      </div>
      <button type="button" class="button ghost" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </section>
  );
}
