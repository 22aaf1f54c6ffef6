/** A fake of the app's clipboard port (Electron's clipboard cannot run here): it records what was copied. */
import type { ClipboardPort } from '../../main/app/handlers.js';

export interface FakeClipboard extends ClipboardPort {
  copies: { text: string; clearAfterSeconds: number }[];
  /** The last text copied, or null. */
  last(): string | null;
}

/** Creates an empty recording clipboard. */
export function createFakeClipboard(): FakeClipboard {
  const copies: FakeClipboard['copies'] = [];
  return {
    copies,
    copySecret(text, clearAfterSeconds) {
      copies.push({ text, clearAfterSeconds });
    },
    last: () => copies.at(-1)?.text ?? null,
  };
}
