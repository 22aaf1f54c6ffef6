/** Confirms removing an account: its settings and its secrets are deleted. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage, tokentray } from '../api.js';
import { Dialog } from './Dialog.js';

/** The destructive button is not the default focus: Cancel is. */
export function RemoveDialog({
  name,
  onClose,
  onRemoved,
}: {
  name: string;
  onClose: () => void;
  onRemoved: () => void;
}): JSX.Element {
  const api = tokentray()!;
  const [error, setError] = useState<string | null>(null);
  async function remove(): Promise<void> {
    try {
      await api.removeAccount(name);
      onRemoved();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }
  return (
    <Dialog title={`Remove ${name}?`} onClose={onClose}>
      <div class="dialog-body">
        <p>The account and its stored secrets are deleted from this computer. Scripts using it will fail.</p>
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <footer class="dialog-actions">
          <button type="button" class="button ghost" autoFocus onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="button danger-solid" onClick={() => void remove()}>
            Remove account
          </button>
        </footer>
      </div>
    </Dialog>
  );
}
