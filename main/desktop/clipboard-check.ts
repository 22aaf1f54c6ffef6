/**
 * The system clipboard seen from outside Chromium (issue #9). On Wayland a compositor may drop a
 * copy made by an app without keyboard focus (the tray menu is drawn by the shell) while
 * Chromium's own clipboard cache, which Electron's `readText` reads, still claims success; a
 * clear can be dropped the same way. wl-clipboard's `wl-paste` reads the compositor's real
 * selection, and `wl-copy` can set it when Chromium could not. Elsewhere there is no independent
 * reader: `readBack` answers null and Electron is trusted, as before.
 *
 * The tools run through execFile/spawn with an argument list, never a shell; the copied text goes
 * on stdin, never in argv (which every local user can read in /proc); nothing here logs the
 * clipboard's content.
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/** How long one run of wl-paste or wl-copy may take before it is killed and counted as failed. */
export const TOOL_TIMEOUT_MS = 2_000;

/** The most bytes read back: a longer text comes back cut here (never one of our copies, which are far shorter). */
export const READ_BACK_MAX_BYTES = 1024 * 1024;

/** An independent read of the system clipboard. */
export interface ClipboardCheck {
  /**
   * The system clipboard's text as other apps would paste it: '' when it holds no text; null when
   * there is no independent reader here (not Wayland, wl-paste not installed) or it failed or
   * timed out — then nothing is known beyond what Electron says.
   */
  readBack(): Promise<string | null>;
}

/** What an external copier did: 'done' (the tool said so), 'failed', or 'unavailable' (no tool here). */
export type ExternalResult = 'done' | 'failed' | 'unavailable';

/** Sets the system clipboard outside Chromium. */
export interface ExternalCopier {
  /** Puts `text` on the clipboard as text/plain (marked sensitive when the tool can). */
  copy(text: string): Promise<ExternalResult>;
  /** Empties the clipboard. */
  clear(): Promise<ExternalResult>;
}

export interface SystemClipboardToolsDeps {
  platform: NodeJS.Platform;
  /** The environment the tools see (WAYLAND_DISPLAY, XDG_RUNTIME_DIR, PATH to find them). */
  env: NodeJS.ProcessEnv;
  log(message: string): void;
  /** Per run; TOOL_TIMEOUT_MS unless told. */
  timeoutMs?: number;
}

/** A Wayland session on Linux: WAYLAND_DISPLAY set, or XDG_SESSION_TYPE=wayland. */
export function isWaylandSession(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && ((env.WAYLAND_DISPLAY ?? '') !== '' || env.XDG_SESSION_TYPE === 'wayland');
}

/** The absolute path of executable `name` in PATH's absolute directories, or null. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    // A relative entry would resolve against our working directory: never run from there.
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      if (!(await stat(candidate)).isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not there, or not executable: try the next directory.
    }
  }
  return null;
}

type ReadResult =
  | { kind: 'exited'; code: number; stdout: Buffer; stderr: string }
  | { kind: 'timeout' }
  | { kind: 'error'; reason: string };

/** Runs a reading tool with no stdin, its output capped; resolves by `timeoutMs` whatever the child does. */
function runReader(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ReadResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ReadResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = execFile(
      file,
      args,
      { env, encoding: 'buffer', maxBuffer: READ_BACK_MAX_BYTES, windowsHide: true },
      (error, stdout, stderr) => {
        const errText = stderr.toString('utf8');
        if (error === null) finish({ kind: 'exited', code: 0, stdout, stderr: errText });
        // More text than any copy of ours: execFile kept the first READ_BACK_MAX_BYTES.
        else if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          finish({ kind: 'exited', code: 0, stdout, stderr: errText });
        else if (typeof error.code === 'number')
          finish({ kind: 'exited', code: error.code, stdout, stderr: errText });
        else finish({ kind: 'error', reason: error.signal ?? String(error.code ?? 'error') });
      },
    );
    child.stdin?.end();
    // Our own bound: execFile's callback waits for the pipes to close, which a grandchild that
    // inherited them can hold open long after the tool itself was killed.
    // finish() runs only from the child's events and this timer, never before this line.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish({ kind: 'timeout' });
    }, timeoutMs);
  });
}

