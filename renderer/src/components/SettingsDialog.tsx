/**
 * App settings: clipboard clear delay, the default warning lead, start at login, the storage level,
 * and "Install command-line tool" (which acts at once and shows what it did).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AppInfo, CliInstallResult, Settings } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import { Dialog } from './Dialog.js';

const PROTECTION: Record<AppInfo['storageProtection'], string> = {
  os: 'Encrypted with your operating system’s key store.',
  passphrase: 'Encrypted with a key derived from your passphrase.',
  weak: 'Obfuscated only (no key store available): see the warning in the window.',
};

function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** A labelled whole-number input with its unit and one line of help. */
function NumberWithUnit({
  id,
  label,
  unit,
  help,
  value,
  onInput,
  error,
}: {
  id: string;
  label: string;
  unit: string;
  help: string;
  value: string;
  onInput: (value: string) => void;
  /** The message under the field when its value is not accepted. */
  error: string | null;
}): JSX.Element {
  const described = error ? `${id}-help ${id}-error` : `${id}-help`;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label class="label" for={id}>
        {label}
      </label>
      <div class="input-with-unit">
        <input
          id={id}
          class="input narrow"
          inputMode="numeric"
          value={value}
          aria-describedby={described}
          aria-invalid={error !== null}
          onInput={(event) => onInput(event.currentTarget.value)}
        />
        <span class="unit">{unit}</span>
      </div>
      <p class="help" id={`${id}-help`}>
        {help}
      </p>
      {error && (
        <p class="error-text" id={`${id}-error`} data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** "Install command-line tool": one button, and the sentence the app answered (selectable: it may hold a command). */
function CliInstall(): JSX.Element {
  const api = tokentray()!;
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CliInstallResult | null>(null);

  async function install(): Promise<void> {
    setBusy(true);
    setResult(null);
    try {
      setResult(await api.installCliCommand());
    } catch (failure) {
      setResult({ ok: false, message: errorMessage(failure) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="field">
      <p class="label">Command-line tool</p>
      <p class="help" id="cli-install-help">
        Puts the <code>tokentray</code> command on your PATH, for scripts and terminals.
      </p>
      <div>
        <button
          type="button"
          class="button"
          aria-describedby="cli-install-help"
          disabled={busy}
          onClick={() => void install()}
        >
          Install command-line tool
        </button>
      </div>
      {/* Always rendered, so the live region exists before its text arrives. */}
      <p
        class={result !== null && !result.ok ? 'error-text' : 'help'}
        role="status"
        data-testid="cli-install-result"
        data-ok={result === null ? undefined : String(result.ok)}
        style={{ whiteSpace: 'pre-line' }}
      >
        {busy ? 'Installing…' : (result?.message ?? '')}
      </p>
    </div>
  );
}

/** Saves on submit (Enter works in every field); Escape or Cancel leaves the settings unchanged. */
export function SettingsDialog({
  settings,
  info,
  onClose,
  onSaved,
}: {
  settings: Settings;
  info: AppInfo;
  onClose: () => void;
  onSaved: (settings: Settings) => void;
}): JSX.Element {
  const api = tokentray()!;
  const [clipboard, setClipboard] = useState(String(settings.clipboardClearSeconds));
  const [notify, setNotify] = useState(String(Math.round(settings.defaultNotifyBeforeSeconds / 60)));
  const [startAtLogin, setStartAtLogin] = useState(settings.startAtLogin);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<{ clipboard?: string; notify?: string }>({});

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const clipboardSeconds = wholeNumber(clipboard);
    const notifyMinutes = wholeNumber(notify);
    const found = {
      ...(clipboardSeconds === null
        ? { clipboard: 'Must be a whole number of seconds (0 = never clear).' }
        : {}),
      ...(notifyMinutes === null ? { notify: 'Must be a whole number of minutes.' } : {}),
    };
    setFieldErrors(found);
    if (clipboardSeconds === null || notifyMinutes === null) {
      document.getElementById(clipboardSeconds === null ? 'setting-clipboard' : 'setting-notify')?.focus();
      return;
    }
    try {
      onSaved(
        await api.setSettings({
          clipboardClearSeconds: clipboardSeconds,
          defaultNotifyBeforeSeconds: notifyMinutes * 60,
          startAtLogin,
        }),
      );
      onClose();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  return (
    <Dialog title="Settings" onClose={onClose}>
      <form class="dialog-body" onSubmit={(event) => void submit(event)} noValidate>
        <NumberWithUnit
          id="setting-clipboard"
          label="Clear copied tokens from the clipboard after"
          unit="seconds"
          help="Only if the clipboard still holds the token. 0 = never."
          value={clipboard}
          onInput={setClipboard}
          error={fieldErrors.clipboard ?? null}
        />
        <NumberWithUnit
          id="setting-notify"
          label="Warn before a token expires"
          unit="minutes"
          help="For accounts without their own lead time, when the token cannot be renewed in time."
          value={notify}
          onInput={setNotify}
          error={fieldErrors.notify ?? null}
        />
        <label class="checkbox">
          <input
            type="checkbox"
            checked={startAtLogin}
            onChange={(event) => setStartAtLogin(event.currentTarget.checked)}
          />
          <span>Start Tokentray when I log in</span>
        </label>
        <div class="field">
          <p class="label">Secret storage</p>
          <p class="help" data-testid="storage-protection">
            {PROTECTION[info.storageProtection]}
          </p>
        </div>
        <CliInstall />
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <footer class="dialog-actions">
          <span class="muted small">Tokentray {info.version}</span>
          <span class="spacer" />
          <button type="button" class="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary">
            Save
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
