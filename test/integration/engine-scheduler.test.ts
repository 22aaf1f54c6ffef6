/**
 * The scheduler against a real peer with a ManualClock (checklist C2, C3, C6): when renewals happen,
 * that the one engine timer never sleeps more than a minute, suspend/resume, single flight, the
 * concurrency cap and backoff.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../main/engine/types.js';
import { startMpsMonitorPeer, type MpsMonitorPeerHandle } from '../peers/index.js';
import { ManualClock } from '../helpers/engine.js';
import {
  Cleanups,
  idle,
  mpsAccount,
  requestsThenIdle,
  startHarness,
  type Harness,
} from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A ManualClock that records how far ahead every timer is set. */
function recordingClock(): ManualClock & { distances: number[] } {
  const clock = new ManualClock() as ManualClock & { distances: number[] };
  clock.distances = [];
  const at = clock.at;
  clock.at = (ms, run) => {
    clock.distances.push(ms - clock.now());
    return at(ms, run);
  };
  return clock;
}

async function setup(
  count: number,
  opts: {
    expiresIn?: number;
    clock?: ManualClock;
    maxConcurrentRenewals?: number;
    fetch?: FetchLike;
    random?: () => number;
  } = {},
) {
  const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn: opts.expiresIn ?? 1800 }));
  const h = await startHarness(cleanups, {
    clock: opts.clock,
    maxConcurrentRenewals: opts.maxConcurrentRenewals,
    fetch: opts.fetch,
    random: opts.random,
  });
  h.engine.setPaused(true);
  const names = Array.from({ length: count }, (_, i) => `acct-${String(i).padStart(3, '0')}`);
  if (count > 0) await h.engine.importAccounts({ accounts: names.map((name) => mpsAccount(peer, { name })) });
  return { peer, h, names };
}

/** Unpauses and waits until every account holds a token. */
async function firstTokens(h: Harness, peer: MpsMonitorPeerHandle, count: number) {
  h.engine.setPaused(false);
  await requestsThenIdle(h.engine, peer, count);
  expect(h.engine.list().every((view) => view.state === 'valid')).toBe(true);
}

describe('when renewals happen', () => {
  it('renews a 30-minute token at about 80 % of its lifetime, never later than 60 s before expiry', async () => {
    const { peer, h } = await setup(1);
    await firstTokens(h, peer, 1);
    const t0 = h.clock.now();
    const view = h.engine.view('acct-000');
    const expiresAt = Date.parse(view?.expiresAt ?? '');
    const due = Date.parse(view?.nextRefreshAt ?? '');
    expect(expiresAt - t0).toBe(30 * MIN);
    expect(due).toBeLessThanOrEqual(t0 + 0.8 * 30 * MIN);
    expect(due).toBeGreaterThanOrEqual(t0 + 0.75 * 30 * MIN);
    expect(due).toBeLessThanOrEqual(expiresAt - MIN);

    await h.clock.advance(due - t0 - 1);
    await idle(h.engine);
    expect(peer.requests).toHaveLength(1);
    await h.clock.advance(1);
    await requestsThenIdle(h.engine, peer, 2);
    expect(Date.parse(h.engine.view('acct-000')?.lastRefreshAt ?? '')).toBe(due);
    expect(peer.requests.at(-1)?.form?.grant_type).toBe('refresh_token');
  });

  it('spreads 100 accounts with equal lifetimes over many different seconds', async () => {
    const { peer, h } = await setup(100);
    await firstTokens(h, peer, 100);
    const seconds = h.engine.list().map((view) => Math.floor(Date.parse(view.nextRefreshAt ?? '') / 1000));
    const perSecond = new Map<number, number>();
    for (const s of seconds) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    expect(perSecond.size).toBeGreaterThanOrEqual(50);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(8);
  });

  it('keeps renewing a token whose lifetime is shorter than the margin without looping', async () => {
    const { peer, h } = await setup(1, { expiresIn: 30 });
    await firstTokens(h, peer, 1);
    for (let i = 0; i < 20; i++) {
      await h.clock.advance(30_000);
      await idle(h.engine);
    }
    // 10 minutes with a 30-second token: a renewal every 15 s or so, never a tight loop.
    expect(peer.requests.length).toBeGreaterThanOrEqual(10);
    expect(peer.requests.length).toBeLessThanOrEqual(42);
  });
});

