/**
 * Tokentray's Electron main process: the composition root. Each line sets up one part; the parts
 * live in main/desktop/ (Electron adapters) over main/engine/ (the token engine).
 */
import type { ApiServer } from './agent/server.js';
import * as lifecycle from './desktop/setup-lifecycle.js';
import { setupTray } from './desktop/setup-tray.js';
import * as desktop from './desktop/setup.js';

if (desktop.setupProcess()) {
  desktop.whenReady(async () => {
    const log = desktop.setupLog();
    desktop.setupSessions();
    desktop.setupAppProtocol();
    const settings = desktop.setupSettings();
    const storage = await desktop.setupSecretStorage(log, settings);
    const engine = await desktop.setupEngine({ log, storage, settings });
    const window = desktop.setupAccountWindow({ settings, log });
    const clipboard = desktop.setupClipboard(log);
    const notifier = desktop.setupNotifications({ engine, settings, window, log });
    const handlers = desktop.setupIpc({ engine, settings, storage, window, clipboard, log });
    setupTray({ engine, settings, storage, window, handlers, notifier });
    // Quit is in the tray and the window from here on: the orderly shutdown must be in place.
    let server: ApiServer | null = null;
    lifecycle.setupQuit({ engine, clipboard, server: () => server, window });
    lifecycle.setupPowerEvents(engine);
    lifecycle.setupAutostart({ settings, notifier, log });
    server = await lifecycle.setupCliSocket({ engine, log, notifier });
    lifecycle.setupFirstRun({ engine, window, notifier });
    log.info('Tokentray started', { accounts: engine.list().length });
  });
}
