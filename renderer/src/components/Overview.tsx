/** What the window shows when no account is open: how many accounts are in each condition. */
import type { JSX } from 'preact';
import type { AccountView } from '../../../preload/contract.js';
import { stateTone } from '../status.js';
import { Icon } from './icons.js';

const TILES = [
  { tone: 'danger', title: 'Need attention', help: 'Failed, expired or waiting for you' },
  { tone: 'warning', title: 'Expiring soon', help: 'Cannot be renewed in time' },
  { tone: 'success', title: 'Valid', help: 'Renewed automatically' },
  { tone: 'neutral', title: 'Other', help: 'Renewing now or no known expiry' },
] as const;

/** Counts by state colour, most urgent first; `onAdd` opens the add form. */
export function Overview({
  accounts,
  onAdd,
}: {
  accounts: readonly AccountView[];
  onAdd: () => void;
}): JSX.Element {
  const counts = { danger: 0, warning: 0, success: 0, neutral: 0 };
  for (const view of accounts) {
    const tone = stateTone(view);
    counts[tone === 'info' ? 'neutral' : tone]++;
  }
  return (
    <section class="overview" aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      <ul class="tiles">
        {TILES.map((tile) => (
          <li key={tile.tone} class={`tile ${tile.tone}`}>
            <span class="tile-count">{counts[tile.tone].toLocaleString('en')}</span>
            <span class="tile-title">{tile.title}</span>
            <span class="tile-help">{tile.help}</span>
          </li>
        ))}
      </ul>
      <p class="muted">
        Select an account to see its token, copy it or change its settings. The list puts the most urgent
        first.
      </p>
      <div>
        <button type="button" class="button" onClick={onAdd}>
          <Icon name="plus" /> Add another account
        </button>
      </div>
    </section>
  );
}
