/**
 * Issue #12, items 7 and 13: what callers get. A token is never renewed for callers twice within
 * 30 s (half its lifetime, for tokens that live under a minute); the default minimum validity (60 s) shrinks to half the lifetime for short-lived tokens; an
 * explicit one a fresh token cannot meet is an error naming the server's lifetime (API: 502
 * `min_valid_unattainable`); and a token's age is the older of the wall and the monotonic clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeRequest, type ApiResponse, type ApiRoute } from '../../main/agent/routes.js';
import { ManualClock, settle } from '../helpers/engine.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, idle, mpsAccount, startHarness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const SEC = 1000;

/** A peer whose tokens live `expiresIn` s and an engine with its account (paused: only callers renew). */
async function setup(expiresIn: number) {
  const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn }));
  const h = await startHarness(cleanups);
  h.engine.setPaused(true);
  await h.engine.saveAccount(mpsAccount(peer, { cliAccess: true }));
  return { peer, h };
}

/** Asks for a token `times` times, `everyMs` apart, and checks each is valid when handed out. */
async function askRepeatedly(
  h: Awaited<ReturnType<typeof setup>>['h'],
  times: number,
  everyMs: number,
  opts: { minValidSeconds?: number; leastLeftMs?: number } = {},
) {
  const tokens: string[] = [];
  const { leastLeftMs = 1, ...ask } = opts;
  for (let i = 0; i < times; i++) {
    const token = await h.engine.token('mps', { purpose: 'cli', ...ask });
    expect(Date.parse(token.expiresAt ?? '') - h.clock.now()).toBeGreaterThanOrEqual(leastLeftMs);
    tokens.push(token.accessToken);
    await h.clock.advance(everyMs);
  }
  return tokens;
}

const silentLog = { info: () => {}, warn: () => {}, error: () => {} };
async function apiToken(h: Awaited<ReturnType<typeof setup>>['h'], query: string): Promise<ApiResponse> {
  const route = routeRequest(h.engine, silentLog, 'GET', `/v1/accounts/mps/token${query}`);
  return (route as ApiRoute).run(Buffer.alloc(0));
}

describe('renewal floor and the default minimum validity (item 7)', () => {
  it.each([
    [30, 2],
    [20, 2],
    [10, 1],
  ])(
    'works without flags for a %i s server: every token has half its lifetime left, at most two requests per lifetime',
    async (lifetime, every) => {
      const { peer, h } = await setup(lifetime);
      // Asked every `every` s for three lifetimes: the floor is half the lifetime here (under a
      // minute), so the default minimum (half the lifetime) is always met and no call fails.
      const times = (3 * lifetime) / every;
      const tokens = await askRepeatedly(h, times, every * SEC, { leastLeftMs: (lifetime * SEC) / 2 });
      expect(tokens).toHaveLength(times);
      expect(peer.requests.length).toBeLessThanOrEqual(7);
      expect(peer.requests.length).toBeGreaterThanOrEqual(3);
    },
  );

  it('a token that lives 2 s is renewed at most every 5 s: no request per second', async () => {
    const { peer, h } = await setup(2);
    for (let i = 0; i < 20; i++) {
      await h.engine.token('mps', { purpose: 'cli' }).catch(() => undefined);
      await h.clock.advance(SEC);
    }
    expect(peer.requests.length).toBeLessThanOrEqual(5);
  });

  it('a token that lives under 2 s keeps the 30 s floor: no renewal loop', async () => {
    const { peer, h } = await setup(1);
    await h.engine.token('mps', { purpose: 'cli' }).catch(() => undefined);
    for (let i = 0; i < 10; i++) {
      await h.clock.advance(SEC);
      await h.engine.token('mps', { purpose: 'cli' }).catch(() => undefined);
    }
    expect(peer.requests.length).toBeLessThanOrEqual(2);
  });

  it('works without flags for a 90 s server: renewed when half the lifetime is left, not on every call', async () => {
    const { peer, h } = await setup(90);
    // 0 … 44 s: the first token (45 s or more left); from 45 s on: a second one.
    const tokens = await askRepeatedly(h, 12, 5 * SEC);
    expect(peer.requests).toHaveLength(2);
    expect(tokens.slice(0, 9).every((token) => token === tokens[0])).toBe(true);
    expect(tokens.slice(10).every((token) => token === tokens[10])).toBe(true);
    expect(tokens[10]).not.toBe(tokens[0]);
  });

  it('renews a token that was refused by the API even within the floor (rejected)', async () => {
    const { peer, h } = await setup(1800);
    const first = await h.engine.token('mps', { purpose: 'cli' });
    await h.clock.advance(5 * SEC);
    const second = await h.engine.token('mps', { purpose: 'cli', rejected: true });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(peer.requests).toHaveLength(2);
  });

  it('refuses an explicit minValid longer than the server lifetime, naming it, at most one request per 30 s', async () => {
    const { peer, h } = await setup(90);
    const error = await h.engine
      .token('mps', { purpose: 'cli', minValidSeconds: 120 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'min_valid_unattainable' });
    expect((error as Error).message).toContain('90 s');
    expect((error as Error).message).toContain('120 s');
    expect(peer.requests).toHaveLength(1);
    // A script asking every 5 s for a minute: an error each time, a request at most every 30 s
    // (the server may have changed its mind about lifetimes; only a fresh token can tell).
    for (let i = 0; i < 12; i++) {
      await h.clock.advance(5 * SEC);
      await expect(h.engine.token('mps', { purpose: 'cli', minValidSeconds: 120 })).rejects.toMatchObject({
        code: 'min_valid_unattainable',
      });
    }
    expect(peer.requests.length).toBeLessThanOrEqual(3);
    // The account itself is fine: a request the server can meet is served.
    expect(h.engine.view('mps')?.error).toBeNull();
    const api = await apiToken(h, '?minValid=120');
    expect(api.status).toBe(502);
    expect(api.body).toMatchObject({ error: 'min_valid_unattainable' });
    expect((api.body as { message: string }).message).toContain('90 s');
    expect((await apiToken(h, '?minValid=30')).status).toBe(200);
  });

  it('renews for an explicit minValid when the server now gives longer tokens', async () => {
    const { peer, h } = await setup(600);
    await h.engine.token('mps', { purpose: 'cli' });
    await h.clock.advance(31 * SEC);
    peer.config.expiresIn = 3600;
    const token = await h.engine.token('mps', { purpose: 'cli', minValidSeconds: 1200 });
    expect(token.accessToken).toBe(peer.issued.accessTokens.at(-1));
    expect(peer.requests).toHaveLength(2);
  });

  it('never renews twice within 30 s for an explicit minValid the held token just misses', async () => {
    const { peer, h } = await setup(1800);
    await h.engine.token('mps', { purpose: 'cli' });
    await h.clock.advance(10 * SEC);
    // 1790 s left, 1795 asked: a fresh token could meet it, but not before the floor has passed.
    const error = await h.engine
      .token('mps', { purpose: 'cli', minValidSeconds: 1795 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'renewal_floor' });
    expect((error as Error).message).toMatch(/ask again in 20 s/);
    expect(peer.requests).toHaveLength(1);
    await h.clock.advance(21 * SEC);
    await h.engine.token('mps', { purpose: 'cli', minValidSeconds: 1795 });
    expect(peer.requests).toHaveLength(2);
  });
});

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
