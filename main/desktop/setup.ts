/**
 * Binds the desktop adapters to the real Electron modules, one setupX() per part; main/index.ts
 * calls them in order. The behaviour lives in the adapters (tested with fakes in plain Node): this
 * file only connects them, so it is covered by the type-check against electron.d.ts and by the
 * end-to-end suite where an Electron binary exists.
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  clipboard,
  ClipboardItem,
  dialog,
  ipcMain,
  Menu,
  net,
  Notification,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
} from 'electron';
import { acquireDataDirLockAsync, type DataDirLock } from '../agent/lock.js';
import { defaultSocketPath } from '../agent/socket-path.js';
import { createRequestHandlers, type AppHandlers, type AppPorts } from '../app/handlers.js';
import { toErrorInfo } from '../engine/errors.js';
import { createEngine, createLogger, type Logger } from '../engine/index.js';
import { redactForNotification } from '../engine/notification-policy.js';
import type { Engine } from '../engine/types.js';
import { denyAllPermissions } from './permissions.js';
import { electronCliInstallContext, installCliTool } from './cli-install.js';
import { createSystemClipboardTools } from './clipboard-check.js';
import { createSecretClipboard, type SecretClipboard } from './clipboard.js';
import { createDesktopSignIn } from './desktop-sign-in.js';
import { createSwitchableEngine, type SwitchableEngine } from './engine-switch.js';
import { saveExportWithDialog } from './export-file.js';
import { APP_ID } from './identity.js';
import { registerIpcHandlers } from './ipc.js';
import { namesTheWindowMaySend } from './ipc-schemas.js';
import { createNetFetch, tokenFetch } from './net-fetch.js';
import { createOpenExternal } from './open-external.js';
import { createProxyCredentialsProvider, createProxyLoginPrompts } from './proxy-login.js';
import { createNotifier, watchForNotices, type Notifier } from './notifications.js';
import { registerAppScheme, serveAppProtocol } from './protocol.js';
import { openSafeStorage, persistSecretsFor, type SecretStorage } from './safe-storage-cipher.js';
import { openSettingsStore, type SettingsStore } from './settings.js';
import { claimSingleInstance, userDataDirFromArgv } from './single-instance.js';
import { describeStorage, type StorageStatus } from './storage-status.js';
import { throttle } from './throttle.js';
import { createAccountWindowController, type AccountWindowController } from './window.js';

const KEYRING_TIMEOUT_MS = 30_000;
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;
const MINUTE_MS = 60_000;
const PUSH_THROTTLE_MS = 300;
/** An in-memory partition (no `persist:` prefix) just for token requests: no cookie jar on disk. */
const TOKEN_PARTITION = 'tokentray-token-requests';

// A second launch may arrive before the window exists; it is opened once it can be.
let openWindowNow: ((account: string | null) => void) | null = null;
let openWindowPending = false;

// Proxy sign-in: token requests ask through these prompts, which the account window shows once it
// exists (asked before, they are shown when it is attached).
const proxyLogins = createProxyLoginPrompts();

// Interactive sign-in opens the system browser (RFC 8252), http(s) URLs only. `shell` is read
// when a sign-in asks, not when this module loads.
const openInBrowser = (url: string): Promise<void> => createOpenExternal(shell)(url);

// Sign in… from a notification's button; set once the request handlers exist (setupIpc).
let startSignIn: ((account: string) => Promise<void>) | null = null;

// Renewals paused or resumed, from the window or the tray: both show it.
const pausedListeners = new Set<(paused: boolean) => void>();
/** Tells the window and the tray that renewals were paused or resumed. */
export function announcePaused(paused: boolean): void {
  for (const listener of pausedListeners) listener(paused);
}
/** Calls `listener` whenever renewals are paused or resumed. */
export function onPausedChanged(listener: (paused: boolean) => void): () => void {
  pausedListeners.add(listener);
  return () => pausedListeners.delete(listener);
}

/** Storage protection and whether secrets are persisted, as this session found and chose them. */
export interface StorageState {
  secrets: SecretStorage;
  persisting: boolean;
  status(): StorageStatus;
}

