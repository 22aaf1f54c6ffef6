/**
 * "Install command-line tool" (like VS Code's "Install 'code' command in PATH"): puts the
 * standalone `tokentray` executable every package carries (`<resources>/bin/tokentray[.exe]`) on
 * the user's PATH, and says what it did.
 *
 *   macOS     a symbolic link /usr/local/bin/tokentray → <app>/Contents/Resources/bin/tokentray,
 *             which follows the app through updates. When /usr/local/bin is not ours to write, the
 *             message gives the exact `sudo ln -s …` to run: the app never asks for admin rights.
 *   AppImage  a COPY at ~/.local/bin/tokentray (0755, temp file + rename): the image's files are
 *             gone once it exits, so a link would dangle. Says whether ~/.local/bin is on PATH.
 *   Windows   a copy at %LOCALAPPDATA%\Programs\Tokentray\bin\tokentray.exe, and that folder
 *             added to the user's PATH (HKCU\Environment) by a PowerShell command; a new terminal
 *             sees it.
 *   deb       nothing to do: the package links /usr/bin/tokentray itself (the item says so).
 *
 * A command already there is replaced only when it is an earlier Tokentray (a file carrying the
 * executable's markers, or on macOS a link into a Tokentray app); anything else is left alone and
 * named in the message.
 *
 * The decisions are pure and tested without touching the system (`cliInstallTarget`,
 * `planCliInstall`); `probeCliInstall` reads the file system, `executeCliInstall` acts, and
 * `installCliTool` runs them in turn and never throws.
 *
 * NOT run here: the macOS link and the Windows copy and PATH command (Linux only in this sandbox;
 * the Windows command is unit-tested as a plan).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, realpathSync } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  lstat,
  mkdir,
  open,
  readlink,
  rename,
  rm,
  stat,
  symlink,
} from 'node:fs/promises';
import path from 'node:path';
import type { App } from 'electron';
import type { TrayCliTool } from '../engine/tray-model.js';
import { shellQuote } from '../agent/shell-quote.js';

/** What the installer knows of this app and user (Electron's facts, passed in). */
export interface CliInstallContext {
  platform: NodeJS.Platform;
  /** False in a checkout: only packages carry the standalone executable. */
  isPackaged: boolean;
  /** `<resources>` (Electron's `process.resourcesPath`). */
  resourcesPath: string;
  /** The user's home folder. */
  home: string;
  /** PATH, APPIMAGE, LOCALAPPDATA, SystemRoot are read. */
  env: Readonly<Record<string, string | undefined>>;
}

/** What "Install command-line tool" did, for the user. */
export interface CliInstallResult {
  ok: boolean;
  message: string;
}

/** Set in a Node single executable application once postject has injected its blob. */
export const SEA_FUSE_SET = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';
/** The agent asset's name (AGENT_ASSET in scripts/build-cli-exe.mjs and main/cli/standalone.ts). */
export const AGENT_ASSET_NAME = 'tokentray-agent.cjs';
/** Both are in every Tokentray executable: together they tell an earlier copy from someone else's file. */
export const TOKENTRAY_MARKERS: readonly string[] = [SEA_FUSE_SET, AGENT_ASSET_NAME];
/** The deb's link (build/linux/after-install.tpl). */
export const DEB_COMMAND = '/usr/bin/tokentray';
export const MACOS_BIN_DIR = '/usr/local/bin';

export type CliInstallFlavour = 'macos' | 'appimage' | 'linux' | 'windows';

