import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_INDEX_URL } from '../../main/desktop/app-origin.js';
import {
  accountWindowOptions,
  createAccountWindowController,
  DEFAULT_BOUNDS,
  fitBounds,
  guardWebContents,
  navigationAllowed,
  type WindowBounds,
} from '../../main/desktop/window.js';
import { pushChannels } from '../../preload/contract.js';
import {
  fakeBrowserWindowClass,
  FakeBrowserWindow,
  fakeEvent,
  FakeWebContents,
} from '../fakes/electron-fake.js';

describe('window factory options', () => {
  it('isolates, sandboxes and strips Node from the account window, exactly', () => {
    const options = accountWindowOptions({
      preloadPath: '/app/dist/preload/index.cjs',
      bounds: { width: 900, height: 700 },
      devTools: false,
    });
    expect(options.webPreferences).toEqual({
      preload: '/app/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: false,
    });
    expect(options).not.toHaveProperty('webPreferences.enableBlinkFeatures');
    expect(options.show).toBe(false);
    expect(options).toMatchObject({
      title: 'Tokentray',
      width: 900,
      height: 700,
      minWidth: 640,
      minHeight: 480,
    });
  });
});

describe('saved bounds', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('reopens where the window was when that is still on a screen', () => {
    expect(fitBounds({ x: 100, y: 80, width: 800, height: 600 }, screen)).toEqual({
      x: 100,
      y: 80,
      width: 800,
      height: 600,
    });
  });
  it('drops the position when its monitor is gone, keeping the size', () => {
    expect(fitBounds({ x: 3000, y: 80, width: 800, height: 600 }, screen)).toEqual({
      width: 800,
      height: 600,
    });
  });
  it('never goes below the minimum size and defaults without saved bounds', () => {
    expect(fitBounds({ width: 10, height: 10 }, screen)).toEqual({ width: 640, height: 480 });
    expect(fitBounds(null, screen)).toEqual(DEFAULT_BOUNDS);
  });
});

describe('navigation guard', () => {
  const table: [string, boolean][] = [
    ['app://tokentray/index.html', true],
    ['app://tokentray/#/accounts/acme', true],
    ['https://example.com.attacker.com/', false],
    ['https://example.com/', false],
    ['http://127.0.0.1:8080/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['app://tokentray.attacker.com/index.html', false],
    ['app://tokentray:8080/index.html', false],
    ['app://user@tokentray/index.html', false],
    ['app://tokentrаy/index.html', false], // Cyrillic "а": an IDN look-alike
    ['app://xn--tokentry-5fg/index.html', false],
    ['APP://evil/index.html', false],
    ['not a url', false],
  ];
  it.each(table)('%s → allowed %s', (url, allowed) => {
    expect(navigationAllowed(url)).toBe(allowed);
    const contents = new FakeWebContents();
    guardWebContents(contents as never);
    for (const name of ['will-navigate', 'will-redirect']) {
      const event = fakeEvent({ url });
      contents.emit(name, event);
      expect(event.defaultPrevented).toBe(!allowed);
    }
  });

  it('denies every new window and every <webview>', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents as never);
    for (const url of ['https://example.com/', 'app://tokentray/index.html', 'about:blank']) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
    const attach = fakeEvent({});
    contents.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented).toBe(true);
  });
});