/** Runs before `ready`: isolated userData if asked, the single-instance lock, the app scheme. False: quit. */
export function setupProcess(): boolean {
  const userData = userDataDirFromArgv(process.argv);
  if (userData !== null) app.setPath('userData', path.resolve(userData));
  const primary = claimSingleInstance(app, () => {
    if (openWindowNow !== null) openWindowNow(null);
    else openWindowPending = true;
  });
  if (!primary) {
    app.quit();
    return false;
  }
  registerAppScheme(protocol);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  // A tray app stays resident when its window closes.
  app.on('window-all-closed', () => undefined);
  return true;
}

/** Runs `start` once the app is ready; a start-up failure is shown and ends the app. */
export function whenReady(start: () => Promise<void>): void {
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      dialog.showErrorBox('Tokentray could not start', toErrorInfo(error).message);
      app.exit(1);
    });
}

/** A redacting logger writing to userData/logs/main.log and stderr. */
export function setupLog(): Logger {
  const dir = app.getPath('logs');
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(path.join(dir, 'main.log'), { flags: 'a', mode: 0o600 });
  return createLogger((line) => {
    file.write(`${line}\n`);
    process.stderr.write(`${line}\n`);
  });
}

/** Deny-all permissions on every session we use; no application menu outside macOS. */
export function setupSessions(): void {
  denyAllPermissions(session.defaultSession);
  denyAllPermissions(session.fromPartition(TOKEN_PARTITION));
  if (process.platform === 'darwin') {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]),
    );
  } else {
    Menu.setApplicationMenu(null);
  }
}

/** Serves dist/renderer on app://tokentray. */
export function setupAppProtocol(): void {
  serveAppProtocol(protocol, path.join(app.getAppPath(), 'dist', 'renderer'));
}

/** Settings and window bounds in userData. */
export function setupSettings(): SettingsStore {
  return openSettingsStore(app.getPath('userData'));
}

/** The safeStorage cipher and how well it protects secrets here. */
export async function setupSecretStorage(log: Logger, settings: SettingsStore): Promise<StorageState> {
  const secrets = await openSafeStorage({
    safeStorage,
    platform: process.platform,
    isReady: () => app.isReady(),
    timeoutMs: KEYRING_TIMEOUT_MS,
    log: (message) => log.info(message),
  });
  const state: StorageState = {
    secrets,
    persisting: persistSecretsFor(secrets.protection, settings.get().persistWeakSecrets),
    status: () => describeStorage(state.secrets, state.persisting),
  };
  return state;
}

let dataDirLock: DataDirLock | null = null;

/** Releases the data dir lock taken by setupEngine (on quit). */
export function releaseDataDirLock(): void {
  dataDirLock?.release();
  dataDirLock = null;
}

/**
 * The token engine over userData, fetching through Electron's network stack; started. If the user
 * accepts weak storage while it runs, it continues with an engine that persists secrets.
 */
export async function setupEngine(deps: {
  log: Logger;
  storage: StorageState;
  settings: SettingsStore;
}): Promise<SwitchableEngine> {
  const dataDir = app.getPath('userData');
  // One engine per data dir: a headless agent on the same dir would burn rotating refresh tokens.
  // A lock left by an app that never saw before-quit (Windows log-off) is taken over once its owner
  // is shown to be gone: its pid is dead or started at another time, and its socket does not answer.
  dataDirLock = await acquireDataDirLockAsync(dataDir, {
    socketPath: defaultSocketPath(dataDir),
    log: (message) => deps.log.warn(message),
  });
  const tokenSession = session.fromPartition(TOKEN_PARTITION);
  // net.request, not session.fetch: session.fetch cancels every proxy challenge (its request has no
  // 'login' listener), so renewals behind a proxy that asks for a password failed with 407.
  const netFetch = createNetFetch({
    request: (options) => net.request(options),
    session: tokenSession,
    proxyCredentials: createProxyCredentialsProvider({ ask: proxyLogins.ask }),
  });
  const fetch = tokenFetch(netFetch, { timeoutMs: TOKEN_REQUEST_TIMEOUT_MS });
  const make = (persistSecrets: boolean): Engine =>
    createEngine({
      dataDir,
      cipher: deps.storage.secrets.cipher,
      fetch,
      log: deps.log,
      persistSecrets,
      requestTimeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
      defaultNotifyBeforeSeconds: deps.settings.get().defaultNotifyBeforeSeconds,
      openBrowser: openInBrowser,
    });
  const engine = createSwitchableEngine(make(deps.storage.persisting), (message) => deps.log.warn(message));
  await engine.start();
  // A keyring that answered after the start-up timeout (unlocked late at login): secrets become
  // readable without a restart. The locked engine wrote no secret, so nothing is lost by switching.
  void deps.storage.secrets.later?.then(async (late) => {
    if (late === null || deps.storage.secrets.protection !== 'unavailable') return;
    deps.storage.secrets = late;
    deps.storage.persisting = persistSecretsFor(late.protection, deps.settings.get().persistWeakSecrets);
    await engine.switchTo(make(deps.storage.persisting)).catch((error: unknown) => {
      deps.log.error('switching to the keyring that answered late failed', { error: String(error) });
    });
  });
  deps.settings.onChange((next) => {
    engine.configure({ defaultNotifyBeforeSeconds: next.defaultNotifyBeforeSeconds });
    if (!next.persistWeakSecrets || deps.storage.persisting || deps.storage.secrets.protection !== 'weak')
      return;
    deps.storage.persisting = true;
    engine.switchTo(make(true)).catch((error: unknown) => {
      deps.log.error('switching to persisted secrets failed', { error: String(error) });
    });
  });
  return engine;
}

