/**
 * Binds the tray adapter to Electron: the menu's actions mapped to the engine, the window and the
 * settings, and the refresh cadence (throttled on state changes, once a minute for countdowns,
 * and one more look after a state change so that a renewal that lasts does show as "renewing…").
 */
import path from 'node:path';
import { app, clipboard, dialog, Menu, Tray } from 'electron';
import type { AppHandlers } from '../app/handlers.js';
import { toErrorInfo } from '../engine/errors.js';
import { redactForNotification } from '../engine/notification-policy.js';
import {
  RENEWING_SHOWN_AFTER_MS,
  trackRenewals,
  trayModel,
  type TrayAction,
  type TrayModel,
} from '../engine/tray-model.js';
import type { Engine } from '../engine/types.js';
import { commandInMessage, electronCliInstallContext, trayCliTool } from './cli-install.js';
import type { Notifier } from './notifications.js';
import type { SettingsStore } from './settings.js';
import {
  announcePaused,
  desktopSignIn,
  onPausedChanged,
  quitAsking,
  resourceDir,
  type StorageState,
} from './setup.js';
import { throttle } from './throttle.js';
import { createTrayController, trayIconFile } from './tray.js';
import type { AccountWindowController } from './window.js';

const MINUTE_MS = 60_000;
const TRAY_THROTTLE_MS = 500;

/** The tray icon and menu, rebuilt on state changes (throttled) and once a minute for countdowns. */
export function setupTray(deps: {
  engine: Engine;
  settings: SettingsStore;
  storage: StorageState;
  window: AccountWindowController;
  handlers: AppHandlers;
  notifier: Notifier;
}): void {
  const { engine, settings, notifier: notify } = deps;
  const report = (title: string, message: string): void => {
    notify.show({ account: null, title, body: redactForNotification(message) });
  };
  // Fixed for the session: whether the package put the command on PATH itself (the deb) or not.
  const cliTool = trayCliTool(electronCliInstallContext(app));
  // A message box, not a notification: the answer may hold a command to run (macOS's sudo ln -s).
  const installCli = async (): Promise<void> => {
    const result = await deps.handlers.installCliCommand();
    const command = commandInMessage(result.message);
    const { response } = await dialog.showMessageBox({
      type: result.ok ? 'info' : 'warning',
      message: result.ok ? 'Command-line tool installed' : 'Command-line tool not installed',
      detail: result.message,
      buttons: command === null ? ['OK'] : ['OK', 'Copy command'],
      defaultId: 0,
    });
    if (command !== null && response === 1) {
      // Electron 45's clipboard is asynchronous: a refusal must not become an unhandled rejection.
      await clipboard.writeText(command).catch((error: unknown) => {
        report('Could not copy the command', error instanceof Error ? error.message : String(error));
      });
    }
  };
  // Sign in…: the window opens on the account and shows the browser wait or the device code.
  const signIn = desktopSignIn(deps.window, deps.handlers);
  const run = (action: TrayAction): void => {
    switch (action.kind) {
      case 'copy':
        // engine.token (behind copyToken) renews a stale token before it is copied.
        void deps.handlers.copyToken(action.account, action.format).then((result) => {
          if (!result.ok) report(`${action.account}: could not copy the token`, result.error.message);
        });
        return;
      case 'renew':
        engine.refresh(action.account).catch((error: unknown) => {
          // A sign-in problem is announced by the notification policy already.
          if (!engine.view(action.account)?.needsUser)
            report(`${action.account}: renewal failed`, toErrorInfo(error).message);
        });
        return;
      case 'sign-in':
        void signIn(action.account).catch((error: unknown) =>
          report(`${action.account}: sign-in failed`, toErrorInfo(error).message),
        );
        return;
      case 'renew-all':
        for (const view of engine.list().filter((v) => v.renewable)) {
          engine.refresh(view.name).catch(() => undefined);
        }
        return;
      case 'toggle-pause':
        engine.setPaused(!engine.paused);
        announcePaused(engine.paused);
        return;
      case 'open-window':
        deps.window.open(action.account);
        return;
      case 'toggle-start-at-login':
        settings.set({ startAtLogin: !settings.get().startAtLogin });
        return;
      case 'install-cli':
        void installCli().catch((error: unknown) =>
          report('Command-line tool not installed', toErrorInfo(error).message),
        );
        return;
      case 'quit':
        void quitAsking(deps.window);
        return;
    }
  };
  // When the tray first saw each running renewal: a short one is not shown (RENEWING_SHOWN_AFTER_MS).
  let renewals: ReadonlyMap<string, number> = new Map();
  const model = (): TrayModel => {
    const now = Date.now();
    const accounts = engine.list();
    renewals = trackRenewals(renewals, accounts, now);
    return trayModel(accounts, now, {
      paused: engine.paused,
      startAtLogin: settings.get().startAtLogin,
      storage: deps.storage.status().tray,
      renewingSince: renewals,
      cliTool,
    });
  };
  const tray = createTrayController({
    Tray,
    Menu,
    iconPath: (state) => path.join(resourceDir(), 'tray', trayIconFile(state, process.platform)),
    model,
    run,
    platform: process.platform,
    now: () => Date.now(),
    defer: (fn) => setTimeout(fn, 0),
  });
  onPausedChanged(() => tray.refresh());
  const refresh = throttle(() => tray.refresh(), TRAY_THROTTLE_MS);
  // A renewal is first seen up to TRAY_THROTTLE_MS after its event; look again once it may show.
  let lookAgain: ReturnType<typeof setTimeout> | null = null;
  const lookAgainLater = (): void => {
    if (lookAgain !== null) clearTimeout(lookAgain);
    lookAgain = setTimeout(() => tray.refresh(), RENEWING_SHOWN_AFTER_MS + TRAY_THROTTLE_MS);
    lookAgain.unref();
  };
  engine.on(() => {
    refresh();
    lookAgainLater();
  });
  settings.onChange(() => refresh());
  setInterval(() => tray.refresh(), MINUTE_MS).unref();
}
