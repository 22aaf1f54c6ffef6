import type { Clipboard } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClipboardCheck, ExternalCopier } from '../../main/desktop/clipboard-check.js';
import {
  CLEAR_FAILED,
  concealedFormats,
  concealedItemEntries,
  COPY_REFUSED,
  COPY_REFUSED_AFTER_RETRY,
  createSecretClipboard,
} from '../../main/desktop/clipboard.js';
import { redactForNotification } from '../../main/engine/notification-policy.js';
import { FakeClipboard, fakeClipboardItemClass, type FakeClipboardItem } from '../fakes/electron-fake.js';

const RAW = 'electron application/osclipboard;format=';

describe('concealed clipboard formats', () => {
  it('macOS: org.nspasteboard.ConcealedType', () => {
    expect(concealedFormats('darwin')).toEqual([
      { format: `${RAW}"org.nspasteboard.ConcealedType"`, value: '' },
    ]);
  });
  it('Linux: x-kde-passwordManagerHint = secret', () => {
    expect(concealedFormats('linux')).toEqual([
      { format: `${RAW}"x-kde-passwordManagerHint"`, value: 'secret' },
    ]);
  });
  it('Windows: excluded from monitors, history and cloud clipboard (DWORD 0)', () => {
    expect(concealedFormats('win32')).toEqual([
      { format: `${RAW}"ExcludeClipboardContentFromMonitorProcessing"`, value: '' },
      { format: `${RAW}"CanIncludeInClipboardHistory"`, value: new Uint8Array([0, 0, 0, 0]) },
      { format: `${RAW}"CanUploadToCloudClipboard"`, value: new Uint8Array([0, 0, 0, 0]) },
    ]);
  });
  it('other platforms: plain text only', () => {
    expect(concealedFormats('freebsd')).toEqual([]);
  });
  it('puts the text and the markers in one item', async () => {
    const entries = concealedItemEntries('tok', 'win32');
    expect(Object.keys(entries)).toEqual([
      'text/plain',
      `${RAW}"ExcludeClipboardContentFromMonitorProcessing"`,
      `${RAW}"CanIncludeInClipboardHistory"`,
      `${RAW}"CanUploadToCloudClipboard"`,
    ]);
    const dword = entries[`${RAW}"CanIncludeInClipboardHistory"`] as Blob;
    expect([...new Uint8Array(await dword.arrayBuffer())]).toEqual([0, 0, 0, 0]);
  });
});