/**
 * Quit as the person asked for it (the tray's Quit, the window's): the window is closed first,
 * asking about unsaved changes, and "Keep editing" leaves the app running. A quit from elsewhere
 * (macOS's Cmd+Q, log-out, SIGTERM) drops them without asking (setupQuit).
 */
export async function quitAsking(window: AccountWindowController): Promise<void> {
  if (await window.closeAsking()) app.quit();
}

/** The account window, created on demand; a pending second-launch request opens it now. */
export function setupAccountWindow(deps: { settings: SettingsStore; log: Logger }): AccountWindowController {
  const controller = createAccountWindowController({
    BrowserWindow,
    preloadPath: path.join(app.getAppPath(), 'dist', 'preload', 'index.cjs'),
    devTools: !app.isPackaged,
    iconPath: path.join(resourceDir(), 'icon.png'),
    loadBounds: () => deps.settings.loadBounds(),
    saveBounds: (bounds) => deps.settings.saveBounds(bounds),
    workAreas: () => screen.getAllDisplays().map((display) => display.workArea),
    askDiscard: async (win) => {
      const { response } = await dialog.showMessageBox(win, {
        type: 'question',
        message: 'Discard unsaved changes?',
        detail: 'The account form has changes that were not saved. Closing the window drops them.',
        buttons: ['Discard changes', 'Keep editing'],
        defaultId: 1,
        cancelId: 1,
      });
      return response === 0;
    },
    log: (message) => deps.log.warn(message),
  });
  openWindowNow = (account) => controller.open(account);
  proxyLogins.attachWindow(controller);
  controller.onClosed(() => proxyLogins.windowClosed());
  if (openWindowPending) controller.open(null);
  openWindowPending = false;
  app.on('activate', () => controller.open(null));
  return controller;
}

/** The concealed, self-clearing clipboard. */
export function setupClipboard(log: Logger): SecretClipboard {
  // Under Wayland a copy from the tray (an unfocused app) can be dropped while Chromium's cache
  // claims it took: each copy and clear is checked with wl-paste and repaired with wl-copy.
  const { check, copier } = createSystemClipboardTools({
    platform: process.platform,
    env: process.env,
    log: (message) => log.warn(message),
  });
  return createSecretClipboard({
    clipboard,
    ClipboardItem,
    platform: process.platform,
    log: (message) => log.warn(message),
    check,
    copier,
    onClearFailed: (message) => {
      const shown =
        notifier?.show({
          account: null,
          title: 'Tokentray: the token is still on the clipboard',
          body: message,
        }) ?? false;
      if (!shown) {
        void dialog.showMessageBox({
          type: 'warning',
          message: 'Tokentray could not clear the clipboard',
          detail: message,
        });
      }
    },
  });
}

// Live notifications are referenced from here for the app's life (see notifications.ts).
let notifier: Notifier | null = null;

