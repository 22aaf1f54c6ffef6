/** App settings: clipboard clear delay, the default warning lead, start at login, and the storage level. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AppInfo, Settings } from '../../../preload/contract.js';
import { tokentray } from '../api.js';
import { Dialog } from './Dialog.js';

const PROTECTION: Record<AppInfo['storageProtection'], string> = {
  os: 'Encrypted with your operating system’s key store.',
  passphrase: 'Encrypted with a key derived from your passphrase.',
  weak: 'Obfuscated only (no key store available): see the warning in the window.',
};

function wholeSeconds(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
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

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const clipboardSeconds = wholeSeconds(clipboard);
    const notifyMinutes = wholeSeconds(notify);
    if (clipboardSeconds === null)
      return setError('Clipboard delay must be a whole number of seconds (0 = never clear).');
    if (notifyMinutes === null) return setError('Warning lead must be a whole number of minutes.');
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
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <Dialog title="Settings" onClose={onClose}>
      <form class="dialog-body" onSubmit={(event) => void submit(event)} noValidate>
        <div class="field">
          <label class="label" for="setting-clipboard">
            Clear copied tokens from the clipboard after
          </label>
          <div class="input-with-unit">
            <input
              id="setting-clipboard"
              class="input narrow"
              inputMode="numeric"
              value={clipboard}
              aria-describedby="setting-clipboard-help"
              onInput={(event) => setClipboard(event.currentTarget.value)}
            />
            <span class="unit">seconds</span>
          </div>
          <p class="help" id="setting-clipboard-help">
            Only if the clipboard still holds the token. 0 = never.
          </p>
        </div>
        <div class="field">
          <label class="label" for="setting-notify">
            Warn before a token expires
          </label>
          <div class="input-with-unit">
            <input
              id="setting-notify"
              class="input narrow"
              inputMode="numeric"
              value={notify}
              aria-describedby="setting-notify-help"
              onInput={(event) => setNotify(event.currentTarget.value)}
            />
            <span class="unit">minutes</span>
          </div>
          <p class="help" id="setting-notify-help">
            For accounts without their own lead time, when the token cannot be renewed in time.
          </p>
        </div>
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
