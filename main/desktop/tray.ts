/**
 * The tray adapter: turns the pure tray model into an Electron Tray and Menu. The Tray is held in
 * a module-level reference for the app's life (a collected Tray disappears from the panel), and
 * the menu is replaced only when its content changed.
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

  const apply = (model: TrayModel): void => {
    if (model.icon !== shownIcon) {
      if (shownIcon !== null) tray.setImage(deps.iconPath(model.icon));
      shownIcon = model.icon;
    }
    if (model.tooltip !== shownTooltip) {
      tray.setToolTip(model.tooltip);
      shownTooltip = model.tooltip;
    }
    const menuKey = JSON.stringify(model.menu);
    if (menuKey !== shownMenu) {
      // Linux (StatusNotifierItem) only sees a menu set again as a whole, so always replace it.
      tray.setContextMenu(deps.Menu.buildFromTemplate(toTemplate(model.menu, deps.run)));
      shownMenu = menuKey;
    }
  };

  // Windows shows the context menu only on right click; make a left click do the same.
  if (deps.platform === 'win32') tray.on('click', () => tray.popUpContextMenu());
  apply(first);

  return {
    refresh: () => {
      if (!tray.isDestroyed()) apply(deps.model());
    },
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
