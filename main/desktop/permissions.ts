/** Denies every permission the web content could ask for: the account window needs none. */
import type { Session } from 'electron';

type HardenedSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'
>;

/** Installs deny-all permission request and check handlers and refuses downloads on `session`. */
export function denyAllPermissions(session: HardenedSession): void {
  // Electron's default is to grant everything; both handlers are needed (request and check).
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}
