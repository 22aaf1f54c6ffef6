/**
 * The stored times of an account's token as the cached-token path reads them on every request
 * (account-state.ts): parsed once per token and kept with it, for any number of accounts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expiresAtOf, lifetimeOf, type Runtime } from '../../main/engine/account-state.js';
import type { StoredToken } from '../../main/engine/store.js';

/** Only what expiresAtOf and lifetimeOf read: the record's token. */
function runtimeWith(token: Partial<StoredToken> | null): Runtime {
  return { record: { token } } as unknown as Runtime;
}

const HOUR = 3_600_000;

function accounts(count: number): Runtime[] {
  const base = Date.UTC(2026, 11, 7, 12);
  return Array.from({ length: count }, (_, i) =>
    runtimeWith({
      obtainedAt: new Date(base + i * 1000).toISOString(),
      expiresAt: new Date(base + i * 1000 + HOUR).toISOString(),
    }),
  );
}

afterEach(() => vi.restoreAllMocks());

describe('a token’s stored times', () => {
  it('are what Date.parse makes of them, and null where there is no token or no expiry', () => {
    const [rt] = accounts(1) as [Runtime];
    expect(expiresAtOf(rt)).toBe(Date.UTC(2026, 11, 7, 13));
    expect(lifetimeOf(rt)).toBe(HOUR);
    expect(expiresAtOf(runtimeWith(null))).toBeNull();
    expect(lifetimeOf(runtimeWith(null))).toBeNull();
    const noExpiry = runtimeWith({ obtainedAt: '2026-12-07T12:00:00.000Z', expiresAt: null });
    expect(expiresAtOf(noExpiry)).toBeNull();
    expect(lifetimeOf(noExpiry)).toBeNull();
  });

  it('are parsed once per token, for 3,000 accounts too (not a table that empties when full)', () => {
    const all = accounts(3000);
    const first = all.map((rt) => [expiresAtOf(rt), lifetimeOf(rt)]);
    const parse = vi.spyOn(Date, 'parse');
    const again = all.map((rt) => [expiresAtOf(rt), lifetimeOf(rt)]);
    expect(again).toEqual(first);
    expect(parse).not.toHaveBeenCalled();
  });

  it('are parsed again when the text changes in place, or the token is replaced', () => {
    const rt = runtimeWith({ obtainedAt: '2026-12-07T12:00:00.000Z', expiresAt: '2026-12-07T13:00:00.000Z' });
    expect(lifetimeOf(rt)).toBe(HOUR);
    const token = rt.record.token as StoredToken;
    token.expiresAt = '2026-12-07T14:00:00.000Z';
    expect(expiresAtOf(rt)).toBe(Date.UTC(2026, 11, 7, 14));
    expect(lifetimeOf(rt)).toBe(2 * HOUR);
    rt.record.token = { ...token, obtainedAt: '2026-12-07T13:30:00.000Z' };
    expect(lifetimeOf(rt)).toBe(HOUR / 2);
  });
});