/** Where the command comes from and where it goes on this platform. */
export interface CliInstallTarget {
  flavour: CliInstallFlavour;
  /** macOS links to the app; the others copy. */
  method: 'link' | 'copy';
  /** The executable inside the package. */
  source: string;
  /** The folder the command goes in. */
  dir: string;
  /** `dir/tokentray[.exe]`. */
  target: string;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** Where the command goes here; null when this build has none to install (a checkout, another OS). */
export function cliInstallTarget(ctx: CliInstallContext): CliInstallTarget | null {
  if (!ctx.isPackaged) return null;
  if (ctx.platform === 'darwin') {
    return {
      flavour: 'macos',
      method: 'link',
      source: path.posix.join(ctx.resourcesPath, 'bin', 'tokentray'),
      dir: MACOS_BIN_DIR,
      target: path.posix.join(MACOS_BIN_DIR, 'tokentray'),
    };
  }
  if (ctx.platform === 'win32') {
    const local = nonEmpty(ctx.env.LOCALAPPDATA) ?? path.win32.join(ctx.home, 'AppData', 'Local');
    const dir = path.win32.join(local, 'Programs', 'Tokentray', 'bin');
    return {
      flavour: 'windows',
      method: 'copy',
      source: path.win32.join(ctx.resourcesPath, 'bin', 'tokentray.exe'),
      dir,
      target: path.win32.join(dir, 'tokentray.exe'),
    };
  }
  if (ctx.platform === 'linux') {
    // XDG: "user-specific executable files may be stored in $HOME/.local/bin" (no variable moves it).
    const dir = path.posix.join(ctx.home, '.local', 'bin');
    return {
      flavour: nonEmpty(ctx.env.APPIMAGE) === null ? 'linux' : 'appimage',
      method: 'copy',
      source: path.posix.join(ctx.resourcesPath, 'bin', 'tokentray'),
      dir,
      target: path.posix.join(dir, 'tokentray'),
    };
  }
  return null;
}

/** What is at the target path now. */
export type ExistingCommand =
  | { kind: 'absent' }
  | { kind: 'link'; to: string }
  /** A regular file: `tokentray` when it carries the markers, `identical` when it is the source byte for byte. */
  | { kind: 'file'; tokentray: boolean; identical: boolean }
  /** A folder, a socket, …. */
  | { kind: 'other' };

/** What the probe found on the file system. */
export interface CliInstallFacts {
  /** The packaged executable: missing, ours, or a file without Tokentray's markers. */
  source: 'missing' | 'tokentray' | 'unrecognised';
  /** Linux: /usr/bin/tokentray resolves to this app's executable (the deb installed it). */
  debCommand: boolean;
  /** The target folder, as we may use it. */
  dir: 'missing' | 'writable' | 'read-only' | 'not-directory';
  existing: ExistingCommand;
}

/** A command the executor runs (planned here, so that tests read it without running it). */
export interface PlannedCommand {
  file: string;
  args: string[];
  /** The script the command runs, in clear (the arguments carry it encoded). */
  script: string;
}

/** What to do. `report`: nothing but say `message`. */
export type CliInstallPlan =
  | { kind: 'report'; ok: boolean; message: string }
  | { kind: 'link'; source: string; target: string; replace: boolean; message: string }
  | {
      kind: 'copy';
      source: string;
      dir: string;
      target: string;
      /** False when the target is this executable already (only the PATH step runs, if any). */
      copy: boolean;
      /** Said once the copy is done (before the PATH step's own sentence). */
      message: string;
      /** Windows: the command that puts `dir` on the user's PATH. */
      pathStep: PlannedCommand | null;
    };

export const CHECKOUT_MESSAGE =
  'Only an installed Tokentray carries the tokentray executable. In a checkout, build it with ' +
  '"npm run build:cli-exe" (dist/cli-exe/tokentray) or run "node bin/tokentray.cjs".';

const report = (ok: boolean, message: string): CliInstallPlan => ({ kind: 'report', ok, message });

/**
 * A PowerShell single-quoted literal. PowerShell takes the typographic single quotes (U+2018–
 * U+201B) as quotes too, so they are doubled like `'` (a user name such as O’Brien).
 */
export function powershellQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

/** Whether `dir` is an entry of a PATH value (`separator` ':' or ';'), ignoring a trailing slash. */
export function pathIncludes(
  pathValue: string | undefined,
  dir: string,
  separator: ':' | ';',
  caseless = false,
): boolean {
  const strip = (entry: string): string => {
    const trimmed = entry.replace(/[\\/]+$/, '');
    return caseless ? trimmed.toLowerCase() : trimmed;
  };
  const want = strip(dir);
  return (pathValue ?? '').split(separator).some((entry) => entry !== '' && strip(entry) === want);
}

/** A link target that is the executable inside some Tokentray app bundle (this one or an earlier). */
function isTokentrayAppLink(to: string): boolean {
  return /\.app\/Contents\/Resources\/bin\/tokentray$/.test(to);
}

/** Why a link to `source` would not last: the app runs from the dmg, or from macOS's quarantine copy. */
function transientLocation(source: string): string | null {
  if (source.startsWith('/Volumes/')) return 'a disk image, which goes away once ejected';
  if (source.includes('/AppTranslocation/'))
    return 'a temporary copy macOS made because the app was not moved out of its download';
  return null;
}

function planLink(target: CliInstallTarget, facts: CliInstallFacts): CliInstallPlan {
  const { source, dir } = target;
  const transient = transientLocation(source);
  if (transient !== null) {
    const app = source.replace(/\/Contents\/Resources\/bin\/tokentray$/, '');
    return report(
      false,
      `Tokentray is running from ${app}, ${transient}: a link to it would break. Move Tokentray to ` +
        'Applications, open it from there, and install the command again.',
    );
  }
  const existing = facts.existing;
  /** The earlier Tokentray link being replaced, if any. */
  let previous: string | null = null;
  if (existing.kind === 'link') {
    const to = path.posix.resolve(dir, existing.to);
    if (to === source) return report(true, `${target.target} already links to ${source}: nothing to do.`);
    if (!isTokentrayAppLink(to)) {
      return report(
        false,
        `${target.target} is a link to ${existing.to}, not to Tokentray: it is left alone. Remove it ` +
          'yourself, then install the command again.',
      );
    }
    previous = existing.to;
  } else if (existing.kind !== 'absent') {
    return report(
      false,
      `${target.target} exists and is not a link to Tokentray: it is left alone. Remove it yourself, ` +
        'then install the command again.',
    );
  }
  if (facts.dir === 'not-directory')
    return report(false, `${dir} exists but is not a folder: the command cannot go there.`);
  const replace = previous !== null;
  if (facts.dir !== 'writable') {
    const link = `sudo ln -s${replace ? 'f' : ''} ${shellQuote(source)} ${target.target}`;
    const command = facts.dir === 'missing' ? `sudo mkdir -p ${dir} && ${link}` : link;
    return report(
      false,
      `${dir} ${facts.dir === 'missing' ? 'does not exist yet and only an administrator can create it' : 'is not writable by you'}` +
        ', and Tokentray does not ask for administrator rights. To install the command, run this in ' +
        `Terminal (sudo asks for your password):\n\n${command}\n\n` +
        'The link follows the app, so updates of Tokentray need nothing more.',
    );
  }
  const what =
    previous !== null
      ? `Replaced the link ${target.target} (to ${previous}) with one to ${source}.`
      : `Linked ${target.target} to ${source}.`;
  return {
    kind: 'link',
    source,
    target: target.target,
    replace,
    message:
      `${what} The link follows the app, so updates need nothing more: open a new Terminal window ` +
      'and run "tokentray --version".',
  };
}

function planCopy(ctx: CliInstallContext, target: CliInstallTarget, facts: CliInstallFacts): CliInstallPlan {
  const existing = facts.existing;
  const name = path.win32.basename(target.target);
  if (existing.kind === 'link') {
    return report(
      false,
      `${target.target} is a symbolic link to ${existing.to}, which Tokentray did not make: it is left ` +
        'alone. Remove it, then install the command again.',
    );
  }
  if (existing.kind === 'other' || (existing.kind === 'file' && !existing.tokentray)) {
    return report(
      false,
      `${target.target} exists and is not a copy of Tokentray's executable: it is left alone. Rename or ` +
        'remove it, then install the command again.',
    );
  }
  if (facts.dir === 'not-directory')
    return report(false, `${target.dir} exists but is not a folder: the command cannot go there.`);
  if (facts.dir === 'read-only')
    return report(false, `${target.dir} is not writable by you: the command cannot go there.`);
  const copy = !(existing.kind === 'file' && existing.identical);
  const done =
    existing.kind === 'absent'
      ? `Copied ${name} to ${target.target}.`
      : copy
        ? `Replaced the earlier copy at ${target.target} with this version's ${name}.`
        : `${target.target} is this version's ${name} already.`;
  if (target.flavour === 'windows') {
    const systemRoot = nonEmpty(ctx.env.SystemRoot) ?? nonEmpty(ctx.env.SYSTEMROOT) ?? 'C:\\Windows';
    return {
      kind: 'copy',
      source: target.source,
      dir: target.dir,
      target: target.target,
      copy,
      message: `${done} It is a copy: install the command again after updating Tokentray.`,
      pathStep: windowsUserPathCommand(target.dir, systemRoot),
    };
  }
  const why =
    target.flavour === 'appimage'
      ? "It is a copy because this AppImage's files are gone once it exits: install the command again " +
        'after updating the AppImage.'
      : 'It is a copy: install the command again after updating Tokentray.';
  const onPath = pathIncludes(ctx.env.PATH, target.dir, ':')
    ? `${target.dir} is on your PATH: open a terminal and run "tokentray --version".`
    : `${target.dir} is not on your PATH (as Tokentray sees it): add the line ` +
      'export PATH="$HOME/.local/bin:$PATH" to ~/.profile and log in again (many distributions ' +
      `add it by themselves once the folder exists), or run ${target.target} by its full path.`;
  return {
    kind: 'copy',
    source: target.source,
    dir: target.dir,
    target: target.target,
    copy,
    message: `${done} ${why} ${onPath}`,
    pathStep: null,
  };
}

/** Decides what to do from the facts the probe found; `target` null: nothing to install here. */
export function planCliInstall(
  ctx: CliInstallContext,
  target: CliInstallTarget | null,
  facts: CliInstallFacts | null,
): CliInstallPlan {
  if (target === null || facts === null) {
    return report(
      false,
      ctx.isPackaged
        ? `Installing the command-line tool is not supported on ${ctx.platform}.`
        : CHECKOUT_MESSAGE,
    );
  }
  if (facts.debCommand) {
    return report(
      true,
      `The deb package installed the command already: ${DEB_COMMAND}. Open a terminal and run "tokentray --version".`,
    );
  }
  if (facts.source === 'missing')
    return report(false, `This build carries no tokentray executable (${target.source} is missing).`);
  if (facts.source === 'unrecognised')
    return report(false, `${target.source} is not Tokentray's executable: it is not installed.`);
  return target.method === 'link' ? planLink(target, facts) : planCopy(ctx, target, facts);
}

/**
 * The PowerShell command that appends `dir` to the user's PATH (HKCU\Environment\Path) unless an
 * entry names it already, and prints `added` or `present`. It reads the value unexpanded and keeps
 * its kind (REG_EXPAND_SZ, so `%USERPROFILE%\…` entries stay variables; .NET's
 * SetEnvironmentVariable would rewrite it as REG_SZ), then lets Explorer know through .NET's
 * WM_SETTINGCHANGE broadcast (setting and removing a variable of our own), so terminals started
 * from now on see it. Run as Windows PowerShell 5.1, which every supported Windows has.
 */
export function windowsUserPathCommand(dir: string, systemRoot = 'C:\\Windows'): PlannedCommand {
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `$dir = ${powershellQuote(dir)}`,
    '$added = $false',
    "$key = [Microsoft.Win32.Registry]::CurrentUser.CreateSubKey('Environment')",
    'try {',
    "  $old = [string]$key.GetValue('Path', '', [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)",
    "  $parts = @($old -split ';' | Where-Object { $_ -ne '' })",
    "  $want = $dir.TrimEnd('\\')",
    "  $found = @($parts | Where-Object { [Environment]::ExpandEnvironmentVariables($_).TrimEnd('\\') -ieq $want })",
    '  if ($found.Count -eq 0) {',
    '    $kind = [Microsoft.Win32.RegistryValueKind]::ExpandString',
    "    if ($old -ne '') { $kind = $key.GetValueKind('Path') }",
    "    $key.SetValue('Path', (($parts + $dir) -join ';'), $kind)",
    '    $added = $true',
    '  }',
    '} finally {',
    '  $key.Close()',
    '}',
    'if ($added) {',
    "  [Environment]::SetEnvironmentVariable('TOKENTRAY_PATH_CHANGED', '1', 'User')",
    "  [Environment]::SetEnvironmentVariable('TOKENTRAY_PATH_CHANGED', $null, 'User')",
    "  'added'",
    '} else {',
    "  'present'",
    '}',
  ].join('\n');
  return {
    file: path.win32.join(systemRoot, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe'),
    args: [
      '-NoLogo',
      '-NoProfile',
      '-NonInteractive',
      '-OutputFormat',
      'Text',
      '-EncodedCommand',
      Buffer.from(script, 'utf16le').toString('base64'),
    ],
    script,
  };
}

/** What the PATH command's output means. */
export function pathStepOutcome(result: CommandResult): 'added' | 'present' | 'failed' {
  const last = result.stdout.trim().split(/\r?\n/).at(-1)?.trim();
  if (result.code === 0 && (last === 'added' || last === 'present')) return last;
  return 'failed';
}

/** The sentence that follows the copy's, for the PATH step's outcome. */
export function windowsPathMessage(
  dir: string,
  target: string,
  outcome: 'added' | 'present' | 'failed',
  detail = '',
): string {
  if (outcome === 'added')
    return `Added ${dir} to your user PATH: open a new terminal (those already open keep their old PATH) and run "tokentray --version".`;
  if (outcome === 'present')
    return `${dir} is on your user PATH already: in a terminal opened since it was added, run "tokentray --version".`;
  return (
    `Could not add ${dir} to your user PATH${detail === '' ? '' : ` (${detail})`}. Add it by hand ` +
    `(Start, "Edit environment variables for your account", Path, New), or run ${target} by its full path.`
  );
}

/** The first `sudo …` line of a message (the command the user must run), or null. */
export function commandInMessage(message: string): string | null {
  return (
    message
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('sudo ')) ?? null
  );
}

