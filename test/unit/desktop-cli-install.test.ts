/**
 * "Install command-line tool": the planner for every platform (pure), the Windows PATH command as
 * a plan (not run: no Windows here), and the Linux executor for real against a temp HOME.
 */
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../../main/agent/shell-quote.js';
import {
  AGENT_ASSET_NAME,
  CHECKOUT_MESSAGE,
  cliInstallTarget,
  commandInMessage,
  executeCliInstall,
  installCliTool,
  pathIncludes,
  pathStepOutcome,
  planCliInstall,
  powershellQuote,
  scanExecutable,
  SEA_FUSE_SET,
  trayCliTool,
  windowsUserPathCommand,
  type CliInstallContext,
  type CliInstallFacts,
  type CommandResult,
  type CommandRunner,
} from '../../main/desktop/cli-install.js';

const MAC_RESOURCES = '/Applications/Tokentray.app/Contents/Resources';
const MAC_SOURCE = `${MAC_RESOURCES}/bin/tokentray`;

function context(overrides: Partial<CliInstallContext>): CliInstallContext {
  return {
    platform: 'linux',
    isPackaged: true,
    resourcesPath: '/tmp/.mount_TokentXYZ/resources',
    home: '/home/ann',
    env: { APPIMAGE: '/home/ann/Apps/Tokentray-0.1.0.AppImage', PATH: '/usr/local/bin:/usr/bin:/bin' },
    ...overrides,
  };
}
const mac = (overrides: Partial<CliInstallContext> = {}) =>
  context({ platform: 'darwin', resourcesPath: MAC_RESOURCES, home: '/Users/ann', env: {}, ...overrides });
const windows = (overrides: Partial<CliInstallContext> = {}) =>
  context({
    platform: 'win32',
    resourcesPath: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\resources',
    home: 'C:\\Users\\ann',
    env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local', SystemRoot: 'C:\\Windows' },
    ...overrides,
  });

/** Facts for a fresh machine: the source is ours, the folder writable, nothing at the target. */
function facts(overrides: Partial<CliInstallFacts> = {}): CliInstallFacts {
  return {
    source: 'tokentray',
    debCommand: false,
    dir: 'writable',
    existing: { kind: 'absent' },
    ...overrides,
  };
}
const plan = (ctx: CliInstallContext, found: Partial<CliInstallFacts> = {}) =>
  planCliInstall(ctx, cliInstallTarget(ctx), facts(found));

/** A command runner that runs nothing: it records the call and answers as told. */
function fakeRunner(
  answer: CommandResult,
): CommandRunner & { calls: { file: string; args: readonly string[] }[] } {
  const calls: { file: string; args: readonly string[] }[] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push({ file, args });
    return answer;
  };
  return Object.assign(run, { calls });
}

describe('where the command goes', () => {
  it('nowhere in a checkout, or on a platform without a package', () => {
    expect(cliInstallTarget(context({ isPackaged: false }))).toBeNull();
    expect(planCliInstall(context({ isPackaged: false }), null, null)).toEqual({
      kind: 'report',
      ok: false,
      message: CHECKOUT_MESSAGE,
    });
    expect(cliInstallTarget(context({ platform: 'freebsd' }))).toBeNull();
    expect(planCliInstall(context({ platform: 'freebsd' }), null, null)).toMatchObject({
      ok: false,
      message: 'Installing the command-line tool is not supported on freebsd.',
    });
  });

  it('macOS: a link in /usr/local/bin to the executable inside the app', () => {
    expect(cliInstallTarget(mac())).toEqual({
      flavour: 'macos',
      method: 'link',
      source: MAC_SOURCE,
      dir: '/usr/local/bin',
      target: '/usr/local/bin/tokentray',
    });
  });

  it('AppImage (and any other Linux package): a copy in ~/.local/bin', () => {
    expect(cliInstallTarget(context({}))).toEqual({
      flavour: 'appimage',
      method: 'copy',
      source: '/tmp/.mount_TokentXYZ/resources/bin/tokentray',
      dir: '/home/ann/.local/bin',
      target: '/home/ann/.local/bin/tokentray',
    });
    expect(cliInstallTarget(context({ env: {} }))?.flavour).toBe('linux');
  });

  it('Windows: a copy in %LOCALAPPDATA%\\Programs\\Tokentray\\bin (the profile folder without it)', () => {
    expect(cliInstallTarget(windows())).toEqual({
      flavour: 'windows',
      method: 'copy',
      source: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\resources\\bin\\tokentray.exe',
      dir: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\bin',
      target: 'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\bin\\tokentray.exe',
    });
    expect(cliInstallTarget(windows({ env: {} }))?.target).toBe(
      'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\bin\\tokentray.exe',
    );
  });
});

