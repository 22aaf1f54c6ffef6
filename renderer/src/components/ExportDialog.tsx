/** Export every account to a JSON file; secrets only when the user ticks a box that says what that means. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage, tokentray } from '../api.js';
import { Dialog } from './Dialog.js';
import { Icon } from './icons.js';

/** The app asks where to save; this dialog only decides what goes in. */
export function ExportDialog({ onClose, count }: { onClose: () => void; count: number }): JSX.Element {
  const api = tokentray()!;
  const [includeSecrets, setIncludeSecrets] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      const outcome = await api.exportAccounts(includeSecrets);
      setResult(outcome.saved ? `Saved to ${outcome.path}` : 'Export cancelled: nothing was written.');
    } catch (error) {
      setResult(`Export failed: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Export accounts" onClose={onClose}>
      <form class="dialog-body" onSubmit={(event) => void submit(event)}>
        <p class="help">
          Writes {count} {count === 1 ? 'account' : 'accounts'} to a JSON file that{' '}
          <code>tokentray import</code> and this window can read back.
        </p>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={includeSecrets}
            aria-describedby="export-secrets-help"
            onChange={(event) => setIncludeSecrets(event.currentTarget.checked)}
          />
          <span>Include secrets</span>
        </label>
        <p id="export-secrets-help" class={includeSecrets ? 'warning-text' : 'help'}>
          {includeSecrets
            ? 'The file will hold passwords, client secrets and tokens in plain text: anyone who can read it can use these accounts. Keep it somewhere safe and delete it when done.'
            : 'Without secrets, the file holds names and settings only; passwords, client secrets and tokens must be entered again after import.'}
        </p>
        {result && (
          <p class="callout info" role="status" data-testid="export-result">
            {result}
          </p>
        )}
        <footer class="dialog-actions">
          <button type="button" class="button ghost" onClick={onClose}>
            {result ? 'Done' : 'Cancel'}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            <Icon name="download" /> {busy ? 'Exporting…' : 'Export…'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
