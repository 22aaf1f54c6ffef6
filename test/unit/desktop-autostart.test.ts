import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  autostartFilePath,
  createAutostart,
  desktopEntry,
  execValue,
  HIDDEN_FLAG,
  launchCommand,
  launchedHidden,
  opensWindowAtStart,
  quoteExecArgument,
  windowsArgument,
} from '../../main/desktop/autostart.js';
import { FakeApp } from '../fakes/electron-fake.js';

/** Undoes the desktop-file string escapes, then splits Exec the way the spec says a launcher must. */
function parseExec(value: string): string[] {
  const unescaped = value.replace(
    /\\(.)/g,
    (_m, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? `\\${c}`,
  );
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let inArg = false;
  for (let i = 0; i < unescaped.length; i++) {
    const c = unescaped[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < unescaped.length) current += unescaped[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      inArg = true;
    } else if (c === ' ') {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args.map((a) => a.replace(/%%/g, '%'));
}

describe('Exec escaping', () => {
  it('leaves plain arguments alone', () => {
    expect(quoteExecArgument('/opt/Tokentray/tokentray')).toBe('/opt/Tokentray/tokentray');
  });
  it('quotes spaces and escapes quote, backtick, dollar and backslash inside quotes', () => {
    expect(quoteExecArgument('/home/me/My Apps/Tokentray.AppImage')).toBe(
      '"/home/me/My Apps/Tokentray.AppImage"',
    );
    expect(quoteExecArgument('a"b`c$d\\e')).toBe('"a\\"b\\`c\\$d\\\\e"');
    expect(quoteExecArgument('')).toBe('""');
  });
  it('doubles % so no field code is expanded, and escapes backslashes again at the string level', () => {
    expect(execValue(['/opt/100% sure/app'])).toBe('"/opt/100%% sure/app"');
    expect(execValue(['C:\\x y'])).toBe('"C:\\\\\\\\x y"');
  });
  it.each([
    [['/opt/Tokentray/tokentray']],
    [['/home/me/My Apps/Tokentray.AppImage']],
    [['/home/o\'brien/apps/"quoted"/token tray', '--flag=$HOME']],
    [['/tmp/100% legit/`whoami`/app', 'a\\b', 'tab\there']],
    [['/usr/lib/electron/electron', '/home/me/src/token tray']],
  ])('round-trips %j through the spec’s parsing rules', (argv) => {
    expect(parseExec(execValue(argv))).toEqual(argv);
  });
});

describe('autostart desktop entry', () => {
  it('is a valid Application entry that launches the app', () => {
    const entry = desktopEntry({
      name: 'Tokentray',
      comment: 'Keeps API bearer tokens fresh',
      argv: ['/opt/My Apps/tokentray'],
    });
    expect(entry).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.4',
        'Name=Tokentray',
        'Comment=Keeps API bearer tokens fresh',
        'Exec="/opt/My Apps/tokentray"',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
  });

  const validator = spawnSync('desktop-file-validate', ['--help']).error === undefined;
  it.skipIf(!validator)('passes desktop-file-validate', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-dfv-'));
    const file = path.join(dir, 'tokentray.desktop');
    await writeFile(file, desktopEntry({ name: 'Tokentray', comment: 'c', argv: ['/tmp/100% "x"/app'] }));
    expect(() => execFileSync('desktop-file-validate', [file])).not.toThrow();
    await rm(dir, { recursive: true, force: true });
  });

  it('lives in $XDG_CONFIG_HOME/autostart, or ~/.config/autostart when XDG_CONFIG_HOME is unset or relative', () => {
    expect(autostartFilePath({ XDG_CONFIG_HOME: '/x/conf' }, '/home/me', 'tokentray')).toBe(
      '/x/conf/autostart/tokentray.desktop',
    );
    expect(autostartFilePath({}, '/home/me', 'tokentray')).toBe(
      '/home/me/.config/autostart/tokentray.desktop',
    );
    expect(autostartFilePath({ XDG_CONFIG_HOME: 'rel/conf' }, '/home/me', 'tokentray')).toBe(
      '/home/me/.config/autostart/tokentray.desktop',
    );
  });

  it('launches the AppImage file itself, the executable when packaged, and executable plus app path unpackaged, each with --hidden', () => {
    expect(
      launchCommand({
        execPath: '/tmp/.mount_x/tokentray',
        appImage: '/home/me/Tokentray.AppImage',
        isPackaged: true,
        appPath: '/a',
      }),
    ).toEqual(['/home/me/Tokentray.AppImage', '--hidden']);
    expect(
      launchCommand({
        execPath: '/opt/Tokentray/tokentray',
        appImage: undefined,
        isPackaged: true,
        appPath: '/a',
      }),
    ).toEqual(['/opt/Tokentray/tokentray', '--hidden']);
    expect(
      launchCommand({
        execPath: '/usr/bin/electron',
        appImage: undefined,
        isPackaged: false,
        appPath: '/src/tt',
      }),
    ).toEqual(['/usr/bin/electron', '/src/tt', '--hidden']);
  });

  it('writes --hidden into the Exec line of the autostart entry', () => {
    const argv = launchCommand({
      execPath: '/opt/My Apps/tokentray',
      appImage: undefined,
      isPackaged: true,
      appPath: '/a',
    });
    const entry = desktopEntry({ name: 'Tokentray', comment: 'c', argv });
    expect(entry).toContain('Exec="/opt/My Apps/tokentray" --hidden\n');
    expect(parseExec(execValue(argv))).toEqual(['/opt/My Apps/tokentray', '--hidden']);
  });
});

describe('how the app was launched', () => {
  it.each([
    [['/opt/Tokentray/tokentray', '--hidden'], true],
    [['/usr/bin/electron', '/src/tt', '--hidden'], true],
    // Chromium may move switches ahead of the app's own arguments.
    [['/usr/bin/electron', '--hidden', '/src/tt', '--password-store=basic'], true],
    [['/opt/Tokentray/tokentray'], false],
    [['/usr/bin/electron', '/src/tt', '--user-data-dir=/tmp/p'], false],
    [['/opt/Tokentray/tokentray', '--hidden=no', '--hiddenx', 'hidden'], false],
    [[], false],
  ])('%j started hidden: %s', (argv, hidden) => {
    expect(launchedHidden(argv)).toBe(hidden);
  });

  it('knows the flag its own start-at-login command passes', () => {
    const argv = launchCommand({ execPath: '/x', appImage: '/y.AppImage', isPackaged: true, appPath: '/a' });
    expect(argv.at(-1)).toBe(HIDDEN_FLAG);
    expect(launchedHidden(argv)).toBe(true);
  });

  it.each([
    // A launch by the user: always, accounts or not (without a tray icon it is the only way in).
    [false, 0, true],
    [false, 3, true],
    // A start at login: only on the first run.
    [true, 0, true],
    [true, 1, false],
    [true, 250, false],
  ])('hidden %s with %i accounts opens the window at start: %s', (hidden, accounts, opens) => {
    expect(opensWindowAtStart({ hidden, accounts })).toBe(opens);
  });
});

describe('Windows command-line arguments', () => {
  it.each([
    ['--hidden', '--hidden'],
    ['C:\\src\\tokentray', 'C:\\src\\tokentray'],
    ['C:\\My Apps\\tokentray', '"C:\\My Apps\\tokentray"'],
    ['C:\\My Apps\\', '"C:\\My Apps\\\\"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['', '""'],
  ])('quotes %j as %s', (arg, quoted) => {
    expect(windowsArgument(arg)).toBe(quoted);
  });
});

describe('autostart adapter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-autostart-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes and removes the XDG file on Linux', async () => {
    const app = new FakeApp();
    const autostart = createAutostart({
      platform: 'linux',
      app,
      env: { XDG_CONFIG_HOME: dir },
      home: '/nowhere',
      argv: ['/opt/x y/tokentray'],
    });
    await autostart.set(true);
    const file = path.join(dir, 'autostart', 'tokentray.desktop');
    expect(await readFile(file, 'utf8')).toContain('Exec="/opt/x y/tokentray"');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await autostart.set(false);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await autostart.set(false);
    expect(app.loginItemSettings).toEqual([]);
  });

  it('uses setLoginItemSettings on macOS (a login item takes no arguments)', async () => {
    const app = new FakeApp();
    const autostart = createAutostart({
      platform: 'darwin',
      app,
      env: {},
      home: dir,
      argv: ['x', '--hidden'],
    });
    await autostart.set(true);
    await autostart.set(false);
    expect(app.loginItemSettings).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
  });

  it('uses setLoginItemSettings on Windows with the executable and --hidden', async () => {
    const app = new FakeApp();
    const argv = launchCommand({
      execPath: 'C:\\Program Files\\electron.exe',
      appImage: undefined,
      isPackaged: false,
      appPath: 'C:\\My Projects\\tokentray',
    });
    const autostart = createAutostart({ platform: 'win32', app, env: {}, home: dir, argv });
    await autostart.set(true);
    await autostart.set(false);
    const expected = {
      path: 'C:\\Program Files\\electron.exe',
      args: ['"C:\\My Projects\\tokentray"', '--hidden'],
    };
    expect(app.loginItemSettings).toEqual([
      { openAtLogin: true, ...expected },
      { openAtLogin: false, ...expected },
    ]);
  });

  it('refuses inside Flatpak, with a reason', async () => {
    const autostart = createAutostart({
      platform: 'linux',
      app: new FakeApp(),
      env: { FLATPAK_ID: 'com.tokentray.app', XDG_CONFIG_HOME: dir },
      home: dir,
      argv: ['x'],
    });
    await expect(autostart.set(true)).rejects.toThrow(/Flatpak/);
  });
});
