/** One running Tokentray per user: a second launch by the user only brings the first one's window forward. */
import type { App } from 'electron';
import { launchedHidden } from './autostart.js';

/** The directory given with `--user-data-dir=DIR` (isolated profiles, the end-to-end suite), or null. */
export function userDataDirFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (arg.startsWith('--user-data-dir=')) {
      const dir = arg.slice('--user-data-dir='.length);
      return dir === '' ? null : dir;
    }
  }
  return null;
}

/**
 * Takes the single-instance lock; false means another instance runs and this one must quit. A
 * second launch by the user calls `onSecondInstance` (open the window); a second start at login
 * (`--hidden`, e.g. the session restoring it while the app already runs) does not.
 */
export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'on'>,
  onSecondInstance: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  // Only the hidden flag is read from the second instance's argv: the CLI talks over the socket.
  app.on('second-instance', (_event, argv) => {
    if (!launchedHidden(argv)) onSecondInstance();
  });
  return true;
}
