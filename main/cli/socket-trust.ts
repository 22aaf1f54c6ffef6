/**
 * What a client checks before it sends the agent a single byte (issue #12): whoever owns the
 * socket path receives every secret in an import and can answer `token` with a token of its own
 * choosing. So the socket and its folder must be ours and not writable by group or others, as the
 * agent makes them (a 0600 socket in a 0700 folder); anything else is refused (exit 3) with what
 * was found. Node builtins only, and no child process on POSIX: every CLI call pays for this.
 *
 * POSIX: `lstat` of the folder (a real directory, not a link) and of the socket (a socket, not a
 * link); both owned by our uid, neither with a group/other write bit. The same two entries are
 * looked at again once connected, before the request is written: a swap in between is refused.
 *
 * Windows: the rendezvous file (`agent.sock`, naming the pipe and holding the cookie) and its
 * folder must be owned by us (or SYSTEM / Administrators) and grant write access to nobody else.
 * Node cannot read an ACL, so PowerShell's Get-Acl is asked (one process start per CLI call).
 * NOT exercised on Windows here (no Windows runner): the verdict on its report is unit-tested.
 */
import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The socket (or its folder) is not one this user's agent made: refused before any byte is sent. */
export class UntrustedSocketError extends Error {
  override readonly name = 'UntrustedSocketError';
  constructor(
    readonly socketPath: string,
    /** What was found, e.g. "its folder /x is owned by uid 1001, not by you (uid 1000)". */
    readonly found: string,
  ) {
    super(`refusing to talk to ${socketPath}: ${found}`);
  }
}

/** Which file a check looked at, to see that it is still the same once connected. */
export interface SocketIdentity {
  folder: { dev: number; ino: number };
  socket: { dev: number; ino: number };
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/** What is wrong with one entry, or null: ours, of the right kind, not writable by group/others. */
function problemWith(label: string, stats: Stats, kind: 'directory' | 'socket', uid: number): string | null {
  if (stats.isSymbolicLink()) return `${label} is a symbolic link`;
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isSocket()) return `${label} is not a ${kind}`;
  if (stats.uid !== uid) return `${label} is owned by uid ${stats.uid}, not by you (uid ${uid})`;
  if ((stats.mode & 0o022) !== 0)
    return `${label} has mode ${octal(stats.mode)}: group or others may write to it`;
  return null;
}

/**
 * POSIX check of `socketPath` and its folder. Returns their identity, or null when there is nothing
 * there (no agent: connecting then fails with ENOENT, exit 3 as before); throws
 * UntrustedSocketError when something is there that this user's agent would not have made.
 */
export function checkUnixSocket(
  socketPath: string,
  uid: number = typeof process.getuid === 'function' ? process.getuid() : 0,
): SocketIdentity | null {
  const folderPath = dirname(socketPath);
  const folder = lstatOrNull(folderPath);
  if (folder === null) return null;
  const folderProblem = problemWith(`its folder ${folderPath}`, folder, 'directory', uid);
  if (folderProblem !== null) throw new UntrustedSocketError(socketPath, folderProblem);
  const socket = lstatOrNull(socketPath);
  if (socket === null) return null;
  const socketProblem = problemWith('it', socket, 'socket', uid);
  if (socketProblem !== null) throw new UntrustedSocketError(socketPath, socketProblem);
  return { folder: { dev: folder.dev, ino: folder.ino }, socket: { dev: socket.dev, ino: socket.ino } };
}

/** Once connected: throws unless the socket and its folder are still the entries that were checked. */
export function recheckUnixSocket(socketPath: string, seen: SocketIdentity, uid?: number): void {
  const now = checkUnixSocket(socketPath, uid);
  const same = (a: { dev: number; ino: number }, b: { dev: number; ino: number }) =>
    a.dev === b.dev && a.ino === b.ino;
  if (now === null || !same(now.folder, seen.folder) || !same(now.socket, seen.socket))
    throw new UntrustedSocketError(socketPath, 'it was replaced while connecting');
}

// --- Windows ---------------------------------------------------------------------------------

/** Well-known SIDs that may own or write the pipe file besides the user: they can read anything anyway. */
const TRUSTED_SIDS = new Set([
  'S-1-5-18', // LocalSystem
  'S-1-5-32-544', // BUILTIN\Administrators
  'S-1-3-4', // OWNER RIGHTS
]);

/** What the PowerShell probe reports: the current user's SID and, per path, its owner and writers. */
export interface WindowsAclReport {
  me: string;
  items: { path: string; owner: string; writers: string[] }[];
}

