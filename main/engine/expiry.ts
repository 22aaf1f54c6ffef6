/**
 * When a token expires, per CONTRACT §1: first found of `expires_in` (seconds, number or numeric
 * string), `expires_on` (epoch seconds), `.expires` (HTTP date), the access token's JWT `exp`.
 * Absolute times come from the server's clock, so they are corrected by the skew its `Date`
 * header shows.
 */
import { parseHttpDate } from './dates.js';
import { jwtExpiry } from './jwt.js';

export type ExpirySource = 'expires_in' | 'expires_on' | '.expires' | 'jwt' | 'default';

/** No server token is taken to live longer than this (a longer lifetime is noted and clamped). */
export const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;
/** The last instant RFC 3339 can write with a four-digit year. */
export const LAST_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

export interface Expiry {
  expiresAt: number | null;
  source: ExpirySource | null;
  /** Set when the server's lifetime (in seconds) was longer than allowed and was clamped. */
  clampedFromSeconds?: number;
}

/** A non-negative finite number from a number or a numeric string, else null (negative, NaN, junk). */
export function parseSeconds(value: unknown): number | null {
  const number = parseSignedSeconds(value);
  return number !== null && number >= 0 ? number : null;
}

/** A finite number from a number or a numeric string, negative ones included, else null. */
export function parseSignedSeconds(value: unknown): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : null;
}

/** Our clock minus the server's, from its `Date` header (null when absent or unparsable). */
export function clockSkewMs(dateHeader: string | null, receivedAt: number): number {
  if (!dateHeader) return 0;
  const serverNow = parseHttpDate(dateHeader);
  if (serverNow === null) return 0;
  const skew = receivedAt - serverNow;
  // HTTP dates have one-second resolution: ignore anything below a couple of seconds.
  return Math.abs(skew) < 2000 ? 0 : skew;
}

/**
 * Works out a token's expiry from a token endpoint's JSON answer. A zero or negative `expires_in`
 * means the token is already expired (expiresAt = receipt); a lifetime over `maxLifetimeSeconds`
 * (a year) is clamped to it and says so in `clampedFromSeconds`, so that an expiry is always a
 * time RFC 3339 can write.
 */
export function expiryFromResponse(
  body: Record<string, unknown>,
  receivedAt: number,
  opts: { dateHeader?: string | null; defaultLifetimeSeconds?: number; maxLifetimeSeconds?: number } = {},
): Expiry {
  const skew = clockSkewMs(opts.dateHeader ?? null, receivedAt);
  const maxMs = Math.min(
    (opts.maxLifetimeSeconds ?? MAX_LIFETIME_SECONDS) * 1000,
    Math.max(0, LAST_RFC3339_MS - receivedAt),
  );
  /** The expiry for a lifetime from receipt (negative: expired before it arrived). */
  const clamp = (lifetimeMs: number, source: ExpirySource): Expiry => {
    if (lifetimeMs <= maxMs) return { expiresAt: Math.max(0, receivedAt + lifetimeMs), source };
    return { expiresAt: receivedAt + maxMs, source, clampedFromSeconds: Math.round(lifetimeMs / 1000) };
  };
  const expiresIn = parseSignedSeconds(body.expires_in);
  if (expiresIn !== null) return clamp(Math.max(0, expiresIn) * 1000, 'expires_in');
  const expiresOn = parseSeconds(body.expires_on);
  if (expiresOn !== null && expiresOn > 0) return clamp(expiresOn * 1000 + skew - receivedAt, 'expires_on');
  if (typeof body['.expires'] === 'string') {
    const at = parseHttpDate(body['.expires']);
    if (at !== null) return clamp(at + skew - receivedAt, '.expires');
  }
  if (typeof body.access_token === 'string') {
    const exp = jwtExpiry(body.access_token);
    if (exp !== null) return clamp(exp + skew - receivedAt, 'jwt');
  }
  if (opts.defaultLifetimeSeconds !== undefined) {
    return clamp(opts.defaultLifetimeSeconds * 1000, 'default');
  }
  return { expiresAt: null, source: null };
}

/** True for a token that was already expired when it arrived (a provider error, never served). */
export const expiredOnArrival = (expiresAt: number | null, receivedAt: number): boolean =>
  expiresAt !== null && expiresAt <= receivedAt;
