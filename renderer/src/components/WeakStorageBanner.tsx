/**
 * Shown when secrets could only be obfuscated (Linux `basic_text`): until the user explicitly
 * accepts, secrets are kept in memory only and must be entered again after a restart.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AppInfo, Settings } from '../../../preload/contract.js';
import { tokentray } from '../api.js';
import { Icon } from './icons.js';

/** The banner; `onChange` receives the settings after the user accepts or takes it back. */
export function WeakStorageBanner({
  info,
  settings,
  onChange,
}: {
  info: AppInfo;
  settings: Settings;
  onChange: (settings: Settings) => void;
}): JSX.Element {
  const api = tokentray()!;
  const [busy, setBusy] = useState(false);
  const accepted = settings.persistWeakSecrets;
  const toggle = async () => {
    setBusy(true);
    try {
      onChange(await api.setSettings({ persistWeakSecrets: !accepted }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="banner warning" aria-labelledby="weak-title" data-testid="weak-storage-banner">
      <Icon name="alert" class="banner-icon" />
      <div class="banner-body">
        <p class="banner-title" id="weak-title">
          Secrets are only obfuscated on this computer
        </p>
        <p>
          {info.storageWarning ??
            'No system key store is available, so anyone who can read your files can recover them.'}{' '}
          {accepted
            ? 'You chose to store them anyway.'
            : 'Until you accept, secrets stay in memory only and must be entered again after Tokentray restarts.'}
        </p>
      </div>
      <button
        type="button"
        class={accepted ? 'button ghost' : 'button'}
        disabled={busy}
        onClick={() => void toggle()}
      >
        {accepted ? 'Keep secrets in memory only' : 'Store secrets anyway'}
      </button>
    </section>
  );
}
