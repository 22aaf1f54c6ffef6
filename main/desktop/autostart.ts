/**
 * Start at login: `setLoginItemSettings` on macOS and Windows; on Linux an XDG autostart
 * `.desktop` file (Electron has no API there). Flatpak is not supported (it needs a portal).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from 'electron';

const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** Quotes one Exec argument per the Desktop Entry spec (double quotes; `"`, `` ` ``, `$`, `\` escaped inside). */
export function quoteExecArgument(arg: string): string {
  if (arg !== '' && !RESERVED.test(arg)) return arg;
  return `"${arg.replace(/["`$\\]/g, '\\$&')}"`;
}

/** Escapes a value of type string for a desktop file line (the spec applies this after the quoting). */
export function escapeDesktopString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/** The Exec value for `argv`: quoted arguments, `%` doubled (field codes), string-escaped. */
export function execValue(argv: readonly string[]): string {
  return escapeDesktopString(argv.map(quoteExecArgument).join(' ').replace(/%/g, '%%'));
}

/** The autostart desktop entry that launches `argv`. */
export function desktopEntry(opts: {
  name: string;
  comment: string;
  argv: readonly string[];
  icon?: string;
}): string {
  const lines = [
    '[Desktop Entry]',
    'Type=Application',
    // 1.4: the newest spec version desktop-file-validate (Debian 12) knows; nothing here needs 1.5.
    'Version=1.4',
    `Name=${escapeDesktopString(opts.name)}`,
    `Comment=${escapeDesktopString(opts.comment)}`,
    `Exec=${execValue(opts.argv)}`,
  ];
  if (opts.icon !== undefined) lines.push(`Icon=${escapeDesktopString(opts.icon)}`);
  lines.push('Terminal=false', 'X-GNOME-Autostart-enabled=true', '');
  return lines.join('\n');
}

/** `$XDG_CONFIG_HOME/autostart/<id>.desktop` (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function autostartFilePath(env: NodeJS.ProcessEnv, home: string, id: string): string {
  const configured = env.XDG_CONFIG_HOME;
  const configHome =
    configured !== undefined && path.isAbsolute(configured) ? configured : path.join(home, '.config');
  return path.join(configHome, 'autostart', `${id}.desktop`);
}

/** The flag a start at login passes: start quietly, without the account window (unless it is the first run). */
export const HIDDEN_FLAG = '--hidden';

/** Whether this process was started at login (`--hidden`) rather than by the user. */
export function launchedHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_FLAG);
}

/**
 * Whether the account window opens when the app starts. A launch by the user always opens it: on
 * a desktop without a tray icon (GNOME without the AppIndicator extension) it is the only way in.
 * A start at login opens it only on the first run, when there is no account yet.
 */
export function opensWindowAtStart(launch: { hidden: boolean; accounts: number }): boolean {
  return !launch.hidden || launch.accounts === 0;
}

/**
 * What to run at login, ending in `--hidden`: the AppImage file itself when there is one, else the
 * executable (plus the app path unpackaged).
 */
export function launchCommand(opts: {
  execPath: string;
  appImage: string | undefined;
  isPackaged: boolean;
  appPath: string;
}): string[] {
  if (opts.appImage !== undefined && opts.appImage !== '') return [opts.appImage, HIDDEN_FLAG];
  return opts.isPackaged ? [opts.execPath, HIDDEN_FLAG] : [opts.execPath, opts.appPath, HIDDEN_FLAG];
}

/** Quotes one argument for a Windows command line (the Run key), the way CommandLineToArgvW reads it. */
export function windowsArgument(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  // Backslashes are literal except before a quote: double those, and those before the closing one.
  const escaped = arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1');
  return `"${escaped}"`;
}

export interface AutostartDeps {
  platform: NodeJS.Platform;
  app: Pick<App, 'setLoginItemSettings'>;
  env: NodeJS.ProcessEnv;
  home: string;
  /** What to run at login (see launchCommand); macOS starts the app bundle itself and takes no arguments. */
  argv: readonly string[];
}

export interface Autostart {
  /** Turns start-at-login on or off; throws with a reason a person can act on. */
  set(enabled: boolean): Promise<void>;
}

/** The start-at-login adapter for this platform. */
export function createAutostart(deps: AutostartDeps): Autostart {
  return {
    async set(enabled) {
      if (deps.platform === 'darwin') {
        deps.app.setLoginItemSettings({ openAtLogin: enabled });
        return;
      }
      if (deps.platform === 'win32') {
        const [exe, ...args] = deps.argv;
        deps.app.setLoginItemSettings({
          openAtLogin: enabled,
          ...(exe === undefined ? {} : { path: exe }),
          args: args.map(windowsArgument),
        });
        return;
      }
      if (deps.env.FLATPAK_ID !== undefined) {
        throw new Error(
          'Start at login is not supported in the Flatpak build; use your desktop’s autostart settings',
        );
      }
      const file = autostartFilePath(deps.env, deps.home, 'tokentray');
      if (!enabled) {
        await rm(file, { force: true });
        return;
      }
      await mkdir(path.dirname(file), { recursive: true });
      const entry = desktopEntry({
        name: 'Tokentray',
        comment: 'Keeps API bearer tokens fresh',
        argv: deps.argv,
      });
      await writeFile(file, entry, { mode: 0o644 });
    },
  };
}
