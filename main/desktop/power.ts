/** Re-checks every deadline when the machine wakes, unlocks or comes back online (timers pause in sleep). */
import type { PowerMonitor } from 'electron';

/** Calls `reconcile` on resume and unlock. */
export function watchPower(powerMonitor: Pick<PowerMonitor, 'on'>, reconcile: () => void): void {
  powerMonitor.on('resume', reconcile);
  powerMonitor.on('unlock-screen', reconcile);
}

/** Polls `isOnline` (Electron's main process has no online event) and calls `onRegained` on offline → online. */
export function watchOnline(isOnline: () => boolean, onRegained: () => void, intervalMs: number): () => void {
  let online = isOnline();
  const timer = setInterval(() => {
    const now = isOnline();
    if (now && !online) onRegained();
    online = now;
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
