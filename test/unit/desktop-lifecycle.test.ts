import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchOnline, watchPower } from '../../main/desktop/power.js';
import { claimSingleInstance, userDataDirFromArgv } from '../../main/desktop/single-instance.js';
import { throttle } from '../../main/desktop/throttle.js';
import { FakeApp, FakePowerMonitor } from '../fakes/electron-fake.js';

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

  it('reads --user-data-dir for isolated profiles', () => {
    expect(userDataDirFromArgv(['electron', '.', '--user-data-dir=/tmp/p 1'])).toBe('/tmp/p 1');
    expect(userDataDirFromArgv(['electron', '.', '--user-data-dir='])).toBeNull();
    expect(userDataDirFromArgv(['electron', '.'])).toBeNull();
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