describe('the plan on macOS', () => {
  it('links /usr/local/bin/tokentray when the folder is writable (Homebrew on Intel Macs owns it)', () => {
    expect(plan(mac())).toEqual({
      kind: 'link',
      source: MAC_SOURCE,
      target: '/usr/local/bin/tokentray',
      replace: false,
      message:
        `Linked /usr/local/bin/tokentray to ${MAC_SOURCE}. The link follows the app, so updates need ` +
        'nothing more: open a new Terminal window and run "tokentray --version".',
    });
  });

  it('does not ask for admin rights: it gives the exact sudo command instead', () => {
    const readOnly = plan(mac(), { dir: 'read-only' });
    expect(readOnly).toMatchObject({ kind: 'report', ok: false });
    if (readOnly.kind !== 'report') return;
    expect(readOnly.message).toContain(
      'is not writable by you, and Tokentray does not ask for administrator rights',
    );
    expect(commandInMessage(readOnly.message)).toBe(`sudo ln -s ${MAC_SOURCE} /usr/local/bin/tokentray`);

    // Apple Silicon Macs may have no /usr/local/bin at all.
    const missing = plan(mac(), { dir: 'missing' });
    expect(missing.kind === 'report' && commandInMessage(missing.message)).toBe(
      `sudo mkdir -p /usr/local/bin && sudo ln -s ${MAC_SOURCE} /usr/local/bin/tokentray`,
    );

    // An app renamed with a space: the command quotes it, as the shell needs.
    const spaced = mac({ resourcesPath: '/Applications/Token Tray.app/Contents/Resources' });
    const quoted = plan(spaced, { dir: 'read-only' });
    expect(quoted.kind === 'report' && commandInMessage(quoted.message)).toBe(
      "sudo ln -s '/Applications/Token Tray.app/Contents/Resources/bin/tokentray' /usr/local/bin/tokentray",
    );
  });

  it('is done when the link is there already (relative or absolute)', () => {
    expect(plan(mac(), { existing: { kind: 'link', to: MAC_SOURCE } })).toEqual({
      kind: 'report',
      ok: true,
      message: `/usr/local/bin/tokentray already links to ${MAC_SOURCE}: nothing to do.`,
    });
    const relative = '../../../Applications/Tokentray.app/Contents/Resources/bin/tokentray';
    expect(plan(mac(), { existing: { kind: 'link', to: relative } })).toMatchObject({ ok: true });
  });

  it('replaces a link into an earlier Tokentray app, with ln -sf when it needs sudo', () => {
    const old = '/Users/ann/Applications/Tokentray.app/Contents/Resources/bin/tokentray';
    expect(plan(mac(), { existing: { kind: 'link', to: old } })).toMatchObject({
      kind: 'link',
      replace: true,
      message: expect.stringContaining(`Replaced the link /usr/local/bin/tokentray (to ${old}) with one to`),
    });
    const needsSudo = plan(mac(), { existing: { kind: 'link', to: old }, dir: 'read-only' });
    expect(needsSudo.kind === 'report' && commandInMessage(needsSudo.message)).toBe(
      `sudo ln -sf ${MAC_SOURCE} /usr/local/bin/tokentray`,
    );
  });

  it('leaves anything else at /usr/local/bin/tokentray alone, and says what it is', () => {
    const other = plan(mac(), { existing: { kind: 'link', to: '/opt/homebrew/bin/tokentray' } });
    expect(other).toMatchObject({ kind: 'report', ok: false });
    expect(other.kind === 'report' && other.message).toContain(
      'is a link to /opt/homebrew/bin/tokentray, not to Tokentray: it is left alone',
    );
    for (const existing of [
      { kind: 'file', tokentray: true, identical: false },
      { kind: 'other' },
    ] as const) {
      expect(plan(mac(), { existing })).toMatchObject({
        ok: false,
        message: expect.stringContaining('exists and is not a link to Tokentray: it is left alone'),
      });
    }
  });

  it('refuses to link to an app running from the disk image or from a translocated copy', () => {
    const dmg = mac({ resourcesPath: '/Volumes/Tokentray 0.1.0/Tokentray.app/Contents/Resources' });
    expect(plan(dmg)).toMatchObject({
      ok: false,
      message: expect.stringContaining('a disk image, which goes away once ejected'),
    });
    const translocated = mac({
      resourcesPath: '/private/var/folders/x/AppTranslocation/ABC/d/Tokentray.app/Contents/Resources',
    });
    expect(plan(translocated)).toMatchObject({
      ok: false,
      message: expect.stringContaining('Move Tokentray to Applications'),
    });
  });

  it('says so when the app carries no executable, or one that is not Tokentray', () => {
    expect(plan(mac(), { source: 'missing' })).toMatchObject({
      ok: false,
      message: `This build carries no tokentray executable (${MAC_SOURCE} is missing).`,
    });
    expect(plan(mac(), { source: 'unrecognised' })).toMatchObject({ ok: false });
  });
});

