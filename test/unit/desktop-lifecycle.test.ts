import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchOnline, watchPower } from '../../main/desktop/power.js';
import { setupFirstRun } from '../../main/desktop/setup-lifecycle.js';
import { claimSingleInstance, userDataDirFromArgv } from '../../main/desktop/single-instance.js';
import { throttle } from '../../main/desktop/throttle.js';
import type { Notifier } from '../../main/desktop/notifications.js';
import type { AccountWindowController } from '../../main/desktop/window.js';
import type { AccountView, Engine } from '../../main/engine/types.js';
import { accountView } from '../fixtures/account-view.js';
import { FakeApp, FakePowerMonitor } from '../fakes/electron-fake.js';

// setup-lifecycle binds the real Electron modules; here only what setupFirstRun reads of them.
const fakeElectron = vi.hoisted(() => ({ openedAtLogin: false }));
vi.mock('electron', () => ({
  app: { getLoginItemSettings: () => ({ openAtLogin: false, wasOpenedAtLogin: fakeElectron.openedAtLogin }) },
  net: {},
  powerMonitor: {},
}));

describe('single instance', () => {
  it('tells the second instance to quit', () => {
    const app = new FakeApp();
    app.lockGranted = false;
    expect(claimSingleInstance(app.asApp(), () => undefined)).toBe(false);
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('brings the first instance forward when a second one starts', () => {
    const app = new FakeApp();
    let opened = 0;
    expect(claimSingleInstance(app.asApp(), () => opened++)).toBe(true);
    app.emit('second-instance', {}, ['tokentray', 'token', 'acme'], '/home', {});
    expect(opened).toBe(1);
  });

  it('does not bring the window forward for a second start at login (--hidden)', () => {
    const app = new FakeApp();
    let opened = 0;
    expect(claimSingleInstance(app.asApp(), () => opened++)).toBe(true);
    app.emit('second-instance', {}, ['/opt/Tokentray/tokentray', '--hidden'], '/home', {});
    expect(opened).toBe(0);
    app.emit('second-instance', {}, ['/opt/Tokentray/tokentray'], '/home', {});
    expect(opened).toBe(1);
  });

  it('reads --user-data-dir for isolated profiles', () => {
    expect(userDataDirFromArgv(['electron', '.', '--user-data-dir=/tmp/p 1'])).toBe('/tmp/p 1');
    expect(userDataDirFromArgv(['electron', '.', '--user-data-dir='])).toBeNull();
    expect(userDataDirFromArgv(['electron', '.'])).toBeNull();
  });
});

describe('the window at start-up', () => {
  /** setupFirstRun with `count` accounts and this argv: how often it opened the window, and for what. */
  function start(
    count: number,
    argv: string[],
    notices: string[] = [],
    shown: { title: string; body: string }[] = [],
  ): (string | null)[] {
    const views: AccountView[] = Array.from({ length: count }, (_, i) => accountView({ name: `a${i}` }));
    const engine = { list: () => views, notices } as Pick<Engine, 'list' | 'notices'> as Engine;
    const opened: (string | null)[] = [];
    const window = { open: (account: string | null) => opened.push(account) };
    const notifier = {
      live: new Set(),
      show: (notice: { title: string; body: string }) => shown.push(notice) > 0,
    } as unknown as Notifier;
    setupFirstRun({
      engine,
      window: window as Pick<AccountWindowController, 'open'> as AccountWindowController,
      notifier,
      argv,
    });
    return opened;
  }

  it('opens even on a start at login when start-up found something about the store, and notifies it', () => {
    const shown: { title: string; body: string }[] = [];
    const notice = '/d/accounts.json could not be read (x); it was moved to /d/accounts.json.unreadable-1';
    expect(start(3, ['tokentray', '--hidden'], [notice], shown)).toEqual([null]);
    expect(shown.map((n) => n.body)).toEqual([notice]);
    expect(start(3, ['tokentray', '--hidden'])).toEqual([]);
  });

  afterEach(() => {
    fakeElectron.openedAtLogin = false;
  });

  it('opens on every launch by the user, accounts or not', () => {
    expect(start(0, ['/opt/Tokentray/tokentray'])).toEqual([null]);
    expect(start(2, ['/opt/Tokentray/tokentray'])).toEqual([null]);
  });

  it('opens on a start at login only while there is no account yet', () => {
    expect(start(0, ['/opt/Tokentray/tokentray', '--hidden'])).toEqual([null]);
    expect(start(1, ['/opt/Tokentray/tokentray', '--hidden'])).toEqual([]);
  });

  it('on macOS, where a login item passes no arguments, asks the system whether it was opened at login', () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform');
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      const argv = ['/Applications/Tokentray.app/Contents/MacOS/Tokentray'];
      expect(start(1, argv)).toEqual([null]);
      fakeElectron.openedAtLogin = true;
      expect(start(1, argv)).toEqual([]);
      expect(start(0, argv)).toEqual([null]);
    } finally {
      if (platform) Object.defineProperty(process, 'platform', platform);
    }
  });
});

describe('power and network events', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('re-checks deadlines on resume and on unlock, not on suspend', () => {
    const power = new FakePowerMonitor();
    let reconciled = 0;
    watchPower(power.asPowerMonitor(), () => reconciled++);
    power.emit('suspend');
    power.emit('resume');
    power.emit('unlock-screen');
    expect(reconciled).toBe(2);
  });

  it('re-checks once when the network comes back', () => {
    vi.useFakeTimers();
    const states = [false, false, true, true, false, true];
    let i = 0;
    let regained = 0;
    const stop = watchOnline(
      () => states[Math.min(i++, states.length - 1)] as boolean,
      () => regained++,
      30_000,
    );
    vi.advanceTimersByTime(30_000 * 5);
    expect(regained).toBe(2);
    stop();
  });
});

describe('throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('runs at once, folds a burst into one trailing call, then rests', () => {
    vi.useFakeTimers();
    let calls = 0;
    const run = throttle(() => calls++, 500);
    run();
    run();
    run();
    expect(calls).toBe(1);
    vi.advanceTimersByTime(500);
    expect(calls).toBe(2);
    vi.advanceTimersByTime(5_000);
    expect(calls).toBe(2);
    run();
    expect(calls).toBe(3);
    run();
    run.cancel();
    vi.advanceTimersByTime(5_000);
    expect(calls).toBe(3);
  });
});