/**
 * Runs wl-copy with `input` on stdin (or none). wl-copy forks a server that keeps serving the
 * selection and exits in the parent once the compositor took it, so this resolves on the
 * parent's exit. Its stdout and stderr go to /dev/null: a pipe would be held open by that
 * server (execFile would wait on it for as long as the copy lasts), and a pipe closed under it
 * would kill it with SIGPIPE; only the exit status is kept.
 */
function runCopier(
  file: string,
  args: string[],
  input: string | null,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<'done' | 'failed' | 'timeout'> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: 'done' | 'failed' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(file, args, {
      env,
      stdio: [input === null ? 'ignore' : 'pipe', 'ignore', 'ignore'],
      windowsHide: true,
    });
    child.once('error', () => finish('failed'));
    child.once('exit', (code) => finish(code === 0 ? 'done' : 'failed'));
    if (input !== null && child.stdin !== null) {
      // A wl-copy that refuses its options exits before reading: EPIPE is its exit status's business.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input, 'utf8');
    }
    // finish() runs only from the child's events and this timer, never before this line.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish('timeout');
    }, timeoutMs);
  });
}

/** wl-paste's words for "the clipboard holds no text" (wl-clipboard 2.x): an answer, not a failure. */
const NO_TEXT = /Nothing is copied|Clipboard content is not available as/;

/** The read-back and the external copier over wl-clipboard; outside a Wayland session, neither acts. */
export function createSystemClipboardTools(deps: SystemClipboardToolsDeps): {
  check: ClipboardCheck;
  copier: ExternalCopier;
} {
  const timeoutMs = deps.timeoutMs ?? TOOL_TIMEOUT_MS;
  const wayland = (): boolean => isWaylandSession(deps.platform, deps.env);
  const said = new Set<string>();
  const sayOnce = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    deps.log(message);
  };

  const readBack = async (): Promise<string | null> => {
    if (!wayland()) return null;
    const wlPaste = await findOnPath('wl-paste', deps.env);
    if (wlPaste === null) {
      sayOnce('clipboard: Wayland session without wl-paste: copies cannot be checked (install wl-clipboard)');
      return null;
    }
    const result = await runReader(wlPaste, ['--no-newline', '--type', 'text/plain'], deps.env, timeoutMs);
    if (result.kind === 'timeout') {
      deps.log(`clipboard: wl-paste gave no answer within ${timeoutMs} ms`);
      return null;
    }
    if (result.kind === 'error') {
      deps.log(`clipboard: wl-paste could not run (${result.reason})`);
      return null;
    }
    if (result.code === 0) return result.stdout.toString('utf8');
    if (NO_TEXT.test(result.stderr)) return '';
    // wl-paste's stderr holds its own error (never the clipboard's content, which goes to stdout).
    const reason = result.stderr.split('\n', 1)[0]?.trim().slice(0, 200) ?? '';
    deps.log(`clipboard: wl-paste failed (exit ${result.code}${reason === '' ? '' : `: ${reason}`})`);
    return null;
  };

  const wlCopy = async (): Promise<string | null> => {
    if (!wayland()) return null;
    const found = await findOnPath('wl-copy', deps.env);
    if (found === null) sayOnce('clipboard: Wayland session without wl-copy (install wl-clipboard)');
    return found;
  };

  return {
    check: { readBack },
    copier: {
      async copy(text) {
        const file = await wlCopy();
        if (file === null) return 'unavailable';
        // --sensitive (wl-clipboard 2.3+) offers x-kde-passwordManagerHint, as our own copy does;
        // an older wl-copy refuses the option (exit 1 at once), so ask again without it.
        let result = await runCopier(
          file,
          ['--type', 'text/plain', '--sensitive'],
          text,
          deps.env,
          timeoutMs,
        );
        if (result === 'failed')
          result = await runCopier(file, ['--type', 'text/plain'], text, deps.env, timeoutMs);
        if (result === 'done') return 'done';
        deps.log(
          result === 'timeout'
            ? `clipboard: wl-copy gave no answer within ${timeoutMs} ms`
            : 'clipboard: wl-copy failed',
        );
        return 'failed';
      },
      async clear() {
        const file = await wlCopy();
        if (file === null) return 'unavailable';
        const result = await runCopier(file, ['--clear'], null, deps.env, timeoutMs);
        if (result === 'done') return 'done';
        deps.log(
          result === 'timeout'
            ? `clipboard: wl-copy --clear gave no answer within ${timeoutMs} ms`
            : 'clipboard: wl-copy --clear failed',
        );
        return 'failed';
      },
    },
  };
}
