/**
 * The clipboard port: a copied token goes out as one item whose extra formats ask clipboard
 * managers and history to skip it, and is cleared after N seconds (and on quit) only if the
 * clipboard still holds it. We keep a SHA-256 of what we wrote, never the token itself.
 */
import { createHash } from 'node:crypto';
import type { Clipboard, ClipboardItem as ElectronClipboardItem } from 'electron';
import type { ClipboardPort } from '../app/handlers.js';
import { toErrorInfo } from '../engine/errors.js';

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

export interface ClipboardDeps {
  clipboard: Pick<Clipboard, 'write' | 'writeText' | 'readText' | 'clear'>;
  ClipboardItem: new (items: Record<string, string | Blob>) => ElectronClipboardItem;
  platform: NodeJS.Platform;
  log(message: string): void;
}

export interface SecretClipboard extends ClipboardPort {
  /** Clears the clipboard if it still holds our last copy; resolves true if it did. */
  clearIfOurs(): Promise<boolean>;
  /** Cancels the pending clear timer (the app is quitting; call clearIfOurs first). */
  dispose(): void;
}

/** Builds the clipboard port over Electron's clipboard. */
export function createSecretClipboard(deps: ClipboardDeps): SecretClipboard {
  let ourHash: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastWrite: Promise<void> = Promise.resolve();

  const cancelTimer = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  const clearIfOurs = async (): Promise<boolean> => {
    cancelTimer();
    await lastWrite;
    if (ourHash === null) return false;
    const expected = ourHash;
    ourHash = null;
    let current: string;
    try {
      current = await deps.clipboard.readText();
    } catch (error) {
      deps.log(`clipboard: could not read it to clear the token (${toErrorInfo(error).message})`);
      return false;
    }
    // The user copied something else since: leave it alone.
    if (sha256(current) !== expected) return false;
    deps.clipboard.clear();
    return true;
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

  return {
    copySecret(text, clearAfterSeconds) {
      cancelTimer();
      // 0 = never clear: the user wants copies to stay, on quit too.
      ourHash = clearAfterSeconds > 0 ? sha256(text) : null;
      const hash = ourHash;
      lastWrite = write(text).catch((error: unknown) => {
        if (ourHash === hash) ourHash = null;
        deps.log(`clipboard: copy failed (${toErrorInfo(error).message})`);
      });
      if (clearAfterSeconds > 0) {
        timer = setTimeout(() => void clearIfOurs(), clearAfterSeconds * 1000);
      }
    },
    clearIfOurs,
    dispose: cancelTimer,
  };
}
