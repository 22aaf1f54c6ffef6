/** Scheduler math (checklist C1, C2, C6): when to renew, how long to back off, and the real clock's limits. */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../main/engine/clock.js';
import {
  BACKOFF_CAP_MS,
  MAX_TICK_MS,
  LAST_CHANCE_MS,
  MIN_MARGIN_MS,
  MIN_RENEW_INTERVAL_MS,
  renewalFloorMs,
  renewAt,
  retryAt,
  retryDelay,
} from '../../main/engine/schedule.js';

const T0 = Date.parse('2026-11-24T09:00:00Z');
const MIN = 60_000;
const never = () => 0;
const always = () => 0.999_999;

/** A small seeded PRNG (mulberry32) so spreads are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('renewAt', () => {
  it('renews a 30-minute token at 80 % of its lifetime without spread', () => {
    expect(renewAt(T0, T0 + 30 * MIN, { random: never })).toBe(T0 + 24 * MIN);
  });

  it('spreads at most 5 % of the lifetime earlier, never later', () => {
    const latest = renewAt(T0, T0 + 30 * MIN, { random: never });
    const earliest = renewAt(T0, T0 + 30 * MIN, { random: always });
    expect(latest - earliest).toBeGreaterThan(89_000);
    expect(latest - earliest).toBeLessThanOrEqual(90_000);
  });

  it('caps the spread at 5 minutes for long lifetimes', () => {
    const day = 24 * 60 * MIN;
    const ideal = renewAt(T0, T0 + day, { random: never });
    expect(ideal).toBe(T0 + 0.8 * day);
    expect(ideal - renewAt(T0, T0 + day, { random: always })).toBeLessThanOrEqual(5 * MIN);
  });

  it('keeps at least 60 s before expiry for a 2-minute token', () => {
    expect(renewAt(T0, T0 + 2 * MIN, { random: never })).toBe(T0 + 2 * MIN - MIN_MARGIN_MS);
  });

  it('never renews later than 60 s before expiry, for any lifetime of 2 minutes or more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2 * MIN, max: 400 * 86_400_000 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (lifetime, r) => {
          const at = renewAt(T0, T0 + lifetime, { random: () => r });
          expect(at).toBeLessThanOrEqual(T0 + lifetime - MIN_MARGIN_MS);
          expect(at).toBeGreaterThan(T0);
        },
      ),
    );
  });

  it('honours refreshBeforeSeconds instead of 80 %', () => {
    expect(renewAt(T0, T0 + 60 * MIN, { refreshBeforeSeconds: 300, random: never })).toBe(T0 + 55 * MIN);
    expect(renewAt(T0, T0 + 60 * MIN, { refreshBeforeSeconds: 0, random: never })).toBe(T0 + 60 * MIN);
  });

  it('never renews before the token was obtained, even when refreshBeforeSeconds exceeds the lifetime', () => {
    const at = renewAt(T0, T0 + 10 * MIN, { refreshBeforeSeconds: 3600, random: never });
    expect(at).toBeGreaterThan(T0);
  });

  it.each([0, 1000, 10_000, 30_000, 59_000, 60_000, 61_000])(
    'does not loop for a %i ms lifetime (shorter than or near the margin): renewal comes strictly later',
    (lifetime) => {
      for (const random of [never, always]) {
        const at = renewAt(T0, T0 + lifetime, { random });
        expect(at - T0).toBeGreaterThanOrEqual(renewalFloorMs(lifetime));
        expect(at - T0).toBeGreaterThanOrEqual(1000);
      }
    },
  );

  it.each([
    [0, 30_000],
    [1_999, 30_000],
    [2_000, 5_000],
    [4_000, 5_000],
    [10_000, 5_000],
    [20_000, 10_000],
    [59_000, 29_500],
    [60_000, 30_000],
    [3_600_000, 30_000],
  ])(
    'the floor for a %i ms lifetime is %i ms: half of it under a minute (5 s at least), 30 s above, 30 s under 2 s',
    (lifetime, floor) => {
      expect(renewalFloorMs(lifetime)).toBe(floor);
    },
  );

  it('renews a token that lives under a minute when half its lifetime is left, never after it lapsed', () => {
    for (const lifetime of [10_000, 20_000, 40_000]) {
      for (const random of [never, always]) {
        const at = renewAt(T0, T0 + lifetime, { random });
        expect(at - T0).toBe(lifetime / 2);
      }
    }
    expect(renewalFloorMs(null)).toBe(MIN_RENEW_INTERVAL_MS);
  });

  it('does not loop for an expiry already in the past', () => {
    expect(renewAt(T0, T0 - 5 * MIN, { random: never }) - T0).toBeGreaterThanOrEqual(MIN_RENEW_INTERVAL_MS);
  });

  it('spreads 100 accounts with equal lifetimes over many distinct seconds', () => {
    const random = seeded(42);
    const seconds = new Set(
      Array.from({ length: 100 }, () => Math.floor(renewAt(T0, T0 + 30 * MIN, { random }) / 1000)),
    );
    expect(seconds.size).toBeGreaterThanOrEqual(50);
  });
});

describe('retryDelay', () => {
  it('grows exponentially from 5 s and is capped at 15 minutes', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30].map((failures) =>
      retryDelay(failures, always, null),
    );
    expect(ceilings[0]).toBeLessThanOrEqual(5000);
    expect(ceilings[0]).toBeGreaterThan(4900);
    for (let i = 1; i < ceilings.length; i++)
      expect(ceilings[i]).toBeGreaterThanOrEqual(ceilings[i - 1] ?? 0);
    expect(ceilings.at(-1)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(ceilings.at(-1)).toBeGreaterThan(BACKOFF_CAP_MS - 1000);
    expect(BACKOFF_CAP_MS).toBe(15 * MIN);
  });

  it('uses full jitter: anywhere between 1 s and the ceiling', () => {
    expect(retryDelay(5, never, null)).toBe(1000);
    const random = seeded(7);
    const delays = Array.from({ length: 200 }, () => retryDelay(6, random, null));
    expect(Math.min(...delays)).toBeLessThan(40_000);
    expect(Math.max(...delays)).toBeGreaterThan(120_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(160_000);
  });

  it('never exceeds 15 minutes without Retry-After, whatever the failure count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (n, r) => {
          const delay = retryDelay(n, () => r, null);
          expect(delay).toBeGreaterThanOrEqual(1000);
          expect(delay).toBeLessThanOrEqual(BACKOFF_CAP_MS);
        },
      ),
    );
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(retryDelay(1, never, 120_000)).toBe(120_000);
    expect(retryDelay(1, always, 1000)).toBeGreaterThan(4900);
  });

  it('bounds an absurd Retry-After (a day) to at most an hour', () => {
    const delay = retryDelay(1, never, 86_400_000);
    expect(delay).toBeLessThanOrEqual(60 * MIN);
    expect(delay).toBeGreaterThanOrEqual(BACKOFF_CAP_MS);
  });
});

describe('retryAt', () => {
  it('is the backoff while the token outlives it', () => {
    expect(retryAt(T0, 3, always, null, T0 + 60 * MIN)).toBe(T0 + retryDelay(3, always, null));
  });

  it('makes one last try shortly before expiry when the backoff would come after it', () => {
    const expiresAt = T0 + 3 * MIN;
    const at = retryAt(T0, 8, always, null, expiresAt);
    expect(at).toBe(expiresAt - LAST_CHANCE_MS);
    // That try failing too, the next one is the plain backoff: no loop at the edge.
    expect(retryAt(at, 9, always, null, expiresAt)).toBe(at + retryDelay(9, always, null));
  });

  it("keeps the server's Retry-After even when it runs past expiry", () => {
    const expiresAt = T0 + 3 * MIN;
    expect(retryAt(T0, 1, never, 10 * MIN, expiresAt)).toBe(T0 + 10 * MIN);
  });

  it('is the backoff for a token of unknown expiry', () => {
    expect(retryAt(T0, 2, always, null, null)).toBe(T0 + retryDelay(2, always, null));
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never asks setTimeout for more than 2^31-1 ms (a 30-day deadline does not fire at 1 ms)', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const warnings: unknown[] = [];
    const onWarning = (warning: unknown) => warnings.push(warning);
    process.on('warning', onWarning);
    const fired = vi.fn();
    const cancel = systemClock.at(Date.now() + 30 * 86_400_000, fired);
    const delay = spy.mock.calls.at(-1)?.[1];
    cancel();
    process.off('warning', onWarning);
    expect(delay).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(delay).toBeGreaterThan(2 ** 30);
    expect(fired).not.toHaveBeenCalled();
    expect(warnings).toEqual([]);
  });

  it('fires a deadline in the past at once, and a cancelled one never', async () => {
    const past = vi.fn();
    const cancelled = vi.fn();
    systemClock.at(Date.now() - 1000, past);
    systemClock.at(Date.now() + 5, cancelled)();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(past).toHaveBeenCalledTimes(1);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('the engine tick is at most 60 s', () => {
    expect(MAX_TICK_MS).toBeLessThanOrEqual(60_000);
  });
});
