/**
 * The tray adapter: turns the pure tray model into an Electron Tray and Menu. The Tray is held in
 * a module-level reference for the app's life (a collected Tray disappears from the panel). The
 * menu is replaced only when what it shows changed, and never while it is open: Tray has no
 * open/close events, so the built Menu's `menu-will-show` and `menu-will-close` tell, and a
 * rebuild asked for meanwhile is applied once it has closed. Icon and tooltip update at any time
 * (setImage and setToolTip leave the menu alone).
 */
import type { Menu, MenuItemConstructorOptions, Tray } from 'electron';
import type { TrayAction, TrayIconState, TrayMenuEntry, TrayModel } from '../engine/tray-model.js';

/** Maps the model's entries to an Electron menu template; clicks run the entry's action. */
export function toTemplate(
  entries: TrayMenuEntry[],
  run: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return entries.map((entry): MenuItemConstructorOptions => {
    switch (entry.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: entry.label, enabled: false };
      case 'action':
        return { label: entry.label, enabled: entry.enabled, click: () => run(entry.action) };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: entry.label,
          checked: entry.checked,
          click: () => run(entry.action),
        };
      case 'submenu':
        return { label: entry.label, submenu: toTemplate(entry.entries, run) };
    }
  });
}

/** The icon file for a state: a template image on macOS (dark mode inverts it), .ico on Windows, PNG on Linux. */
export function trayIconFile(state: TrayIconState, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray-${state}Template.png`;
  if (platform === 'win32') return `tray-${state}.ico`;
  return `tray-${state}.png`;
}

/** What a left click on the tray icon does, where Electron reports one. */
export type TrayClick = 'menu' | 'window' | 'native';

/**
 * Windows shows the context menu only on right click, so a left click pops it up too. Linux
 * StatusNotifierItem hosts (KDE Plasma and others) send `click` for a left click and expect the
 * app's main window: it opens the account window. macOS shows the menu on click by itself.
 */
export function trayClick(platform: NodeJS.Platform): TrayClick {
  if (platform === 'win32') return 'menu';
  if (platform === 'darwin') return 'native';
  return 'window';
}

/**
 * How long a menu counts as open without its `menu-will-close`. A host that never reports the
 * close (some StatusNotifierItem hosts may not) must not freeze the menu for good: past this, a
 * rebuild no longer waits. Longer than anyone reads a tray menu.
 */
export const MENU_OPEN_MAX_MS = 2 * 60_000;

/** True while a rebuild must wait: the menu opened at `openedAt` (null: closed) and not implausibly long ago. */
export function menuBusy(openedAt: number | null, now: number): boolean {
  return openedAt !== null && now - openedAt < MENU_OPEN_MAX_MS;
}

/** What the menu shows and does; equal keys mean a rebuild would change nothing. */
export function menuKey(entries: TrayMenuEntry[]): string {
  return JSON.stringify(entries);
}

// Module-level on purpose: the Tray must outlive every function that touches it.
let liveTray: Tray | null = null;

export interface TrayDeps {
  /** Constructed with an icon file path. */
  Tray: new (image: string) => Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  iconPath(state: TrayIconState): string;
  model(): TrayModel;
  run(action: TrayAction): void;
  platform: NodeJS.Platform;
  /** Wall clock, for a menu whose close was never reported (MENU_OPEN_MAX_MS). */
  now(): number;
  /**
   * Runs `fn` after the current event. A rebuild waiting for the menu to close runs through it:
   * on macOS the chosen item's click is dispatched after `menu-will-close`, on the menu it belongs to.
   */
  defer(fn: () => void): void;
}

export interface TrayController {
  /** Recomputes the model and updates icon, tooltip and menu where they changed. */
  refresh(): void;
  destroy(): void;
}

/** Creates the tray icon and keeps it in step with `model()`. */
export function createTrayController(deps: TrayDeps): TrayController {
  const first = deps.model();
  const tray = new deps.Tray(deps.iconPath(first.icon));
  liveTray = tray;
  let shownIcon: TrayIconState | null = null;
  let shownTooltip: string | null = null;
  let shownMenu: string | null = null;
  /** When the current menu reported `menu-will-show`, null once closed or replaced. */
  let menuOpenedAt: number | null = null;
  /** A rebuild was wanted while the menu was open. */
  let pending = false;

  const refresh = (): void => {
    if (!tray.isDestroyed()) apply(deps.model());
  };

  const buildMenu = (entries: TrayMenuEntry[]): Menu => {
    const menu = deps.Menu.buildFromTemplate(toTemplate(entries, deps.run));
    menu.on('menu-will-show', () => {
      menuOpenedAt = deps.now();
    });
    menu.on('menu-will-close', () => {
      menuOpenedAt = null;
      if (!pending) return;
      pending = false;
      deps.defer(refresh);
    });
    return menu;
  };

  const applyMenu = (entries: TrayMenuEntry[]): void => {
    const key = menuKey(entries);
    if (key === shownMenu) {
      pending = false;
      return;
    }
    if (menuBusy(menuOpenedAt, deps.now())) {
      pending = true;
      return;
    }
    // Linux (StatusNotifierItem) only sees a menu set again as a whole, so always replace it.
    tray.setContextMenu(buildMenu(entries));
    shownMenu = key;
    menuOpenedAt = null;
    pending = false;
  };

  function apply(model: TrayModel): void {
    if (model.icon !== shownIcon) {
      if (shownIcon !== null) tray.setImage(deps.iconPath(model.icon));
      shownIcon = model.icon;
    }
    if (model.tooltip !== shownTooltip) {
      tray.setToolTip(model.tooltip);
      shownTooltip = model.tooltip;
    }
    applyMenu(model.menu);
  }

  const click = trayClick(deps.platform);
  if (click === 'menu') tray.on('click', () => tray.popUpContextMenu());
  if (click === 'window') tray.on('click', () => deps.run({ kind: 'open-window', account: null }));
  apply(first);

  return {
    refresh,
    destroy: () => {
      tray.destroy();
      if (liveTray === tray) liveTray = null;
    },
  };
}

/** The tray currently alive, if any. */
export function currentTray(): Tray | null {
  return liveTray;
}