describe('the plan on Linux', () => {
  it("the deb's /usr/bin/tokentray: installed already, nothing to do", () => {
    expect(plan(context({ env: {} }), { debCommand: true })).toEqual({
      kind: 'report',
      ok: true,
      message:
        'The deb package installed the command already: /usr/bin/tokentray. Open a terminal and run "tokentray --version".',
    });
  });

  it('AppImage: copies to ~/.local/bin, says why a copy, and that the folder is on PATH', () => {
    const ctx = context({ env: { APPIMAGE: '/x.AppImage', PATH: '/home/ann/.local/bin/:/usr/bin' } });
    expect(plan(ctx)).toEqual({
      kind: 'copy',
      source: '/tmp/.mount_TokentXYZ/resources/bin/tokentray',
      dir: '/home/ann/.local/bin',
      target: '/home/ann/.local/bin/tokentray',
      copy: true,
      pathStep: null,
      message:
        'Copied tokentray to /home/ann/.local/bin/tokentray. ' +
        "It is a copy because this AppImage's files are gone once it exits: install the command again after updating the AppImage. " +
        '/home/ann/.local/bin is on your PATH: open a terminal and run "tokentray --version".',
    });
  });

  it('tells how to put ~/.local/bin on PATH when it is not', () => {
    const copy = plan(context({}));
    expect(copy.kind === 'copy' && copy.message).toContain(
      '/home/ann/.local/bin is not on your PATH (as Tokentray sees it): add the line export PATH="$HOME/.local/bin:$PATH" to ~/.profile',
    );
  });

  it('replaces an earlier copy, and copies nothing when it is this version already', () => {
    expect(
      plan(context({}), { existing: { kind: 'file', tokentray: true, identical: false } }),
    ).toMatchObject({
      kind: 'copy',
      copy: true,
      message: expect.stringMatching(/^Replaced the earlier copy at \/home\/ann\/.local\/bin\/tokentray/),
    });
    expect(plan(context({}), { existing: { kind: 'file', tokentray: true, identical: true } })).toMatchObject(
      {
        kind: 'copy',
        copy: false,
        message: expect.stringMatching(
          /^\/home\/ann\/.local\/bin\/tokentray is this version's tokentray already\./,
        ),
      },
    );
  });

  it('refuses to overwrite what is not an earlier Tokentray copy', () => {
    expect(
      plan(context({}), { existing: { kind: 'file', tokentray: false, identical: false } }),
    ).toMatchObject({
      kind: 'report',
      ok: false,
      message: expect.stringContaining(
        "exists and is not a copy of Tokentray's executable: it is left alone",
      ),
    });
    expect(
      plan(context({}), {
        existing: { kind: 'link', to: '../lib/node_modules/tokentray/bin/tokentray.cjs' },
      }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('which Tokentray did not make') });
    expect(plan(context({}), { existing: { kind: 'other' } })).toMatchObject({ ok: false });
    expect(plan(context({}), { dir: 'read-only' })).toMatchObject({ ok: false });
    expect(plan(context({}), { dir: 'not-directory' })).toMatchObject({ ok: false });
  });
});

