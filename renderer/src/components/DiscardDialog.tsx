/** Asks before a half-filled form is left: what was typed is not saved anywhere. */
import type { JSX } from 'preact';
import { Dialog } from './Dialog.js';

/** "Keep editing" is the default focus: losing typed secrets must take a deliberate choice. */
export function DiscardDialog({
  editing,
  onKeep,
  onDiscard,
}: {
  /** The account being edited, or null for a new one. */
  editing: string | null;
  onKeep: () => void;
  onDiscard: () => void;
}): JSX.Element {
  return (
    <Dialog title={editing ? `Discard changes to ${editing}?` : 'Discard this new account?'} onClose={onKeep}>
      <div class="dialog-body">
        <p>What you typed in the form is not saved.</p>
        <footer class="dialog-actions">
          <button type="button" class="button ghost" autoFocus onClick={onKeep}>
            Keep editing
          </button>
          <button type="button" class="button danger-solid" onClick={onDiscard}>
            Discard changes
          </button>
        </footer>
      </div>
    </Dialog>
  );
}
