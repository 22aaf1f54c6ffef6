/**
 * Binds the app's lifecycle to Electron: wake and network events, start at login, the CLI socket,
 * an orderly quit and the first run.
 */
import { homedir } from 'node:os';
import { app, net, powerMonitor } from 'electron';
import { startApiServer, type ApiServer } from '../agent/server.js';
import { defaultSocketPath } from '../agent/socket-path.js';
import { toErrorInfo } from '../engine/errors.js';
import type { Logger } from '../engine/index.js';
import type { Engine } from '../engine/types.js';
import { createAutostart, launchCommand, launchedHidden, opensWindowAtStart } from './autostart.js';
import type { SecretClipboard } from './clipboard.js';
import type { Notifier } from './notifications.js';
import { watchOnline, watchPower } from './power.js';
import type { SettingsStore } from './settings.js';
import { releaseDataDirLock } from './setup.js';
import type { AccountWindowController } from './window.js';

const ONLINE_POLL_MS = 30_000;
// A renewal already on the wire is let finish (the server may have rotated the refresh token):
// bounded by the 30 s request timeout, plus a margin for saving it. Nothing in flight: at once.
const QUIT_GRACE_MS = 32_000;

/** Wake, unlock and network regained re-check every deadline. */
export function setupPowerEvents(engine: Engine): void {
  watchPower(powerMonitor, () => engine.reconcile());
  watchOnline(
    () => net.isOnline(),
    () => engine.reconcile(),
    ONLINE_POLL_MS,
  );
}

/**
 * Start at login follows the setting (off by default). When it is on, the entry is written again
 * at start-up on Linux and Windows, so one written by an older version (without `--hidden`) or for
 * an AppImage since moved launches this one, quietly.
 */
export function setupAutostart(deps: { settings: SettingsStore; notifier: Notifier; log: Logger }): void {
  const autostart = createAutostart({
    platform: process.platform,
    app,
    env: process.env,
    home: homedir(),
    argv: launchCommand({
      execPath: process.execPath,
      appImage: process.env.APPIMAGE,
      isPackaged: app.isPackaged,
      appPath: app.getAppPath(),
    }),
  });
  if (deps.settings.get().startAtLogin && process.platform !== 'darwin') {
    autostart.set(true).catch((error: unknown) => {
      deps.log.warn('start at login could not be renewed', { error: String(error) });
    });
  }
  deps.settings.onChange((next, previous) => {
    if (next.startAtLogin === previous.startAtLogin) return;
    autostart.set(next.startAtLogin).catch((error: unknown) => {
      deps.log.warn('start at login could not be changed', { error: String(error) });
      deps.notifier.show({
        account: null,
        title: 'Start at login',
        body: toErrorInfo(error).message,
      });
    });
  });
}

/** The local API for the CLI and scripts (CONTRACT §3), on the tray app's default socket. */
export async function setupCliSocket(deps: {
  engine: Engine;
  log: Logger;
  notifier: Notifier;
}): Promise<ApiServer | null> {
  try {
    return await startApiServer({
      engine: deps.engine,
      socketPath: defaultSocketPath(app.getPath('userData')),
      log: deps.log,
    });
  } catch (error) {
    // The tray keeps working without the socket; say why the CLI cannot reach it.
    const message = toErrorInfo(error).message;
    deps.log.error('local API not started', { error: message });
    deps.notifier.show({ account: null, title: 'Tokentray: the CLI socket is not available', body: message });
    return null;
  }
}

/** On quit: clear our clipboard copy, close the socket, stop the engine (bounded), release the lock. */
export function setupQuit(deps: {
  engine: Engine;
  clipboard: SecretClipboard;
  /** The CLI socket once it listens (Quit can come while it is still starting). */
  server: () => ApiServer | null;
  window: AccountWindowController;
}): void {
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    // Past this point nothing may keep the window open: the engine is stopping.
    deps.window.dropUnsavedChanges();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, QUIT_GRACE_MS));
    const shutdown = Promise.allSettled([
      deps.clipboard.clearIfOurs(),
      deps.server()?.close(),
      deps.engine.stop(),
    ]);
    void Promise.race([shutdown, grace]).finally(() => {
      deps.clipboard.dispose();
      releaseDataDirLock();
      app.quit();
    });
  });
}

/**
 * Opens the window at start-up when the user launched the app (with no tray icon, as on GNOME
 * without the AppIndicator extension, it is the only way in), and on a start at login only while
 * there is no account yet, so a first-time user sees where to start. A login item on macOS passes
 * no arguments; there the system says whether it opened the app at login.
 */
export function setupFirstRun(deps: {
  engine: Engine;
  window: AccountWindowController;
  notifier?: Notifier;
  argv?: readonly string[];
}): void {
  const hidden =
    launchedHidden(deps.argv ?? process.argv) ||
    (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  // Something the user must hear about the store (moved aside, unreadable secrets) opens the
  // window even at login: a notification alone is easy to miss, and may not be shown at all.
  const mustTell = deps.engine.notices.length > 0;
  if (mustTell || opensWindowAtStart({ hidden, accounts: deps.engine.list().length })) deps.window.open(null);
  for (const notice of deps.engine.notices) {
    deps.notifier?.show({ account: null, title: 'Tokentray: about your stored accounts', body: notice });
  }
}
