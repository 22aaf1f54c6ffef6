/**
 * The system browser, for interactive sign-in (RFC 8252: never an embedded window). Only http(s)
 * URLs go to `shell.openExternal`, and plain http only to loopback hosts, the rule every URL an
 * account holds already follows: a `file:`, `javascript:` or custom-scheme URL from a server's
 * metadata would otherwise launch whatever handles it.
 */
import type { Shell } from 'electron';
import { insecureUrlReason } from '../engine/url-policy.js';

export class ExternalUrlRefusedError extends Error {
  override readonly name = 'ExternalUrlRefusedError';
}

/** Opens `url` in the system browser, or rejects without opening anything when it is not a web page. */
export function createOpenExternal(shell: Pick<Shell, 'openExternal'>): (url: string) => Promise<void> {
  return async (url) => {
    const refused = insecureUrlReason(url);
    if (refused !== null) throw new ExternalUrlRefusedError(`the sign-in page's address ${refused}`);
    // Reviewed (Electronegativity's manual-review check): only an http(s) URL reaches it, as
    // checked just above and tested in test/unit/desktop-sign-in.test.ts.
    await shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
  };
}