describe('the plan on Windows', () => {
  const dir = 'C:\\Users\\ann\\AppData\\Local\\Programs\\Tokentray\\bin';

  it('copies tokentray.exe, then runs the PATH command (Windows PowerShell by its full path)', () => {
    const planned = plan(windows());
    expect(planned).toMatchObject({
      kind: 'copy',
      dir,
      target: `${dir}\\tokentray.exe`,
      copy: true,
      message: `Copied tokentray.exe to ${dir}\\tokentray.exe. It is a copy: install the command again after updating Tokentray.`,
    });
    if (planned.kind !== 'copy' || planned.pathStep === null) throw new Error('no PATH step');
    const { file, args, script } = planned.pathStep;
    expect(file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(args.slice(0, -1)).toEqual([
      '-NoLogo',
      '-NoProfile',
      '-NonInteractive',
      '-OutputFormat',
      'Text',
      '-EncodedCommand',
    ]);
    // -EncodedCommand takes base64 of UTF-16LE: no quoting of the script on the command line.
    expect(Buffer.from(args.at(-1) ?? '', 'base64').toString('utf16le')).toBe(script);
    expect(plan(windows({ env: { SystemRoot: 'D:\\WIN' } }))).toMatchObject({
      pathStep: { file: 'D:\\WIN\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' },
    });
  });

  it("edits HKCU\\Environment's Path unexpanded, keeps its kind, adds the folder once, tells Explorer", () => {
    const { script } = windowsUserPathCommand(dir);
    expect(script).toContain(`$dir = '${dir}'`);
    expect(script).toContain("[Microsoft.Win32.Registry]::CurrentUser.CreateSubKey('Environment')");
    expect(script).toContain('[Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames');
    expect(script).toContain("$kind = $key.GetValueKind('Path')");
    expect(script).toContain('[Microsoft.Win32.RegistryValueKind]::ExpandString');
    expect(script).toContain("$key.SetValue('Path', (($parts + $dir) -join ';'), $kind)");
    // An entry naming the folder already (any case, a trailing backslash, through a variable) counts.
    expect(script).toContain("[Environment]::ExpandEnvironmentVariables($_).TrimEnd('\\') -ieq $want");
    // The broadcast: .NET's SetEnvironmentVariable(…, 'User') sends WM_SETTINGCHANGE.
    expect(script).toContain(
      "[Environment]::SetEnvironmentVariable('TOKENTRAY_PATH_CHANGED', $null, 'User')",
    );
    expect(script.split('\n').slice(-4)).toEqual(["  'added'", '} else {', "  'present'", '}']);
    expect(script).not.toContain('setx');
  });

  it('quotes the folder for PowerShell, typographic apostrophes included', () => {
    expect(powershellQuote("C:\\Users\\O'Brien")).toBe("'C:\\Users\\O''Brien'");
    expect(powershellQuote('C:\\Users\\O\u2019Brien')).toBe("'C:\\Users\\O\u2019\u2019Brien'");
    expect(windowsUserPathCommand("C:\\Users\\O'Brien\\bin").script).toContain(
      "$dir = 'C:\\Users\\O''Brien\\bin'",
    );
  });

  it('reads the command: added, present, or failed (an exit code, or no answer)', () => {
    expect(pathStepOutcome({ code: 0, stdout: 'added\r\n', stderr: '' })).toBe('added');
    expect(pathStepOutcome({ code: 0, stdout: 'present\r\n', stderr: '' })).toBe('present');
    expect(pathStepOutcome({ code: 1, stdout: '', stderr: 'Access denied' })).toBe('failed');
    expect(pathStepOutcome({ code: 0, stdout: '', stderr: '' })).toBe('failed');
    expect(pathStepOutcome({ code: null, stdout: 'added', stderr: '' })).toBe('failed');
  });

  it('the executor runs the planned command and says a new terminal is needed (fake runner, no copy)', async () => {
    const planned = plan(windows(), { existing: { kind: 'file', tokentray: true, identical: true } });
    expect(planned).toMatchObject({ kind: 'copy', copy: false });
    const added = fakeRunner({ code: 0, stdout: 'added\r\n', stderr: '' });
    const result = await executeCliInstall(planned, { run: added });
    expect(added.calls).toHaveLength(1);
    expect(added.calls[0]?.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(result).toEqual({
      ok: true,
      message:
        `${dir}\\tokentray.exe is this version's tokentray.exe already. It is a copy: install the command again after updating Tokentray. ` +
        `Added ${dir} to your user PATH: open a new terminal (those already open keep their old PATH) and run "tokentray --version".`,
    });
    const failed = fakeRunner({
      code: 1,
      stdout: '',
      stderr: '#< CLIXML\r\nRequested registry access is not allowed.\r\n',
    });
    expect(await executeCliInstall(planned, { run: failed })).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        `Could not add ${dir} to your user PATH (Requested registry access is not allowed.). Add it by hand`,
      ),
    });
    const present = fakeRunner({ code: 0, stdout: 'present\r\n', stderr: '' });
    expect((await executeCliInstall(planned, { run: present })).message).toContain(
      'is on your user PATH already',
    );
  });
});

