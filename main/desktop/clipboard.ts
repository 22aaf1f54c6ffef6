/**
 * The clipboard port: a copied token goes out as one item whose extra formats ask clipboard
 * managers and history to skip it, and is cleared after N seconds (and on quit) only if the
 * clipboard still holds it. We keep a SHA-256 of what we wrote, never the token itself.
 *
 * Where an independent reader of the system clipboard exists (wl-paste on Wayland, see
 * clipboard-check.ts) a copy is read back: one the compositor dropped is retried once through the
 * external copier (wl-copy) and, still missing, reported as failed; a clear is checked the same
 * way and, when the token stays, `onClearFailed` tells the user. Without a reader, Electron is
 * trusted as before (`verified: false`).
 */
import { createHash } from 'node:crypto';
import type { Clipboard, ClipboardItem as ElectronClipboardItem } from 'electron';
import type { ClipboardPort, CopyOutcome } from '../app/handlers.js';
import { toErrorInfo } from '../engine/errors.js';
import type { ClipboardCheck, ExternalCopier, ExternalResult } from './clipboard-check.js';

/** Electron's prefix for a raw platform clipboard format. */
const RAW = 'electron application/osclipboard;format=';

export interface ConcealedFormat {
  format: string;
  value: string | Uint8Array;
}

/** DWORD 0, as Windows reads `CanIncludeInClipboardHistory` and `CanUploadToCloudClipboard`. */
const DWORD_ZERO = new Uint8Array([0, 0, 0, 0]);

/** The extra formats that mark a copy as a secret on `platform` (KeePassXC and Bitwarden use the same markers). */
export function concealedFormats(platform: NodeJS.Platform): ConcealedFormat[] {
  switch (platform) {
    case 'darwin':
      return [{ format: `${RAW}"org.nspasteboard.ConcealedType"`, value: '' }];
    case 'win32':
      return [
        { format: `${RAW}"ExcludeClipboardContentFromMonitorProcessing"`, value: '' },
        { format: `${RAW}"CanIncludeInClipboardHistory"`, value: DWORD_ZERO },
        { format: `${RAW}"CanUploadToCloudClipboard"`, value: DWORD_ZERO },
      ];
    case 'linux':
      return [{ format: `${RAW}"x-kde-passwordManagerHint"`, value: 'secret' }];
    default:
      return [];
  }
}

