/**
 * The window factory: the only `new BrowserWindow` in the app. The account window is created on
 * demand, one at a time, destroyed on close (the tray stays light) and reopens where it was.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle, WebContents } from 'electron';
import { pushChannels, type PushName, type Pushes } from '../../preload/contract.js';
import { toErrorInfo } from '../engine/errors.js';
import { APP_INDEX_URL, isAppUrl } from './app-origin.js';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 960, height: 680 };
const MIN_WIDTH = 640;
const MIN_HEIGHT = 480;

/** The exact options of the account window: isolated, sandboxed, no Node, nothing experimental. */
export function accountWindowOptions(opts: {
  preloadPath: string;
  bounds: WindowBounds;
  devTools: boolean;
  iconPath?: string;
}): BrowserWindowConstructorOptions {
  return {
    title: 'Tokentray',
    ...opts.bounds,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    autoHideMenuBar: true,
    ...(opts.iconPath === undefined ? {} : { icon: opts.iconPath }),
    webPreferences: {
      preload: opts.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: opts.devTools,
    },
  };
}

/** Keeps saved bounds only if they still overlap a display's work area (a monitor may be gone). */
export function fitBounds(saved: WindowBounds | null, workAreas: Rectangle[]): WindowBounds {
  if (saved === null) return DEFAULT_BOUNDS;
  const width = Math.max(MIN_WIDTH, Math.round(saved.width));
  const height = Math.max(MIN_HEIGHT, Math.round(saved.height));
  if (saved.x === undefined || saved.y === undefined) return { width, height };
  const { x, y } = saved;
  const visible = workAreas.some(
    (area) =>
      x < area.x + area.width - 40 &&
      x + width > area.x + 40 &&
      y >= area.y - 10 &&
      y < area.y + area.height - 40,
  );
  return visible ? { x: Math.round(x), y: Math.round(y), width, height } : { width, height };
}