describe('account window controller', () => {
  function controller(saved: WindowBounds | null = null, askDiscard?: () => Promise<boolean>) {
    const BrowserWindow = fakeBrowserWindowClass();
    const savedBounds: WindowBounds[] = [];
    const ctl = createAccountWindowController({
      BrowserWindow,
      preloadPath: '/p.cjs',
      devTools: false,
      loadBounds: () => saved,
      saveBounds: (b) => savedBounds.push(b),
      workAreas: () => [{ x: 0, y: 0, width: 1920, height: 1080 }],
      ...(askDiscard === undefined ? {} : { askDiscard }),
    });
    return { ctl, savedBounds };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  /** An askDiscard whose answer the test gives; counts the questions. */
  function answerLater() {
    const pending: ((discard: boolean) => void)[] = [];
    return {
      ask: () => new Promise<boolean>((resolve) => pending.push(resolve)),
      answer: (discard: boolean) => pending.shift()?.(discard),
      get asked() {
        return pending.length;
      },
    };
  }

  /** A loaded account window whose page objects to being left (or hangs: `pageObjects` null). */
  function openWithForm(pageObjects: boolean | null = true) {
    const question = answerLater();
    const { ctl, savedBounds } = controller(null, question.ask);
    ctl.open(null);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    win.finishLoading();
    win.pageObjects = pageObjects;
    return { question, ctl, savedBounds, win };
  }

  it('asks before a close drops unsaved changes, without blocking: Keep editing keeps the window', async () => {
    const { question, ctl, win } = openWithForm();
    const closing = ctl.closeAsking();
    expect(question.asked).toBe(1);
    win.close(); // a second click on the close button while the question is up: asked once
    const again = ctl.closeAsking(); // and Quit chosen again: the same question answers both
    expect(question.asked).toBe(1);
    question.answer(false);
    expect(await closing).toBe(false);
    expect(await again).toBe(false);
    expect(ctl.isOpen()).toBe(true);
  });

  it('closes once the person chose Discard changes (the page is let go on the second close)', async () => {
    const { question, ctl, savedBounds } = openWithForm();
    const closing = ctl.closeAsking();
    question.answer(true);
    expect(await closing).toBe(true);
    expect(ctl.isOpen()).toBe(false);
    expect(savedBounds).toHaveLength(1);
    // A new window asks again: Discard was for that window's changes only.
    ctl.open(null);
    const next = FakeBrowserWindow.instances[1] as FakeBrowserWindow;
    next.pageObjects = true;
    next.close();
    expect(question.asked).toBe(1);
  });

  it('closes at once when nothing is unsaved, and without asking once the app is quitting', async () => {
    const question = answerLater();
    const { ctl } = controller(null, question.ask);
    ctl.open(null);
    expect(await ctl.closeAsking()).toBe(true);
    ctl.open(null);
    const win = FakeBrowserWindow.instances[1] as FakeBrowserWindow;
    win.pageObjects = true;
    ctl.dropUnsavedChanges();
    expect(await ctl.closeAsking()).toBe(true);
    expect(question.asked).toBe(0);
    expect(await ctl.closeAsking()).toBe(true); // no window: nothing to close
  });

  it('destroys a window whose page does not answer its close within 10 s (a hung renderer)', async () => {
    vi.useFakeTimers();
    const { ctl, win } = openWithForm(null);
    const closing = ctl.closeAsking();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(win.isDestroyed()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await closing).toBe(true);
    expect(win.isDestroyed()).toBe(true);
  });

  it('destroys a window whose page hangs after Discard changes, and the close it was for ends', async () => {
    vi.useFakeTimers();
    const { question, ctl, win } = openWithForm();
    const closing = ctl.closeAsking();
    await vi.advanceTimersByTimeAsync(30_000); // the person reads the question
    win.pageObjects = null; // and the page hangs before the second close
    question.answer(true);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(win.isDestroyed()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(win.isDestroyed()).toBe(true);
    expect(await closing).toBe(true);
    expect(ctl.isOpen()).toBe(false);
  });

  it('keeps a question the person is reading past 10 s: the page answered, only the person is slow', async () => {
    vi.useFakeTimers();
    const { question, ctl, win } = openWithForm();
    const closing = ctl.closeAsking();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(win.isDestroyed()).toBe(false);
    question.answer(false);
    expect(await closing).toBe(false);
  });

  it('creates the window on demand, guarded, loading the app origin, shown when ready', () => {
    const { ctl } = controller({ x: 50, y: 60, width: 1000, height: 700 });
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    ctl.open(null);
    const [win] = FakeBrowserWindow.instances;
    expect(win?.loadedUrls).toEqual([APP_INDEX_URL]);
    expect(win?.options).toMatchObject({ x: 50, y: 60, width: 1000, height: 700 });
    expect(win?.webContents.windowOpenHandler).not.toBeNull();
    expect(win?.visible).toBe(false);
    win?.finishLoading();
    expect(win?.visible).toBe(true);
  });

  it('keeps one window at a time and focuses it on the requested account', () => {
    const { ctl } = controller();
    ctl.open(null);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    win.finishLoading();
    win.minimized = true;
    ctl.open('acme');
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(win.minimized).toBe(false);
    expect(win.focusCount).toBe(1);
    expect(win.webContents.sent).toEqual([{ channel: pushChannels.focusAccount, args: ['acme'] }]);
  });

  it('sends the account to focus once a new window has loaded', () => {
    const { ctl } = controller();
    ctl.open('beta');
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    expect(win.webContents.sent).toEqual([]);
    win.finishLoading();
    expect(win.webContents.sent).toEqual([{ channel: pushChannels.focusAccount, args: ['beta'] }]);
  });

  it('remembers the bounds on close, destroys the window and creates a new one next time', () => {
    const { ctl, savedBounds } = controller();
    ctl.open(null);
    const first = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    first.finishLoading();
    first.userCloses();
    expect(savedBounds).toEqual([{ x: 10, y: 20, width: 900, height: 700 }]);
    expect(ctl.isOpen()).toBe(false);
    ctl.push('accountsChanged', []);
    expect(first.webContents.sent).toEqual([]);
    ctl.open(null);
    expect(FakeBrowserWindow.instances).toHaveLength(2);
  });

  it('loads the page again after its renderer is gone, and closes the window when it goes again within a minute', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { ctl } = controller();
    ctl.open(null);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    win.finishLoading();
    win.webContents.emit('render-process-gone', fakeEvent({}), { reason: 'crashed', exitCode: 139 });
    expect(win.webContents.reloads).toBe(1);
    ctl.push('accountsChanged', []); // not loaded again yet: nothing is sent to a dead page
    expect(win.webContents.sent).toEqual([]);
    win.finishLoading();
    ctl.push('accountsChanged', []);
    expect(win.webContents.sent).toHaveLength(1);
    vi.advanceTimersByTime(61_000);
    win.webContents.emit('render-process-gone', fakeEvent({}), { reason: 'oom', exitCode: 0 });
    expect(win.webContents.reloads).toBe(2);
    vi.advanceTimersByTime(5_000);
    win.webContents.emit('render-process-gone', fakeEvent({}), { reason: 'crashed', exitCode: 139 });
    expect(win.webContents.reloads).toBe(2);
    expect(win.isDestroyed()).toBe(true);
    expect(ctl.isOpen()).toBe(false);
    ctl.open(null);
    expect(FakeBrowserWindow.instances).toHaveLength(2);
  });

  it('pushes to the window only once it has loaded', () => {
    const { ctl } = controller();
    ctl.open(null);
    const win = FakeBrowserWindow.instances[0] as FakeBrowserWindow;
    ctl.push('accountsChanged', []);
    win.finishLoading();
    ctl.push('accountsChanged', []);
    expect(win.webContents.sent).toEqual([{ channel: pushChannels.accountsChanged, args: [[]] }]);
  });
});
