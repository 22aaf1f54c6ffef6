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

/** The message of a rejected API call (or of anything else thrown), for the window to show. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
