/** How secret storage is described to the user: the window's warning, the tray's line, AppInfo. */
import type { StorageProtection } from '../../preload/contract.js';
import type { TrayStorageStatus } from '../engine/tray-model.js';
import type { ProtectionClass } from './safe-storage-cipher.js';

export interface StorageStatus {
  protection: StorageProtection;
  warning: string | null;
  tray: TrayStorageStatus;
}

const RISK =
  'obfuscated with a key built into Electron, so any program or person that can read your files can recover them';

/** Describes this session's secret storage; `persisting` says whether secrets are kept on disk. */
export function describeStorage(storage: ProtectionClass, persisting: boolean): StorageStatus {
  const reason = storage.reason ?? 'unknown reason';
  if (storage.protection === 'unavailable') {
    return {
      protection: 'weak',
      warning:
        `The system keyring did not answer (${reason}). Stored secrets are not loaded and new ones cannot be ` +
        'saved; nothing stored was changed. Unlock or start your keyring, then restart Tokentray.',
      tray: { protection: 'unavailable', persisting: false },
    };
  }
  if (storage.protection === 'weak') {
    const warning = persisting
      ? `No system keyring is available (${reason}). You accepted keeping secrets on disk anyway: they are only ${RISK}.`
      : `No system keyring is available (${reason}). Secrets are kept in memory for this session only and must be ` +
        `entered again after a restart. You can accept keeping them on disk, but they would only be ${RISK}.`;
    return { protection: 'weak', warning, tray: { protection: 'weak', persisting } };
  }
  return { protection: 'os', warning: null, tray: { protection: 'os', persisting: true } };
}
