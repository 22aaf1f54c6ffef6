/** The account window's origin: `app://tokentray`, served by our protocol handler, never file:// or http. */

export const APP_SCHEME = 'app';
export const APP_HOST = 'tokentray';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** True only for a URL whose scheme and host are exactly the app's (no port, no credentials). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Node gives non-special schemes an opaque "null" origin, so compare the parts, not `origin`.
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}