describe('secret clipboard', () => {
  let clipboard: FakeClipboard;
  let log: string[];
  beforeEach(() => {
    vi.useFakeTimers();
    clipboard = new FakeClipboard();
    log = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const make = (platform: NodeJS.Platform = 'linux') =>
    createSecretClipboard({
      clipboard: clipboard.asClipboard(),
      ClipboardItem: fakeClipboardItemClass,
      platform,
      log: (l) => log.push(l),
    });

  it('writes one concealed item', async () => {
    make('darwin').copySecret('token-1', 45);
    await vi.advanceTimersByTimeAsync(0);
    expect(clipboard.writes).toHaveLength(1);
    const [item] = clipboard.writes[0] as FakeClipboardItem[];
    expect(item?.entries).toEqual({
      'text/plain': 'token-1',
      [`${RAW}"org.nspasteboard.ConcealedType"`]: '',
    });
  });

  it('clears after N seconds when the clipboard still holds the token', async () => {
    make().copySecret('token-1', 45);
    await vi.advanceTimersByTimeAsync(44_999);
    expect(clipboard.text).toBe('token-1');
    await vi.advanceTimersByTimeAsync(1);
    expect(clipboard.text).toBe('');
    expect(clipboard.clears).toBe(1);
  });

  it('leaves the clipboard alone when the user copied something else', async () => {
    make().copySecret('token-1', 45);
    await vi.advanceTimersByTimeAsync(10_000);
    clipboard.text = 'my own text';
    await vi.advanceTimersByTimeAsync(60_000);
    expect(clipboard.text).toBe('my own text');
    expect(clipboard.clears).toBe(0);
  });

  it('restarts the countdown for a new copy and clears only the newest', async () => {
    const secret = make();
    secret.copySecret('token-1', 45);
    await vi.advanceTimersByTimeAsync(30_000);
    secret.copySecret('token-2', 45);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(clipboard.text).toBe('token-2');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(clipboard.text).toBe('');
  });

  it('clears on quit when it still holds the token, once', async () => {
    const secret = make();
    secret.copySecret('token-1', 45);
    expect(await secret.clearIfOurs()).toBe(true);
    expect(clipboard.text).toBe('');
    expect(await secret.clearIfOurs()).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(clipboard.clears).toBe(1);
  });

  it('with 0 seconds never clears, not even on quit', async () => {
    const secret = make();
    secret.copySecret('token-1', 0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(await secret.clearIfOurs()).toBe(false);
    expect(clipboard.text).toBe('token-1');
  });

  it('falls back to plain text when the platform refuses the raw formats, and says so', async () => {
    clipboard.failMultiFormat = true;
    make().copySecret('token-1', 45);
    await vi.advanceTimersByTimeAsync(0);
    expect(clipboard.text).toBe('token-1');
    expect(log.join('\n')).toMatch(/concealed copy failed/);
    expect(log.join('\n')).not.toContain('token-1');
  });
});

/**
 * A fake Wayland session: Chromium's clipboard cache (the Electron fake, what `readText` sees)
 * and the compositor's real selection (what other apps paste, what the fake read-back sees) kept
 * apart, so that a dropped copy or clear can be told from one that took.
 */
class FakeCompositor {
  /** What other apps would paste. */
  selection = '';
  /** Drops Chromium's copies and clears (the app has no keyboard focus). */
  dropsElectron = false;
  /** Drops the external copier's copies and clears too. */
  dropsCopier = false;
  /** No independent reader (not Wayland, or wl-paste missing): the read-back answers null. */
  noReader = false;
  /** The external copier is not installed. */
  noCopier = false;
  /** Chromium's write and writeText both throw. */
  failWrites = false;
  /** Applies a copy Chromium made only after this many more read-backs (a compositor that lags). */
  lagReads = 0;
  private pending: string | null = null;
  readBacks = 0;
  readonly externalCopies: string[] = [];
  externalClears = 0;

  constructor(readonly electron: FakeClipboard) {}

  private took(text: string): void {
    if (this.dropsElectron) return;
    if (this.lagReads > 0) this.pending = text;
    else this.selection = text;
  }

  clipboard(): Pick<Clipboard, 'write' | 'writeText' | 'readText' | 'clear'> {
    const electron = this.electron.asClipboard();
    return {
      write: async (items) => {
        if (this.failWrites) throw new Error('the clipboard is gone');
        await electron.write(items);
        this.took(this.electron.text);
      },
      writeText: async (text) => {
        if (this.failWrites) throw new Error('the clipboard is gone');
        await electron.writeText(text);
        this.took(text);
      },
      readText: () => electron.readText(),
      clear: () => {
        electron.clear();
        this.took('');
      },
    };
  }

  readonly check: ClipboardCheck = {
    readBack: async () => {
      this.readBacks++;
      if (this.pending !== null && --this.lagReads <= 0) {
        this.selection = this.pending;
        this.pending = null;
      }
      return this.noReader ? null : this.selection;
    },
  };

  readonly copier: ExternalCopier = {
    copy: async (text) => {
      if (this.noCopier) return 'unavailable';
      this.externalCopies.push(text);
      if (!this.dropsCopier) this.selection = text;
      return 'done';
    },
    clear: async () => {
      if (this.noCopier) return 'unavailable';
      this.externalClears++;
      if (!this.dropsCopier) this.selection = '';
      return 'done';
    },
  };
}

describe('secret clipboard, checked by an independent read-back (Wayland)', () => {
  let electron: FakeClipboard;
  let compositor: FakeCompositor;
  let log: string[];
  let clearFailures: string[];
  beforeEach(() => {
    vi.useFakeTimers();
    electron = new FakeClipboard();
    compositor = new FakeCompositor(electron);
    log = [];
    clearFailures = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    // Whatever happened, the token itself is never logged.
    expect(log.join('\n')).not.toMatch(/token-\d/);
  });
  const make = () =>
    createSecretClipboard({
      clipboard: compositor.clipboard(),
      ClipboardItem: fakeClipboardItemClass,
      platform: 'linux',
      log: (l) => log.push(l),
      check: compositor.check,
      copier: compositor.copier,
      onClearFailed: (message) => clearFailures.push(message),
      settleMs: 150,
    });
  /** Lets the settle delays run, then the outcome. */
  const settled = async <T>(outcome: Promise<T>): Promise<T> => {
    await vi.advanceTimersByTimeAsync(1_000);
    return outcome;
  };

  it('a copy the compositor took is verified, with no retry', async () => {
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({ ok: true, verified: true });
    expect(compositor.selection).toBe('token-1');
    expect(compositor.externalCopies).toEqual([]);
  });

  it('a dropped write is detected and repaired through the external copier (wl-copy)', async () => {
    compositor.selection = 'what was there before';
    compositor.dropsElectron = true;
    const outcome = await settled(make().copySecret('token-1', 45));
    // Chromium's cache claims the copy; only the read-back shows it did not reach the compositor.
    expect(electron.text).toBe('token-1');
    expect(outcome).toEqual({ ok: true, verified: true });
    expect(compositor.externalCopies).toEqual(['token-1']);
    expect(compositor.selection).toBe('token-1');
    expect(log.join('\n')).toMatch(/did not reach the system clipboard; retrying outside Chromium/);
  });

  it('a dropped write that stays dropped is a failure that tells the user what to do', async () => {
    compositor.selection = 'what was there before';
    compositor.dropsElectron = true;
    compositor.dropsCopier = true;
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({ ok: false, problem: COPY_REFUSED_AFTER_RETRY });
    expect(COPY_REFUSED_AFTER_RETRY).toMatch(
      /^the clipboard did not take the token \(Wayland compositor refused a copy from the tray.*\); use Copy in the window$/,
    );
    expect(compositor.externalCopies).toEqual(['token-1']);
    expect(compositor.selection).toBe('what was there before');
  });

  it('a dropped write with no external copier installed fails, advising wl-clipboard', async () => {
    compositor.dropsElectron = true;
    compositor.noCopier = true;
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({ ok: false, problem: COPY_REFUSED });
    expect(COPY_REFUSED).toBe(
      'the clipboard did not take the token (Wayland compositor refused a copy from the tray); use Copy in the window, or install wl-clipboard',
    );
  });

  it('the failure messages reach the tray notification unredacted (no token-like run in them)', () => {
    for (const message of [COPY_REFUSED, COPY_REFUSED_AFTER_RETRY, CLEAR_FAILED]) {
      expect(redactForNotification(message)).toBe(message);
    }
  });

  it('a copy that cannot be written at all is a failure, and nothing is cleared later', async () => {
    compositor.failWrites = true;
    compositor.selection = 'mine';
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({
      ok: false,
      problem: 'the clipboard did not take the token (the clipboard is gone)',
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(electron.clears).toBe(0);
    expect(compositor.selection).toBe('mine');
  });

  it('a compositor that takes the copy a moment late is read again, not retried', async () => {
    compositor.lagReads = 2;
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({ ok: true, verified: true });
    expect(compositor.readBacks).toBe(2);
    expect(compositor.externalCopies).toEqual([]);
  });

  it('a copy superseded by a newer one is not retried over it', async () => {
    compositor.dropsElectron = true;
    const secret = make();
    const first = secret.copySecret('token-1', 45);
    const second = secret.copySecret('token-2', 45);
    expect(await settled(first)).toEqual({ ok: true, verified: false });
    expect(await settled(second)).toEqual({ ok: true, verified: true });
    expect(compositor.externalCopies).toEqual(['token-2']);
    expect(compositor.selection).toBe('token-2');
  });

  it('clears after N seconds and checks that the clear took', async () => {
    await settled(make().copySecret('token-1', 45));
    await vi.advanceTimersByTimeAsync(45_000);
    expect(compositor.selection).toBe('');
    expect(electron.clears).toBe(1);
    expect(compositor.externalClears).toBe(0);
    expect(clearFailures).toEqual([]);
  });

  it('a clear Chromium dropped is done through the external copier (wl-copy --clear)', async () => {
    const secret = make();
    await settled(secret.copySecret('token-1', 45));
    compositor.dropsElectron = true;
    await vi.advanceTimersByTimeAsync(45_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(electron.clears).toBe(1);
    expect(compositor.externalClears).toBe(1);
    expect(compositor.selection).toBe('');
    expect(clearFailures).toEqual([]);
  });

  it('a clear that did not take tells the desktop layer (onClearFailed), once', async () => {
    const secret = make();
    compositor.dropsElectron = true;
    await settled(secret.copySecret('token-1', 45));
    expect(compositor.selection).toBe('token-1'); // repaired by the external copier
    compositor.dropsCopier = true;
    await vi.advanceTimersByTimeAsync(45_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(compositor.selection).toBe('token-1');
    expect(compositor.externalClears).toBe(1);
    expect(clearFailures).toEqual([CLEAR_FAILED]);
    expect(CLEAR_FAILED).toBe('the copied token could not be cleared from the clipboard; clear it yourself');
    // On quit there is nothing left to try: the failure was said already.
    expect(await secret.clearIfOurs()).toBe(false);
    expect(clearFailures).toHaveLength(1);
  });

  it("leaves the user's own copy alone though Chromium's cache still holds the token", async () => {
    const secret = make();
    await settled(secret.copySecret('token-1', 45));
    compositor.selection = 'copied in another app';
    await vi.advanceTimersByTimeAsync(45_000);
    expect(electron.text).toBe('token-1');
    expect(electron.clears).toBe(0);
    expect(compositor.selection).toBe('copied in another app');
    expect(compositor.externalClears).toBe(0);
  });

  it('with no reader behaves as today: unverified, no retry, cleared through Electron', async () => {
    compositor.noReader = true;
    compositor.dropsElectron = true;
    const outcome = await settled(make().copySecret('token-1', 45));
    expect(outcome).toEqual({ ok: true, verified: false });
    expect(compositor.externalCopies).toEqual([]);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(electron.clears).toBe(1);
    expect(electron.text).toBe('');
    expect(compositor.externalClears).toBe(0);
    expect(clearFailures).toEqual([]);
  });

  it('without a check port at all a copy is unverified', async () => {
    const secret = createSecretClipboard({
      clipboard: electron.asClipboard(),
      ClipboardItem: fakeClipboardItemClass,
      platform: 'linux',
      log: (l) => log.push(l),
    });
    expect(await secret.copySecret('token-1', 45)).toEqual({ ok: true, verified: false });
  });

  it('a clear asked for while a copy is being checked waits for it', async () => {
    compositor.dropsElectron = true;
    const secret = make();
    const outcome = secret.copySecret('token-1', 45);
    // Quit right away: the clear must not land before the repaired copy, or it would leave the token behind.
    const cleared = secret.clearIfOurs();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await outcome).toEqual({ ok: true, verified: true });
    expect(await cleared).toBe(true);
    expect(compositor.selection).toBe('');
    expect(clearFailures).toEqual([]);
  });
});
