/**
 * What start-up found about the stored accounts that the user must know: a store that could not be
 * read and where it was moved, secrets another program encrypted, accounts kept but not loaded (a
 * preset this version does not know), which can be removed from here. Shown until dismissed.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Icon } from './icons.js';

export function StartupNotices({
  notices,
  setAside = [],
  onRemove,
}: {
  notices: string[];
  /** Accounts kept but not loaded: each gets a Remove button (RemoveDialog confirms). */
  setAside?: string[];
  onRemove?: (name: string) => void;
}): JSX.Element | null {
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
        {onRemove && setAside.length > 0 && (
          <p class="notice-actions">
            {setAside.map((name) => (
              <button key={name} type="button" class="button ghost" onClick={() => onRemove(name)}>
                Remove {name}
              </button>
            ))}
          </p>
        )}
      </div>
      <button type="button" class="button ghost" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </section>
  );
}