/** Desktop notifications from the engine's notification policy; a click opens that account. */
export function setupNotifications(deps: {
  engine: Engine;
  settings: SettingsStore;
  window: AccountWindowController;
  log: Logger;
}): Notifier {
  notifier = createNotifier({
    Notification,
    onClick: (account) => deps.window.open(account),
    onSignIn: (account) => void startSignIn?.(account),
    // An unsigned macOS build (Electron >= 42) cannot notify: the tray icon and menu still show
    // every account's state; say so once, in a message box, instead of failing silently each time.
    onUnavailable: (reason) => {
      deps.log.warn('notifications unavailable', { reason });
      void dialog.showMessageBox({
        type: 'info',
        message: 'Tokentray cannot show notifications on this computer',
        detail: `${reason}\n\nWarnings about expiring tokens and failed renewals will show in the tray icon and its menu instead.`,
      });
    },
  });
  const watch = watchForNotices({
    engine: deps.engine,
    notifier,
    now: () => Date.now(),
    defaultNotifyBeforeSeconds: () => deps.settings.get().defaultNotifyBeforeSeconds,
  });
  setInterval(() => watch.check(), MINUTE_MS).unref();
  return notifier;
}

/** The application's request handlers behind the checked IPC layer, and the accountsChanged push. */
export function setupIpc(deps: {
  engine: Engine;
  settings: SettingsStore;
  storage: StorageState;
  window: AccountWindowController;
  clipboard: SecretClipboard;
  log: Logger;
}): AppHandlers {
  const ports: AppPorts = {
    engine: deps.engine,
    clipboard: deps.clipboard,
    settings: { get: () => deps.settings.get(), set: (patch) => deps.settings.set(patch) },
    saveExport: (contents, suggestedName) =>
      saveExportWithDialog(dialog, deps.window.current(), contents, suggestedName),
    pausedChanged: (paused) => announcePaused(paused),
    proxyLogin: proxyLogins,
    signInProgress: (progress) => deps.window.push('signInProgress', progress),
    openExternal: openInBrowser,
    installCli: () => installCliTool(electronCliInstallContext(app)),
    quit: () => void quitAsking(deps.window),
    appInfo: () => {
      const status = deps.storage.status();
      return {
        version: app.getVersion(),
        platform: process.platform,
        storageProtection: status.protection,
        storageWarning: status.warning,
        cliCommand: cliCommand(),
        notices: [...deps.engine.notices],
        // Others are left to `tokentray remove` (its warning says so when it can).
        setAsideAccounts: namesTheWindowMaySend(deps.engine.setAside),
      };
    },
  };
  const handlers = createRequestHandlers(ports);
  registerIpcHandlers(ipcMain, handlers, (message) => deps.log.warn(message));
  startSignIn = desktopSignIn(deps.window, handlers);
  const push = throttle(() => deps.window.push('accountsChanged', deps.engine.list()), PUSH_THROTTLE_MS);
  deps.engine.on(() => push());
  onPausedChanged((paused) => deps.window.push('pausedChanged', paused));
  deps.settings.onChange((next) => deps.window.push('settingsChanged', next));
  return handlers;
}

/** Sign in… from the tray or a notification: the window shows it; a notification if it was closed. */
export function desktopSignIn(
  window: AccountWindowController,
  handlers: AppHandlers,
): (account: string) => Promise<void> {
  return createDesktopSignIn({
    window,
    signIn: (name) => handlers.signIn(name),
    report: (account, title, body) =>
      void notifier?.show({ account, title, body: redactForNotification(body) }),
  });
}

/** Where packaged resources live: next to the app in a build, build/ in a checkout. */
export function resourceDir(): string {
  return app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'build');
}

/** How a script calls the CLI on this installation: the standalone executable once packaged. */
function cliCommand(): string {
  if (app.isPackaged) {
    // The deb links /usr/bin/tokentray to it; elsewhere the executable ships in the resources.
    if (process.platform === 'linux' && existsSync('/usr/bin/tokentray')) return 'tokentray';
    const exe = path.join(
      process.resourcesPath,
      'bin',
      process.platform === 'win32' ? 'tokentray.exe' : 'tokentray',
    );
    return `"${exe}"`;
  }
  return `node "${path.join(app.getAppPath(), 'bin', 'tokentray.cjs')}"`;
}
