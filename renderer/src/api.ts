/** The window's only way out: the preload API, typed by the shared IPC contract. */
import type { TokentrayApi } from '../../preload/contract.js';

declare global {
  interface Window {
    tokentray?: TokentrayApi;
  }
}

/** `window.tokentray`, or null when the page is opened outside the app. */
export function tokentray(): TokentrayApi | null {
  return window.tokentray ?? null;
}
