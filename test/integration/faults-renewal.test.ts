/**
 * Issue #12, item 13: a token's age is the older of what the wall clock and the monotonic clock
 * say, so a wall clock stepped back (NTP, a VM restore) does not make an expired token look valid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../helpers/engine.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, idle, mpsAccount, startHarness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const SEC = 1000;

/**
 * The wall clock (which the test may step) and a monotonic one, with timers that behave like the
 * system clock's: a deadline is turned into a delay when it is set, and fires when that much
 * monotonic time has passed, wherever the wall clock went meanwhile.
 */
class TwoClocks extends ManualClock {
  mono = 1_000_000;
  private monoTimers: { due: number; run: () => void; id: number }[] = [];
  private lastId = 0;
  monotonic = () => this.mono;
  override at = (ms: number, run: () => void) => {
    const id = ++this.lastId;
    this.monoTimers.push({ due: this.mono + Math.max(0, ms - this.current), run, id });
    return () => {
      this.monoTimers = this.monoTimers.filter((timer) => timer.id !== id);
    };
  };
  /** Real time passes: both clocks move and due timers fire, in order. */
  async pass(ms: number) {
    const target = this.mono + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      this.monoTimers.sort((a, b) => a.due - b.due);
      const next = this.monoTimers[0];
      if (!next || next.due > target) break;
      this.monoTimers.shift();
      this.current += next.due - this.mono;
      this.mono = next.due;
      next.run();
      await settle();
    }
    this.current += target - this.mono;
    this.mono = target;
  }
}

describe('both clocks (item 13)', () => {
  it('does not take an expired token for valid when the wall clock is stepped back', async () => {
    const clock = new TwoClocks();
    const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn: 1800 }));
    const h = await startHarness(cleanups, { clock });
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    const first = await h.engine.token('mps');
    // Two hours pass; then NTP (or a VM restore) steps the wall clock back by those two hours.
    await clock.pass(2 * 3600 * SEC);
    clock.current -= 2 * 3600 * SEC;
    expect(h.engine.view('mps')?.state).toBe('expired');
    const second = await h.engine.token('mps');
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(peer.requests).toHaveLength(2);
  });

  it('renews on schedule by the monotonic clock while the wall clock stands still', async () => {
    const clock = new TwoClocks();
    const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn: 1800 }));
    const h = await startHarness(cleanups, { clock });
    await h.engine.saveAccount(mpsAccount(peer));
    await idle(h.engine);
    expect(peer.requests).toHaveLength(1);
    // 40 minutes of real time while the wall clock keeps being set back to where it was.
    for (let minute = 0; minute < 40; minute++) {
      await clock.pass(60 * SEC);
      clock.current -= 60 * SEC;
      await idle(h.engine);
    }
    expect(peer.requests.length).toBeGreaterThanOrEqual(2);
    expect(h.engine.view('mps')?.state).toBe('valid');
  });

  it('still goes by the wall clock when it runs ahead of the monotonic one (a suspend)', async () => {
    const clock = new TwoClocks();
    const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn: 1800 }));
    const h = await startHarness(cleanups, { clock });
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    await h.engine.token('mps');
    clock.jump(3600 * SEC);
    expect(h.engine.view('mps')?.state).toBe('expired');
  });
});