describe('the one engine timer', () => {
  it('never sleeps more than 60 s, even when the next renewal is days away', async () => {
    const clock = recordingClock();
    const { peer, h } = await setup(3, { expiresIn: 14 * 24 * 3600, clock });
    await firstTokens(h, peer, 3);
    await h.clock.advance(3 * HOUR);
    expect(clock.distances.length).toBeGreaterThan(150);
    expect(Math.max(...clock.distances)).toBeLessThanOrEqual(MIN);
    expect(Math.min(...clock.distances)).toBeGreaterThanOrEqual(0);
  });

  it('wakes at most once a minute besides renewals over a simulated day with 50 accounts', async () => {
    const { peer, h } = await setup(50, { expiresIn: 6 * 3600 });
    await firstTokens(h, peer, 50);
    const wakeupsBefore = h.clock.wakeups;
    const requestsBefore = peer.requests.length;
    for (let minute = 0; minute < 24 * 60; minute++) {
      const before = peer.requests.length;
      await h.clock.advance(MIN);
      if (peer.requests.length !== before || h.engine.list().some((v) => v.state === 'refreshing'))
        await idle(h.engine);
    }
    const renewals = peer.requests.length - requestsBefore;
    const wakeups = h.clock.wakeups - wakeupsBefore;
    // 6-hour tokens renewed at about 80 %: four to five renewals each a day.
    expect(renewals).toBeGreaterThanOrEqual(50 * 4);
    expect(renewals).toBeLessThanOrEqual(50 * 6);
    expect(wakeups).toBeLessThanOrEqual(renewals + 24 * 60);
    expect(h.engine.list().every((view) => view.state === 'valid')).toBe(true);
  });

  it('renews every due account exactly once after a 3-hour suspend and reconcile()', async () => {
    const { peer, h } = await setup(10);
    await firstTokens(h, peer, 10);
    h.clock.jump(3 * HOUR);
    expect(h.engine.list().every((view) => view.state === 'expired')).toBe(true);
    h.engine.reconcile();
    await requestsThenIdle(h.engine, peer, 20);
    await h.clock.advance(2 * MIN);
    await idle(h.engine);
    expect(peer.requests).toHaveLength(20);
    expect(h.engine.list().every((view) => view.state === 'valid')).toBe(true);
    const perAccount = new Map<string, number>();
    for (const r of peer.requests.slice(10)) {
      const token = r.form?.refresh_token ?? '';
      perAccount.set(token, (perAccount.get(token) ?? 0) + 1);
    }
    expect([...perAccount.values()].every((n) => n === 1)).toBe(true);
  });

  it('notices a 3-hour suspend on its own within a minute (no resume event)', async () => {
    const { peer, h } = await setup(5);
    await firstTokens(h, peer, 5);
    h.clock.jump(3 * HOUR);
    await h.clock.advance(MIN);
    await requestsThenIdle(h.engine, peer, 10);
    expect(peer.requests).toHaveLength(10);
    expect(h.engine.list().every((view) => view.state === 'valid')).toBe(true);
  });
});

describe('single flight and the concurrency cap', () => {
  it('sends exactly one token request for 50 concurrent token() calls on an expired account', async () => {
    const { peer, h } = await setup(1);
    await firstTokens(h, peer, 1);
    h.clock.jump(HOUR);
    peer.faults.push({ kind: 'delay', ms: 50 });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => h.engine.token('acct-000')));
    expect(peer.requests).toHaveLength(2);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set([peer.issued.accessTokens[1]]));
  });

  it('never has more than maxConcurrentRenewals requests open when 20 accounts are due at once', async () => {
    let open = 0;
    let peak = 0;
    const countingFetch: FetchLike = async (input, init) => {
      open++;
      peak = Math.max(peak, open);
      try {
        return await fetch(input, init);
      } finally {
        open--;
      }
    };
    const { peer, h } = await setup(20, { maxConcurrentRenewals: 3, fetch: countingFetch });
    peer.faults.always({ kind: 'delay', ms: 40 });
    await firstTokens(h, peer, 20);
    expect(peak).toBe(3);
    // The peer saw the same: requests arrive in waves of at most three.
    const times = peer.requests.map((r) => r.time).sort((a, b) => a - b);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(5 * 40);
  });
});

describe('backoff', () => {
  it('retries transient failures with growing delays up to 15 minutes, never early', async () => {
    const { peer, h } = await setup(1, { random: () => 0.999_999 });
    peer.faults.always({ kind: 'status', status: 503, body: 'down' });
    h.engine.setPaused(false);
    await requestsThenIdle(h.engine, peer, 1);
    const delays: number[] = [];
    for (let attempt = 2; attempt <= 12; attempt++) {
      const due = Date.parse(h.engine.view('acct-000')?.nextRefreshAt ?? '');
      const delay = due - h.clock.now();
      delays.push(delay);
      await h.clock.advance(delay - 1);
      await idle(h.engine);
      expect(peer.requests).toHaveLength(attempt - 1);
      await h.clock.advance(1);
      await requestsThenIdle(h.engine, peer, attempt);
    }
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] ?? 0);
    expect(delays[0]).toBeLessThanOrEqual(5000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15 * MIN);
    expect(delays.at(-1)).toBeGreaterThan(14 * MIN);
    expect(h.engine.view('acct-000')).toMatchObject({ state: 'error', needsUser: false, renewable: true });
    peer.faults.clear();
    await h.clock.advance(15 * MIN);
    await idle(h.engine);
    expect(h.engine.view('acct-000')?.state).toBe('valid');
  });
});
