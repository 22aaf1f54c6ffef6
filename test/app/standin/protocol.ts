/**
 * The messages between a whole-app test (test/app/app-harness.ts, under our Node) and the
 * Electron stand-in running the built app (test/app/standin/electron-standin.ts, under Electron's
 * Node), over Node's child-process IPC channel. Plain JSON both ways.
 */

/** How the stand-in is set up for one launch (JSON in the TOKENTRAY_STANDIN environment variable). */
export interface StandinConfig {
  /** Chromium to drive the app's windows. */
  chromium: string;
  /** playwright-core's package folder (the app under test has no node_modules). */
  playwright: string;
  /** Where the stand-in keeps Chromium's profile and its keyring key. */
  stateDir: string;
  /**
   * The Linux secret store Chromium would pick: `gnome_libsecret` (a keyring: v11 ciphertext),
   * `basic_text` (no keyring: v10, a fixed key), `basic_text_with_key` (Sway, Hyprland: the backend
   * says basic_text, the async key provider still has a keyring key: v11), `unavailable`.
   */
  keyring: 'gnome_libsecret' | 'basic_text' | 'basic_text_with_key' | 'unavailable';
  /** What `dialog.showSaveDialog` answers (null: cancelled). */
  saveDialogPath: string | null;
  /** What `Notification.show()` does: shows it, or emits `failed` as an unsigned macOS app gets. */
  notifications: 'shown' | 'failed';
  /** The buttons `dialog.showMessageBox` answers, in turn (its first button once they run out). */
  messageBoxResponses: number[];
}

/** A menu item as the test sees it (what Electron would draw). */
export interface MenuItemView {
  type: string;
  label: string;
  enabled: boolean;
  checked: boolean;
  submenu: MenuItemView[] | null;
}

export type Command =
  | { op: 'trayState' }
  | { op: 'trayOpenMenu' }
  | { op: 'trayCloseMenu' }
  | { op: 'trayClickItem'; path: string[] }
  | { op: 'trayClickIcon' }
  | { op: 'notificationClick'; index: number }
  | { op: 'clipboardRead' }
  | { op: 'windows' }
  | { op: 'cdpEndpoint' }
  | { op: 'quit' };

export interface TrayState {
  exists: boolean;
  image: string | null;
  tooltip: string | null;
  menu: MenuItemView[] | null;
  /** How many times a context menu was set (each replaces an open menu). */
  menusSet: number;
}

export interface ClipboardState {
  text: string;
  formats: string[];
  /** Format → value, for the markers that are text. */
  markers: Record<string, string>;
}

export interface WindowState {
  id: number;
  url: string;
  visible: boolean;
  title: string;
}

/** What the stand-in reports on its own. */
export type StandinEvent =
  | { event: 'ready' }
  | { event: 'errorBox'; title: string; content: string }
  | { event: 'notification'; index: number; title: string; body: string }
  | { event: 'clipboardCleared' }
  | { event: 'saveDialog'; parentWindowId: number | null }
  | {
      event: 'messageBox';
      parentWindowId: number | null;
      message: string;
      buttons: string[];
      response: number;
    }
  /** `shell.openExternal(url)`: the system browser would open `url` (the test drives it in Chromium). */
  | { event: 'openExternal'; url: string }
  | { event: 'strictness'; message: string }
  | { event: 'exiting'; code: number };

export interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}