describe('helpers', () => {
  it('pathIncludes compares whole entries, ignoring a trailing slash', () => {
    expect(pathIncludes('/usr/bin:/home/a/.local/bin/', '/home/a/.local/bin', ':')).toBe(true);
    expect(pathIncludes('/usr/bin:/home/a/.local/bin2', '/home/a/.local/bin', ':')).toBe(false);
    expect(pathIncludes(undefined, '/home/a/.local/bin', ':')).toBe(false);
    expect(pathIncludes('C:\\X\\BIN\\;C:\\y', 'c:\\x\\bin', ';', true)).toBe(true);
  });

  it('shellQuote leaves plain paths alone and single-quotes the rest', () => {
    expect(shellQuote('/Applications/Tokentray.app/x')).toBe('/Applications/Tokentray.app/x');
    expect(shellQuote("/Apps/Ann's Tray.app")).toBe("'/Apps/Ann'\\''s Tray.app'");
  });

  it("the markers are the build's: the agent asset name in build-cli-exe.mjs and standalone.ts", async () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    for (const file of ['scripts/build-cli-exe.mjs', 'main/cli/standalone.ts']) {
      expect(await readFile(path.join(root, file), 'utf8')).toContain(
        `const AGENT_ASSET = '${AGENT_ASSET_NAME}';`,
      );
    }
    expect(await readFile(path.join(root, 'scripts/build-cli-exe.mjs'), 'utf8')).toContain(
      SEA_FUSE_SET.replace(/:1$/, ''),
    );
  });

  const builtExe = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli-exe', 'tokentray');
  it.skipIf(!existsSync(builtExe))(
    'the built executable (dist/cli-exe/tokentray) carries both markers',
    async () => {
      expect((await scanExecutable(builtExe)).tokentray).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------------------------

/** A stand-in for the packaged executable: bytes with the markers, as the real one has (fake, not a program). */
function fakeExecutable(version: string, size = 64 * 1024): Buffer {
  const body = Buffer.alloc(size, version);
  body.write(SEA_FUSE_SET, 1000, 'latin1');
  body.write(AGENT_ASSET_NAME, size - 100, 'latin1');
  return body;
}

describe('the Linux executor, for real against a temp HOME', () => {
  let root: string;
  let home: string;
  let resources: string;
  let source: string;
  let bin: string;
  let target: string;
  /** No deb link here, whatever this machine has in /usr/bin. */
  let noDeb: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tt-cli-install-'));
    home = path.join(root, 'home');
    resources = path.join(root, 'mount', 'resources');
    source = path.join(resources, 'bin', 'tokentray');
    bin = path.join(home, '.local', 'bin');
    target = path.join(bin, 'tokentray');
    noDeb = path.join(root, 'usr-bin-tokentray');
    await mkdir(path.dirname(source), { recursive: true });
    await mkdir(home);
    await writeFile(source, fakeExecutable('1'), { mode: 0o755 });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const appImage = (envPath = '/usr/bin:/bin'): CliInstallContext => ({
    platform: 'linux',
    isPackaged: true,
    resourcesPath: resources,
    home,
    env: { APPIMAGE: path.join(root, 'Tokentray.AppImage'), PATH: envPath },
  });
  const install = (ctx = appImage()) => installCliTool(ctx, { debCommand: noDeb });

  it('copies the executable to ~/.local/bin/tokentray, 0755, creating the folder, leaving no temp file', async () => {
    const result = await install();
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(
      new RegExp(`^Copied tokentray to ${target}\\. It is a copy because this AppImage`),
    );
    expect(result.message).toContain(`${bin} is not on your PATH`);
    expect(await readFile(target)).toEqual(await readFile(source));
    expect((await stat(target)).mode & 0o777).toBe(0o755);
    expect(await readdir(bin)).toEqual(['tokentray']);
  });

  it('says the folder is on PATH when it is', async () => {
    const result = await install(appImage(`/usr/bin:${bin}/`));
    expect(result.message).toContain(
      `${bin} is on your PATH: open a terminal and run "tokentray --version".`,
    );
  });

  it('a second install finds it up to date; a new version replaces the earlier copy by a rename', async () => {
    await install();
    const first = await stat(target);
    expect(await install()).toMatchObject({
      ok: true,
      message: expect.stringMatching(/is this version's tokentray already\./),
    });
    expect((await stat(target)).ino).toBe(first.ino);

    await writeFile(source, fakeExecutable('2'), { mode: 0o755 });
    const updated = await install();
    expect(updated.message).toMatch(/^Replaced the earlier copy at /);
    expect(await readFile(target)).toEqual(fakeExecutable('2'));
    expect((await stat(target)).ino).not.toBe(first.ino);
    expect(await readdir(bin)).toEqual(['tokentray']);
  });

  it('refuses to overwrite a file that is not a Tokentray copy, and leaves it as it was', async () => {
    await mkdir(bin, { recursive: true });
    await writeFile(target, '#!/bin/sh\necho my own tokentray\n', { mode: 0o700 });
    const result = await install();
    expect(result).toEqual({
      ok: false,
      message: `${target} exists and is not a copy of Tokentray's executable: it is left alone. Rename or remove it, then install the command again.`,
    });
    expect(await readFile(target, 'utf8')).toBe('#!/bin/sh\necho my own tokentray\n');
    expect((await stat(target)).mode & 0o777).toBe(0o700);
  });

  it("refuses to replace a symbolic link (say, npm's tokentray), even one to a Tokentray executable", async () => {
    await mkdir(bin, { recursive: true });
    await symlink(source, target);
    expect(await install()).toMatchObject({
      ok: false,
      message: expect.stringContaining('which Tokentray did not make'),
    });
    expect((await lstat(target)).isSymbolicLink()).toBe(true);
    expect(await readlink(target)).toBe(source);
  });

  it('refuses a packaged file without the markers, and says when there is none', async () => {
    await writeFile(source, 'not tokentray');
    expect(await install()).toMatchObject({
      ok: false,
      message: `${source} is not Tokentray's executable: it is not installed.`,
    });
    await rm(source);
    expect(await install()).toMatchObject({ ok: false, message: expect.stringContaining('is missing') });
    expect(existsSync(target)).toBe(false);
  });

  it('finds a marker that straddles two read chunks (1 MiB)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    big.write(SEA_FUSE_SET, 1024 * 1024 - 10, 'latin1');
    big.write(AGENT_ASSET_NAME, 2 * 1024 * 1024 - 5, 'latin1');
    await writeFile(source, big);
    expect((await scanExecutable(source)).tokentray).toBe(true);
    await writeFile(source, big.subarray(0, 2 * 1024 * 1024));
    expect((await scanExecutable(source)).tokentray).toBe(false);
  });

  it("with the deb's link in place: says it is installed, creates nothing; the tray says so too", async () => {
    const debLink = path.join(root, 'usr', 'bin', 'tokentray');
    await mkdir(path.dirname(debLink), { recursive: true });
    await symlink(source, debLink);
    const deb: CliInstallContext = { ...appImage(), env: { PATH: '/usr/bin' } };
    expect(await installCliTool(deb, { debCommand: debLink })).toMatchObject({
      ok: true,
      message: expect.stringContaining('The deb package installed the command already'),
    });
    expect(existsSync(bin)).toBe(false);
    expect(trayCliTool(deb, debLink)).toEqual({ kind: 'installed', command: debLink });
    expect(trayCliTool(deb, noDeb)).toEqual({ kind: 'offer' });
    expect(trayCliTool({ ...deb, isPackaged: false }, debLink)).toBeNull();
  });

  it('a failure becomes a message, never a throw', async () => {
    await mkdir(path.join(home, '.local'), { recursive: true });
    await writeFile(bin, 'not a folder');
    expect(await install()).toEqual({
      ok: false,
      message: `${bin} exists but is not a folder: the command cannot go there.`,
    });
    // A dangling link where the folder goes: the probe sees no folder, creating it fails.
    await rm(bin);
    await symlink(path.join(root, 'gone'), bin);
    const result = await install();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^Could not install the command-line tool: E[A-Z]+: .*\.local\/bin/);
  });

  it("macOS's link step, run here on a temp folder: a new link, then an earlier one swapped by a rename", async () => {
    await mkdir(bin, { recursive: true });
    const link = path.join(bin, 'tokentray');
    const run = fakeRunner({ code: 0, stdout: '', stderr: '' });
    await executeCliInstall(
      { kind: 'link', source, target: link, replace: false, message: 'linked' },
      { run },
    );
    expect(await readlink(link)).toBe(source);
    const other = path.join(root, 'Other.app', 'Contents', 'Resources', 'bin', 'tokentray');
    expect(
      await executeCliInstall(
        { kind: 'link', source: other, target: link, replace: true, message: 'replaced' },
        { run },
      ),
    ).toEqual({ ok: true, message: 'replaced' });
    expect(await readlink(link)).toBe(other);
    expect(await readdir(bin)).toEqual(['tokentray']);
    expect(run.calls).toEqual([]);
  });
});