// ---------------------------------------------------------------------------------------------
// The file system: probe and executor.

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a planned command (a port: the real one is execFile). */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** Runs `file` with `args`, no shell, no window, at most 30 s. */
export const runCommand: CommandRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { windowsHide: true, timeout: 30_000, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
      },
    );
  });

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Reads `file` once: its SHA-256 and whether it carries every one of TOKENTRAY_MARKERS. */
export async function scanExecutable(file: string): Promise<{ digest: string; tokentray: boolean }> {
  const hash = createHash('sha256');
  const markers = TOKENTRAY_MARKERS.map((marker) => Buffer.from(marker, 'latin1'));
  const keep = Math.max(...markers.map((marker) => marker.length)) - 1;
  const found = markers.map(() => false);
  let tail = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (found.every(Boolean)) continue;
    const window = Buffer.concat([tail, chunk]);
    markers.forEach((marker, i) => {
      if (!found[i] && window.includes(marker)) found[i] = true;
    });
    tail = window.subarray(Math.max(0, window.length - keep));
  }
  return { digest: hash.digest('hex'), tokentray: found.every(Boolean) };
}

/** True when `link` resolves to the same file as `file` (both exist). */
function resolvesTo(link: string, file: string): boolean {
  try {
    return realpathSync(link) === realpathSync(file);
  } catch {
    return false;
  }
}

