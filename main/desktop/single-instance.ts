/** One running Tokentray per user: a second launch only brings the first one's window forward. */
import type { App } from 'electron';

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

/** Takes the single-instance lock; false means another instance runs and this one must quit. */
export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'on'>,
  onSecondInstance: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  // The second instance's argv is ignored on purpose: the CLI talks over the socket, never this way.
  app.on('second-instance', () => onSecondInstance());
  return true;
}