/** Whether the window may navigate to `url`: only within the app's own origin. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Refuses navigation away from the app, redirects, new windows and `<webview>` attachment. */
export function guardWebContents(contents: GuardedContents): void {
  contents.on('will-navigate', (event) => {
    if (!navigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!navigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export interface AccountWindowDeps {
  BrowserWindow: BrowserWindowClass;
  preloadPath: string;
  devTools: boolean;
  iconPath?: string;
  loadBounds(): WindowBounds | null;
  saveBounds(bounds: WindowBounds): void;
  workAreas(): Rectangle[];
  /**
   * Asks whether to drop the form's unsaved changes (the page's `beforeunload` said it has some);
   * true: discard and close. Asynchronous, so the main process keeps serving tokens meanwhile.
   * Without it a close never asks.
   */
  askDiscard?: (win: BrowserWindow) => Promise<boolean>;
  log?: (message: string) => void;
}

export interface AccountWindowController {
  /** Shows the window (creating it if needed), optionally on one account. */
  open(account: string | null): void;
  /** Sends a push to the window if it is open and loaded. */
  push<K extends PushName>(name: K, payload: Pushes[K]): void;
  isOpen(): boolean;
  /** The open window (a parent for dialogs), or null. */
  current(): BrowserWindow | null;
  /** Calls `listener` each time the window is closed. */
  onClosed(listener: () => void): void;
  /**
   * Closes the window as its close button does, asking about unsaved changes: true once it is
   * closed (or there was none), false when the person keeps editing. A page that answers
   * nothing within CLOSE_ANSWER_MS (a hung renderer) is closed anyway.
   */
  closeAsking(): Promise<boolean>;
  /** From now on a close drops unsaved changes without asking (the app is quitting). */
  dropUnsavedChanges(): void;
}

/** How long a closing page has to run its `beforeunload` before the window is destroyed. */
const CLOSE_ANSWER_MS = 10_000;

/** How soon after a reload a second renderer crash closes the window instead. */
const RELOAD_AFTER_CRASH_MIN_MS = 60_000;

/** One account window at a time, created on demand and destroyed on close. */
export function createAccountWindowController(deps: AccountWindowDeps): AccountWindowController {
  let window: BrowserWindow | null = null;
  let loaded = false;
  let pendingFocus: string | null = null;
  let lastReloadAt = Number.NEGATIVE_INFINITY;
  /** A close that proceeds without asking: the person chose Discard (this window's), or the app is quitting. */
  let discarding = false;
  let quitting = false;
  let asking = false;
  /** The pending closeAsking's: the page answered (stop the hung-page timer), and the outcome. */
  let closeWaiter: { answered(): void; kept(): void } | null = null;
  let pendingClose: Promise<boolean> | null = null;
  const closedListeners = new Set<() => void>();

  const alive = (): BrowserWindow | null => (window !== null && !window.isDestroyed() ? window : null);

  /** Destroys `win` unless it closes within CLOSE_ANSWER_MS (a page hung in its beforeunload). */
  const destroyUnlessClosed = (win: BrowserWindow, what: string): ReturnType<typeof setTimeout> => {
    const hung = setTimeout(() => {
      deps.log?.(`account window did not close ${what}; closing it anyway`);
      if (!win.isDestroyed()) win.destroy();
    }, CLOSE_ANSWER_MS);
    win.once('closed', () => clearTimeout(hung));
    return hung;
  };

  const sendFocus = (win: BrowserWindow, account: string): void => {
    win.webContents.send(pushChannels.focusAccount, account);
  };

  const create = (): BrowserWindow => {
    const bounds = fitBounds(deps.loadBounds(), deps.workAreas());
    const options = accountWindowOptions({
      preloadPath: deps.preloadPath,
      bounds,
      devTools: deps.devTools,
      ...(deps.iconPath === undefined ? {} : { iconPath: deps.iconPath }),
    });
    const win = new deps.BrowserWindow(options);
    loaded = false;
    guardWebContents(win.webContents);
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-finish-load', () => {
      loaded = true;
      if (pendingFocus !== null) sendFocus(win, pendingFocus);
      pendingFocus = null;
    });
    // A renderer that crashed or was killed leaves a blank window: load the page again, once a
    // minute at most (a page that keeps crashing would loop), else close the window; the next
    // open makes a new one.
    win.webContents.on('render-process-gone', (_event, details) => {
      loaded = false;
      const now = Date.now();
      if (now - lastReloadAt < RELOAD_AFTER_CRASH_MIN_MS) {
        deps.log?.(`account window's page ended again (${details.reason}); closing the window`);
        win.destroy();
        return;
      }
      lastReloadAt = now;
      deps.log?.(`account window's page ended (${details.reason}); loading it again`);
      win.webContents.reload();
    });
    // The form's beforeunload said it has unsaved changes (renderer/src/components/App.tsx).
    // preventDefault here lets the page go; not calling it keeps the page, so the question is
    // asked without blocking, and a Discard closes again, this time letting it go.
    win.webContents.on('will-prevent-unload', (event) => {
      closeWaiter?.answered();
      if (discarding || quitting || deps.askDiscard === undefined) {
        event.preventDefault();
        return;
      }
      if (asking) return;
      asking = true;
      void deps
        .askDiscard(win)
        .catch(() => false)
        .then((discard) => {
          asking = false;
          if (win.isDestroyed()) return;
          if (!discard) {
            closeWaiter?.kept();
            return;
          }
          discarding = true;
          // The page answered once; if it hangs in this second beforeunload, it goes all the same.
          destroyUnlessClosed(win, 'after Discard changes');
          win.close();
        });
    });
    win.on('close', () => deps.saveBounds(win.getNormalBounds()));
    win.on('closed', () => {
      if (window === win) window = null;
      loaded = false;
      discarding = false;
      asking = false;
      for (const listener of closedListeners) listener();
    });
    win.loadURL(APP_INDEX_URL).catch((error: unknown) => {
      deps.log?.(`account window failed to load: ${toErrorInfo(error).message}`);
    });
    return win;
  };

  return {
    open(account) {
      const existing = alive();
      if (existing === null) {
        pendingFocus = account;
        window = create();
        return;
      }
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      if (account === null) return;
      if (loaded) sendFocus(existing, account);
      else pendingFocus = account;
    },
    push(name, payload) {
      const win = alive();
      if (win === null || !loaded) return;
      win.webContents.send(pushChannels[name], payload);
    },
    isOpen: () => alive() !== null,
    current: () => alive(),
    onClosed: (listener) => {
      closedListeners.add(listener);
    },
    closeAsking() {
      const win = alive();
      if (win === null) return Promise.resolve(true);
      // Quit chosen twice while the question is up: one question, one answer for both.
      if (pendingClose !== null) return pendingClose;
      pendingClose = new Promise<boolean>((resolve) => {
        const finish = (closed: boolean): void => {
          clearTimeout(hung);
          win.removeListener('closed', onClosed);
          closeWaiter = null;
          pendingClose = null;
          resolve(closed);
        };
        const onClosed = (): void => finish(true);
        win.once('closed', onClosed);
        // Until the page answers (it closes, or will-prevent-unload comes): a hung page is
        // destroyed, and its 'closed' ends this close.
        const hung = destroyUnlessClosed(win, 'when asked to');
        closeWaiter = { answered: () => clearTimeout(hung), kept: () => finish(false) };
        win.close();
      });
      return pendingClose;
    },
    dropUnsavedChanges() {
      quitting = true;
    },
  };
}
