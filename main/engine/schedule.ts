/** Expiry math for the scheduler: when to renew, and how long to wait after a failure. */

export const MIN_MARGIN_MS = 60_000;
/**
 * Renewals of one account are at least this far apart, whatever the server says (issue #12), or
 * half the token's lifetime when that is shorter (renewalFloorMs).
 */
export const MIN_RENEW_INTERVAL_MS = 30_000;
/** Below this lifetime (`expires_in: 0` or 1) the floor stays at MIN_RENEW_INTERVAL_MS. */
export const MIN_SCALED_LIFETIME_MS = 2_000;
/** The scaled floor never goes under this: at most one request per account every 5 s. */
export const MIN_SCALED_FLOOR_MS = 5_000;

/**
 * How soon after a token was obtained it may be renewed again: 30 s, or half its lifetime when the
 * server's tokens live under a minute, so that a 20 s token is renewed at 10 s, while it still has
 * the default minimum (half its lifetime, CONTRACT §2) left, instead of lapsing for 10 s of every
 * 30. Two token requests per lifetime at most, and never more than one every 5 s (a token that
 * lives under 10 s may lapse before its renewal). A token that lives under 2 s (or whose lifetime
 * is unknown) keeps the 30 s floor: no renewal loop.
 */
export function renewalFloorMs(lifetimeMs: number | null): number {
  if (lifetimeMs === null || lifetimeMs < MIN_SCALED_LIFETIME_MS) return MIN_RENEW_INTERVAL_MS;
  return Math.min(MIN_RENEW_INTERVAL_MS, Math.max(MIN_SCALED_FLOOR_MS, Math.floor(lifetimeMs / 2)));
}
export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_CAP_MS = 15 * 60_000;
/** The longest the single engine timer ever sleeps: Node's timers stop counting while suspended. */
export const MAX_TICK_MS = 60_000;

/**
 * When to renew a token obtained at `obtainedAt` that expires at `expiresAt`: at 80 % of its
 * lifetime but at least 60 s before expiry, or `refreshBeforeSeconds` before expiry when set,
 * minus a random spread of up to 5 % of the lifetime (at most 5 min) so that equal lifetimes do
 * not all renew in the same second. Never sooner than renewalFloorMs after it was obtained (30 s,
 * or half a lifetime under a minute), so a lifetime shorter than the margin (a server answering
 * `expires_in: 0`) cannot cause a renewal loop.
 */
export function renewAt(
  obtainedAt: number,
  expiresAt: number,
  opts: { refreshBeforeSeconds?: number; random: () => number },
): number {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  const spread = opts.random() * Math.min(lifetime * 0.05, 5 * 60_000);
  const ideal =
    opts.refreshBeforeSeconds !== undefined
      ? expiresAt - opts.refreshBeforeSeconds * 1000
      : Math.min(obtainedAt + lifetime * 0.8, expiresAt - MIN_MARGIN_MS);
  const earliest = obtainedAt + renewalFloorMs(lifetime);
  return Math.round(Math.max(ideal - spread, earliest));
}

/** Exponential backoff with full jitter (5 s doubling up to 15 min), at least what Retry-After asked. */
export function retryDelay(failures: number, random: () => number, retryAfterMs: number | null): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
  const jittered = Math.max(1000, Math.round(random() * ceiling));
  return retryAfterMs !== null ? Math.max(jittered, Math.min(retryAfterMs, BACKOFF_CAP_MS * 4)) : jittered;
}

/** How long before expiry a failing account gets its last try, when the backoff would miss it. */
export const LAST_CHANCE_MS = 30_000;

/**
 * When to try again after a transient failure: the backoff, except that when it would only come
 * after the token has lapsed, one last try is made shortly before expiry (unless the server asked
 * for the wait with Retry-After, or said it is down for longer: then its word stands).
 */
export function retryAt(
  now: number,
  failures: number,
  random: () => number,
  retryAfterMs: number | null,
  expiresAt: number | null,
): number {
  const backoff = now + retryDelay(failures, random, retryAfterMs);
  if (retryAfterMs !== null || expiresAt === null) return backoff;
  const lastChance = expiresAt - LAST_CHANCE_MS;
  return lastChance > now + 1000 && lastChance < backoff ? lastChance : backoff;
}
