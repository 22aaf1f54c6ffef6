/** Import accounts from a JSON file in the CONTRACT's format; every problem is listed, one line each. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ValidationIssue } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { Dialog } from './Dialog.js';
import { Icon } from './icons.js';

type Outcome =
  | { ok: true; imported: string[] }
  | { ok: false; issues: ValidationIssue[] }
  | { ok: 'error'; message: string };

/** Reads the chosen file as text and hands it to the engine as is. */
export function ImportDialog({
  onClose,
  onImported,
}: {
  onClose: () => void;
  onImported: (names: string[]) => void;
}): JSX.Element {
  const api = tokentray()!;
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!file || busy) return;
    setBusy(true);
    setOutcome(null);
    try {
      const result = await api.importAccounts(await file.text());
      setOutcome(result);
      if (result.ok) onImported(result.imported);
    } catch (error) {
      setOutcome({ ok: 'error', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Import accounts" onClose={onClose}>
      <form class="dialog-body" onSubmit={(event) => void submit(event)}>
        <p class="help">
          A JSON file <code>{'{ "accounts": [ … ] }'}</code> as <code>tokentray import</code> takes. The whole
          file is checked first: if one account is wrong, nothing is imported. Accounts with an existing name
          are replaced.
        </p>
        <div class="field">
          <label class="label" for="import-file">
            File
          </label>
          <input
            id="import-file"
            class="input file"
            type="file"
            accept=".json,application/json"
            onChange={(event) => {
              setFile(event.currentTarget.files?.[0] ?? null);
              setOutcome(null);
            }}
          />
        </div>
        <div aria-live="polite">
          {outcome?.ok === true && (
            <div class="callout success" data-testid="import-result">
              <Icon name="check" class="callout-icon" />
              <div class="callout-body">
                <p class="callout-title">
                  Imported {outcome.imported.length} {outcome.imported.length === 1 ? 'account' : 'accounts'}
                </p>
                <p class="muted">
                  {outcome.imported.slice(0, 20).join(', ')}
                  {outcome.imported.length > 20 ? ', …' : ''}
                </p>
              </div>
            </div>
          )}
          {outcome?.ok === false && (
            <div class="callout danger" data-testid="import-issues">
              <Icon name="alert" class="callout-icon" />
              <div class="callout-body">
                <p class="callout-title">
                  Nothing was imported: {outcome.issues.length}{' '}
                  {outcome.issues.length === 1 ? 'problem' : 'problems'}
                </p>
                <ul class="issue-lines">
                  {outcome.issues.map((issue, index) => (
                    <li key={index}>
                      <code>{issue.account}</code> <code>{issue.field}</code> {issue.message}
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          )}
          {outcome?.ok === 'error' && (
            <div class="callout danger" role="alert">
              <Icon name="alert" class="callout-icon" />
              <div class="callout-body">{outcome.message}</div>
            </div>
          )}
        </div>
        <footer class="dialog-actions">
          <button type="button" class="button ghost" onClick={onClose}>
            {outcome?.ok === true ? 'Done' : 'Cancel'}
          </button>
          <button type="submit" class="button primary" disabled={!file || busy}>
            <Icon name="upload" /> {busy ? 'Importing…' : 'Import'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