/**
 * The probe. Paths go in through the environment (no quoting). Allow entries that apply to the
 * object itself (not inherit-only) are listed when they grant a right that lets someone change the
 * file or folder or its entries: WriteData/AddFile 0x2, AppendData/AddSubdirectory 0x4, WriteEA
 * 0x10, DeleteChild 0x40, WriteAttributes 0x100, Delete 0x10000, WriteDAC 0x40000, WriteOwner
 * 0x80000, GenericAll 0x10000000, GenericWrite 0x40000000.
 */
export const WINDOWS_ACL_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '$sid = [System.Security.Principal.SecurityIdentifier]',
  '$me = [System.Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
  '$items = @()',
  'foreach ($p in @($env:TOKENTRAY_CHECK_FILE, $env:TOKENTRAY_CHECK_DIR)) {',
  '  $acl = Get-Acl -LiteralPath $p',
  '  $writers = @()',
  '  foreach ($rule in $acl.GetAccessRules($true, $true, $sid)) {',
  '    $inheritOnly = ($rule.PropagationFlags -band [System.Security.AccessControl.PropagationFlags]::InheritOnly) -ne 0',
  '    $writes = (([int64]$rule.FileSystemRights) -band 0x500D0156) -ne 0',
  "    if ($rule.AccessControlType -eq 'Allow' -and -not $inheritOnly -and $writes) {",
  '      $writers += $rule.IdentityReference.Value',
  '    }',
  '  }',
  '  $items += @{ path = $p; owner = $acl.GetOwner($sid).Value; writers = @($writers) }',
  '}',
  '[Console]::Out.Write((ConvertTo-Json -Compress -Depth 4 -InputObject @{ me = $me; items = @($items) }))',
].join('\n');

/** Parses the probe's output; null when it is not a report. */
export function parseWindowsAclReport(text: string): WindowsAclReport | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { me, items } = parsed as Record<string, unknown>;
  if (typeof me !== 'string' || !Array.isArray(items)) return null;
  const out: WindowsAclReport['items'] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const { path, owner, writers } = item as Record<string, unknown>;
    // ConvertTo-Json writes a one-element array as the element itself in some PowerShell versions.
    const list = Array.isArray(writers)
      ? writers
      : writers === null || writers === undefined
        ? []
        : [writers];
    if (typeof path !== 'string' || typeof owner !== 'string' || !list.every((w) => typeof w === 'string'))
      return null;
    out.push({ path, owner, writers: list as string[] });
  }
  return { me, items: out };
}

/** What is wrong according to the report, or null when the file and its folder are ours alone. */
export function judgeWindowsAcl(report: WindowsAclReport, expected: string[]): string | null {
  const trusted = (sid: string) => sid === report.me || TRUSTED_SIDS.has(sid);
  for (const path of expected) {
    const item = report.items.find((i) => i.path === path);
    if (item === undefined) return `the ACL of ${path} could not be read`;
    const what = path === expected[0] ? 'the pipe file' : 'its folder';
    if (!trusted(item.owner)) return `${what} ${path} is owned by ${item.owner}, not by you (${report.me})`;
    const other = item.writers.find((sid) => !trusted(sid));
    if (other !== undefined) return `${what} ${path} lets ${other} write to it`;
  }
  return null;
}

/** How long the PowerShell probe may take. */
export const WINDOWS_ACL_TIMEOUT_MS = 15_000;

/** Windows check of the pipe file and its folder; a missing file is left to connectPipe (exit 3). */
export async function checkWindowsPipeFile(rendezvousPath: string): Promise<void> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(rendezvousPath)) return;
  const folder = dirname(rendezvousPath);
  const { execFile } = await import('node:child_process');
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WINDOWS_ACL_SCRIPT],
      {
        env: { ...process.env, TOKENTRAY_CHECK_FILE: rendezvousPath, TOKENTRAY_CHECK_DIR: folder },
        timeout: WINDOWS_ACL_TIMEOUT_MS,
        windowsHide: true,
        maxBuffer: 1024 * 1024,
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  }).catch((error: Error) => {
    throw new UntrustedSocketError(rendezvousPath, `its owner could not be checked (${error.message})`);
  });
  const report = parseWindowsAclReport(output.trim());
  if (report === null) throw new UntrustedSocketError(rendezvousPath, 'its owner could not be checked');
  const problem = judgeWindowsAcl(report, [rendezvousPath, folder]);
  if (problem !== null) throw new UntrustedSocketError(rendezvousPath, problem);
}

/**
 * Once connected, before a byte is written (POSIX; a no-op on Windows, whose pipe file was checked
 * before): the socket must still be the one `seen` before connecting, or, if there was none then
 * (it appeared meanwhile), pass the whole check now. Throws UntrustedSocketError.
 */
export function checkOnceConnected(socketPath: string, seen: SocketIdentity | null): void {
  if (process.platform === 'win32') return;
  if (seen === null) checkUnixSocket(socketPath);
  else recheckUnixSocket(socketPath, seen);
}