/** The entries of the one clipboard item a secret is written as: the text plus the concealment markers. */
export function concealedItemEntries(text: string, platform: NodeJS.Platform): Record<string, string | Blob> {
  const entries: Record<string, string | Blob> = { 'text/plain': text };
  for (const { format, value } of concealedFormats(platform)) {
    entries[format] = typeof value === 'string' ? value : new Blob([value as Uint8Array<ArrayBuffer>]);
  }
  return entries;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A copy the compositor dropped, with no external copier to retry through. */
export const COPY_REFUSED =
  'the clipboard did not take the token (Wayland compositor refused a copy from the tray); use Copy in the window, or install wl-clipboard';
/** A copy the compositor dropped, and the retry through wl-copy too. */
export const COPY_REFUSED_AFTER_RETRY =
  'the clipboard did not take the token (Wayland compositor refused a copy from the tray, and the retry through wl-copy); use Copy in the window';
/** Told through `onClearFailed` when the token is still on the clipboard after clearing it. */
export const CLEAR_FAILED = 'the copied token could not be cleared from the clipboard; clear it yourself';

/** How long to give the compositor before a second read-back, when the first disagrees. */
export const SETTLE_MS = 150;

export interface ClipboardDeps {
  clipboard: Pick<Clipboard, 'write' | 'writeText' | 'readText' | 'clear'>;
  ClipboardItem: new (items: Record<string, string | Blob>) => ElectronClipboardItem;
  platform: NodeJS.Platform;
  log(message: string): void;
  /** The independent read of the system clipboard; none: Electron is trusted (`verified: false`). */
  check?: ClipboardCheck;
  /** Sets or clears the system clipboard outside Chromium when a read-back shows Electron's did not take. */
  copier?: ExternalCopier;
  /** Told (with CLEAR_FAILED) when a clear did not take and the token is still on the clipboard. */
  onClearFailed?(message: string): void;
  /** SETTLE_MS unless told. */
  settleMs?: number;
}

export interface SecretClipboard extends ClipboardPort {
  /** Clears the clipboard if it still holds our last copy; resolves true if it did. */
  clearIfOurs(): Promise<boolean>;
  /** Cancels the pending clear timer (the app is quitting; call clearIfOurs first). */
  dispose(): void;
}

/** Builds the clipboard port over Electron's clipboard. */
export function createSecretClipboard(deps: ClipboardDeps): SecretClipboard {
  const settleMs = deps.settleMs ?? SETTLE_MS;
  /** The hash of the copy the pending (or quit-time) clear is for; null: nothing to clear. */
  let ourHash: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Copies and clears run one at a time, in call order: a clear never lands in the middle of a copy. */
  let queue: Promise<unknown> = Promise.resolve();
  /** Counts copies: a copy that a newer one superseded is not retried over it. */
  let generation = 0;

  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job);
    queue = run.catch(() => undefined);
    return run;
  };

  const cancelTimer = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  const readBack = async (): Promise<string | null> => {
    if (deps.check === undefined) return null;
    try {
      return await deps.check.readBack();
    } catch (error) {
      deps.log(`clipboard: could not read it back (${toErrorInfo(error).message})`);
      return null;
    }
  };

  /** Whether the system clipboard holds the text hashed `hash`; null when nothing independent can tell. */
  const holds = async (hash: string): Promise<boolean | null> => {
    const text = await readBack();
    return text === null ? null : sha256(text) === hash;
  };

  /** holds(), read once more after settleMs when the first answer is not `hoped` (the compositor may lag). */
  const holdsAfterSettling = async (hash: string, hoped: boolean): Promise<boolean | null> => {
    const first = await holds(hash);
    if (first === null || first === hoped) return first;
    await new Promise<void>((resolve) => setTimeout(resolve, settleMs));
    return holds(hash);
  };

  const external = async (action: 'copy' | 'clear', text = ''): Promise<ExternalResult> => {
    if (deps.copier === undefined) return 'unavailable';
    try {
      return action === 'copy' ? await deps.copier.copy(text) : await deps.copier.clear();
    } catch (error) {
      deps.log(`clipboard: the external ${action} failed (${toErrorInfo(error).message})`);
      return 'failed';
    }
  };

  const write = async (text: string): Promise<void> => {
    try {
      await deps.clipboard.write([new deps.ClipboardItem(concealedItemEntries(text, deps.platform))]);
    } catch (error) {
      // Some clipboards refuse raw formats: copying still matters more than the history hint.
      deps.log(`clipboard: concealed copy failed, copying as plain text (${toErrorInfo(error).message})`);
      await deps.clipboard.writeText(text);
    }
  };

  const copyNow = async (text: string, hash: string, mine: number): Promise<CopyOutcome> => {
    try {
      await write(text);
    } catch (error) {
      const { message } = toErrorInfo(error);
      if (ourHash === hash) ourHash = null;
      deps.log(`clipboard: copy failed (${message})`);
      return { ok: false, problem: `the clipboard did not take the token (${message})` };
    }
    const taken = await holdsAfterSettling(hash, true);
    if (taken !== false) return { ok: true, verified: taken === true };
    // A newer copy is queued behind this one: it is what the clipboard should end up holding.
    if (mine !== generation) return { ok: true, verified: false };
    deps.log('clipboard: the copy did not reach the system clipboard; retrying outside Chromium');
    const retried = await external('copy', text);
    if (retried === 'unavailable') return { ok: false, problem: COPY_REFUSED };
    if (retried === 'done') {
      const retaken = await holdsAfterSettling(hash, true);
      if (retaken !== false) return { ok: true, verified: retaken === true };
    }
    deps.log('clipboard: the copy did not reach the system clipboard after the retry either');
    return { ok: false, problem: COPY_REFUSED_AFTER_RETRY };
  };

  const clearNow = async (expected: string): Promise<boolean> => {
    // A newer copy took over since this clear was asked for: its own clear will follow.
    if (ourHash !== expected) return false;
    ourHash = null;
    // Still ours? The independent reader is the truth where there is one; Chromium's cache is not.
    let ours = await holds(expected);
    if (ours === null) {
      try {
        ours = sha256(await deps.clipboard.readText()) === expected;
      } catch (error) {
        deps.log(`clipboard: could not read it to clear the token (${toErrorInfo(error).message})`);
        return false;
      }
    }
    // The user copied something else since: leave it alone.
    if (!ours) return false;
    try {
      deps.clipboard.clear();
    } catch (error) {
      deps.log(`clipboard: clearing failed (${toErrorInfo(error).message})`);
    }
    let still = await holdsAfterSettling(expected, false);
    if (still === true) {
      deps.log('clipboard: the clear did not reach the system clipboard; clearing outside Chromium');
      if ((await external('clear')) === 'done') still = await holdsAfterSettling(expected, false);
    }
    if (still !== true) return true;
    deps.log('clipboard: the copied token is still on the system clipboard after clearing');
    deps.onClearFailed?.(CLEAR_FAILED);
    return false;
  };

  const clearIfOurs = (): Promise<boolean> => {
    cancelTimer();
    const expected = ourHash;
    if (expected === null) return enqueue(async () => false);
    return enqueue(() => clearNow(expected));
  };

  return {
    copySecret(text, clearAfterSeconds) {
      cancelTimer();
      const hash = sha256(text);
      // 0 = never clear: the user wants copies to stay, on quit too.
      ourHash = clearAfterSeconds > 0 ? hash : null;
      const mine = ++generation;
      const outcome = enqueue(() => copyNow(text, hash, mine));
      if (clearAfterSeconds > 0) {
        timer = setTimeout(() => void clearIfOurs(), clearAfterSeconds * 1000);
      }
      return outcome;
    },
    clearIfOurs,
    dispose: cancelTimer,
  };
}
