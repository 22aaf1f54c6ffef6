/**
 * What the tray menu offers, in the window: pause or resume renewals, start at login, quit. On a
 * desktop without a tray icon (GNOME without the AppIndicator extension) this is the only place
 * these are.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { Settings } from '../../../preload/contract.js';
import { errorMessage, tokentray } from '../api.js';
import type { Notify } from './toasts.js';

/** The bar at the foot of the window; `paused` and `settings` are null until loaded. */
export function AppBar({
  paused,
  settings,
  onPausedChange,
  onSettingsChange,
  notify,
}: {
  paused: boolean | null;
  settings: Settings | null;
  onPausedChange: (paused: boolean) => void;
  onSettingsChange: (settings: Settings) => void;
  notify: Notify;
}): JSX.Element {
  const api = tokentray()!;
  const [busy, setBusy] = useState(false);

  const togglePause = async (): Promise<void> => {
    // The button stays focusable while busy (aria-disabled), so a second press lands here and waits.
    if (busy || paused === null) return;
    setBusy(true);
    try {
      onPausedChange(await api.setPaused(!paused));
    } catch (error) {
      notify(`Could not ${paused ? 'resume' : 'pause'} renewals: ${errorMessage(error)}`, 'danger');
    } finally {
      setBusy(false);
    }
  };

  const setStartAtLogin = async (input: HTMLInputElement): Promise<void> => {
    const wanted = input.checked;
    try {
      onSettingsChange(await api.setSettings({ startAtLogin: wanted }));
    } catch (error) {
      // The box shows what is saved, not what was asked for.
      input.checked = !wanted;
      notify(`Could not change start at login: ${errorMessage(error)}`, 'danger');
    }
  };

  const quit = async (): Promise<void> => {
    try {
      await api.quit();
    } catch (error) {
      notify(`Could not quit: ${errorMessage(error)}`, 'danger');
    }
  };

  return (
    <footer class="appbar">
      <p class={paused ? 'appbar-status paused' : 'appbar-status'} role="status" data-testid="renewal-status">
        {paused === null
          ? ''
          : paused
            ? 'Renewals are paused: no token is renewed until you resume.'
            : 'Tokens are renewed automatically.'}
      </p>
      <span class="spacer" />
      <button
        type="button"
        class="button ghost small"
        aria-disabled={busy || paused === null}
        onClick={() => void togglePause()}
      >
        {paused ? 'Resume renewals' : 'Pause renewals'}
      </button>
      <label class="checkbox small">
        <input
          type="checkbox"
          checked={settings?.startAtLogin ?? false}
          disabled={settings === null}
          onChange={(event) => void setStartAtLogin(event.currentTarget)}
        />
        <span>Start at login</span>
      </label>
      <button type="button" class="button ghost small" onClick={() => void quit()}>
        Quit Tokentray
      </button>
    </footer>
  );
}