/** Looks at the source, the folder and what is at the target path now. */
export async function probeCliInstall(
  target: CliInstallTarget,
  opts: { debCommand?: string } = {},
): Promise<CliInstallFacts> {
  const debCommand =
    (target.flavour === 'linux' || target.flavour === 'appimage') &&
    resolvesTo(opts.debCommand ?? DEB_COMMAND, target.source);
  let source: CliInstallFacts['source'] = 'missing';
  let sourceDigest: string | null = null;
  try {
    if ((await stat(target.source)).isFile()) {
      const scanned = await scanExecutable(target.source);
      source = scanned.tokentray ? 'tokentray' : 'unrecognised';
      sourceDigest = scanned.digest;
    } else {
      source = 'unrecognised';
    }
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }

  let dir: CliInstallFacts['dir'] = 'missing';
  try {
    if (!(await stat(target.dir)).isDirectory()) dir = 'not-directory';
    else {
      dir = await access(target.dir, constants.W_OK).then(
        () => 'writable' as const,
        () => 'read-only' as const,
      );
    }
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }

  let existing: ExistingCommand = { kind: 'absent' };
  if (dir !== 'missing' && dir !== 'not-directory') {
    try {
      const found = await lstat(target.target);
      if (found.isSymbolicLink()) existing = { kind: 'link', to: await readlink(target.target) };
      else if (found.isFile()) {
        const scanned = await scanExecutable(target.target);
        existing = {
          kind: 'file',
          tokentray: scanned.tokentray,
          identical: sourceDigest !== null && scanned.digest === sourceDigest,
        };
      } else existing = { kind: 'other' };
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
  return { source, debCommand, dir, existing };
}

function tempNextTo(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Copies `source` to `target` as 0755 through a temp file in the same folder and a rename. */
export async function copyExecutableAtomically(source: string, target: string): Promise<void> {
  const temp = tempNextTo(target);
  try {
    await copyFile(source, temp, constants.COPYFILE_EXCL);
    await chmod(temp, 0o755);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Makes `target` a symbolic link to `source`; an earlier link is swapped by a rename, never missing. */
async function linkAtomically(source: string, target: string, replace: boolean): Promise<void> {
  if (!replace) {
    await symlink(source, target);
    return;
  }
  const temp = tempNextTo(target);
  await symlink(source, temp);
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** One line of a failed command's output, for the message. */
function detailOf(result: CommandResult): string {
  const line = result.stderr
    .split(/\r?\n/)
    .map((text) => text.trim())
    .find((text) => text !== '' && !text.startsWith('#< CLIXML'));
  return (line ?? `exit code ${result.code ?? 'none'}`).slice(0, 200);
}

/** Carries out a plan; throws what the file system throws. */
export async function executeCliInstall(
  plan: CliInstallPlan,
  deps: { run: CommandRunner },
): Promise<CliInstallResult> {
  if (plan.kind === 'report') return { ok: plan.ok, message: plan.message };
  if (plan.kind === 'link') {
    await linkAtomically(plan.source, plan.target, plan.replace);
    return { ok: true, message: plan.message };
  }
  if (plan.copy) {
    await mkdir(plan.dir, { recursive: true, mode: 0o755 });
    await copyExecutableAtomically(plan.source, plan.target);
  }
  if (plan.pathStep === null) return { ok: true, message: plan.message };
  const result = await deps.run(plan.pathStep.file, plan.pathStep.args);
  const outcome = pathStepOutcome(result);
  return {
    ok: outcome !== 'failed',
    message: `${plan.message} ${windowsPathMessage(plan.dir, plan.target, outcome, outcome === 'failed' ? detailOf(result) : '')}`,
  };
}

function describeFailure(error: unknown, platform: NodeJS.Platform): string {
  const code = errorCode(error);
  if (platform === 'win32' && (code === 'EPERM' || code === 'EBUSY'))
    return 'tokentray.exe is in use (a headless agent or a script running it?): stop it and try again';
  return error instanceof Error ? error.message : String(error);
}

/** Probes, plans and carries out the install; every failure becomes a message (never throws). */
export async function installCliTool(
  ctx: CliInstallContext,
  deps: { run?: CommandRunner; debCommand?: string } = {},
): Promise<CliInstallResult> {
  try {
    const target = cliInstallTarget(ctx);
    const facts = target === null ? null : await probeCliInstall(target, { debCommand: deps.debCommand });
    return await executeCliInstall(planCliInstall(ctx, target, facts), { run: deps.run ?? runCommand });
  } catch (error) {
    return {
      ok: false,
      message: `Could not install the command-line tool: ${describeFailure(error, ctx.platform)}`,
    };
  }
}

/** What the tray shows: the item, "installed" for the deb, or nothing in a checkout. */
export function trayCliTool(ctx: CliInstallContext, debCommand = DEB_COMMAND): TrayCliTool | null {
  const target = cliInstallTarget(ctx);
  if (target === null) return null;
  if ((target.flavour === 'linux' || target.flavour === 'appimage') && resolvesTo(debCommand, target.source))
    return { kind: 'installed', command: debCommand };
  return { kind: 'offer' };
}

/** The context of the running app. */
export function electronCliInstallContext(app: Pick<App, 'isPackaged' | 'getPath'>): CliInstallContext {
  return {
    platform: process.platform,
    isPackaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    home: app.getPath('home'),
    env: process.env,
  };
}
