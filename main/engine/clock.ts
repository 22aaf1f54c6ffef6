/** The real wall clock. Timers are unref'd: the host's server or window keeps the process alive. */
import type { Clock } from './types.js';

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  at(ms, run) {
    const timer = setTimeout(run, Math.min(Math.max(0, ms - Date.now()), MAX_TIMEOUT_MS));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};
