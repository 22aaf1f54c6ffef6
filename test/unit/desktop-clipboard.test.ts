import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  concealedFormats,
  concealedItemEntries,
  createSecretClipboard,
} from '../../main/desktop/clipboard.js';
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
