/**
 * Sign in… from the tray menu or a notification's button: the account window opens on the account
 * (it shows the progress: "waiting for the browser", or the device code to type), and the sign-in
 * runs in main through the same request handler the window's own Sign in… button uses. A failure is
 * shown in the window; when the window was closed meanwhile, a notification says it instead.
 */
import type { ActionResult } from '../../preload/contract.js';

export interface DesktopSignInDeps {
  window: { open(account: string | null): void; isOpen(): boolean };
  /** The `signIn` request handler (main/app/handlers.ts). */
  signIn(name: string): Promise<ActionResult>;
  /** Shows a message about `account` when nobody is looking at the window (a notification). */
  report(account: string, title: string, body: string): void;
}

/** Returns the function that starts `account`'s sign-in from outside the window. */
export function createDesktopSignIn(deps: DesktopSignInDeps): (account: string) => Promise<void> {
  return async (account) => {
    deps.window.open(account);
    const result = await deps.signIn(account);
    // Cancelled, replaced, or ended by Quit (`stopped`): nothing to tell the person.
    if (result.ok || result.error.code === 'aborted' || result.error.code === 'stopped') return;
    if (!deps.window.isOpen()) deps.report(account, `${account}: sign-in failed`, result.error.message);
  };
}
