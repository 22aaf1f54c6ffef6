/** A fake of the app's clipboard port (Electron's clipboard cannot run here): it records what was copied. */
import type { ClipboardPort, CopyOutcome } from '../../main/app/handlers.js';

export interface FakeClipboard extends ClipboardPort {
  copies: { text: string; clearAfterSeconds: number }[];
  /** The last text copied, or null. */
  last(): string | null;
  /** What the next copies report (a copy the compositor refused: `{ ok: false, problem }`); recorded either way. */
  outcome: CopyOutcome;
}

/** Creates an empty recording clipboard whose copies succeed, unverified (no independent reader). */
export function createFakeClipboard(): FakeClipboard {
  const copies: FakeClipboard['copies'] = [];
  const fake: FakeClipboard = {
    copies,
    outcome: { ok: true, verified: false },
    async copySecret(text, clearAfterSeconds) {
      copies.push({ text, clearAfterSeconds });
      return fake.outcome;
    },
    last: () => copies.at(-1)?.text ?? null,
  };
  return fake;
}
