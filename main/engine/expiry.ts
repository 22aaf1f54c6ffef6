/**
 * When a token expires, per CONTRACT §1: first found of `expires_in` (seconds, number or numeric
 * string), `expires_on` (epoch seconds), `.expires` (HTTP date), the access token's JWT `exp`.
 * Absolute times come from the server's clock, so they are corrected by the skew its `Date`
 * header shows.
 */
import { parseHttpDate } from './dates.js';
import { jwtExpiry } from './jwt.js';

export type ExpirySource = 'expires_in' | 'expires_on' | '.expires' | 'jwt' | 'default';

export interface Expiry {
  expiresAt: number | null;
  source: ExpirySource | null;
}

/** A non-negative finite number from a number or a numeric string, else null (negative, NaN, junk). */
export function parseSeconds(value: unknown): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(number) && number >= 0 ? number : null;
}

/** True when `ms` is a time a Date can hold (a value such as `expires_in: 1e20` is not: toISOString would throw). */
const isDate = (ms: number) => Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;

/** Our clock minus the server's, from its `Date` header (null when absent or unparsable). */
export function clockSkewMs(dateHeader: string | null, receivedAt: number): number {
  if (!dateHeader) return 0;
  const serverNow = parseHttpDate(dateHeader);
  if (serverNow === null) return 0;
  const skew = receivedAt - serverNow;
  // HTTP dates have one-second resolution: ignore anything below a couple of seconds.
  return Math.abs(skew) < 2000 ? 0 : skew;
}

/** Works out a token's expiry from a token endpoint's JSON answer. */
export function expiryFromResponse(
  body: Record<string, unknown>,
  receivedAt: number,
  opts: { dateHeader?: string | null; defaultLifetimeSeconds?: number } = {},
): Expiry {
  const skew = clockSkewMs(opts.dateHeader ?? null, receivedAt);
  const expiresIn = parseSeconds(body.expires_in);
  if (expiresIn !== null && isDate(receivedAt + expiresIn * 1000)) {
    return { expiresAt: receivedAt + expiresIn * 1000, source: 'expires_in' };
  }
  const expiresOn = parseSeconds(body.expires_on);
  if (expiresOn !== null && expiresOn > 0 && isDate(expiresOn * 1000 + skew)) {
    return { expiresAt: expiresOn * 1000 + skew, source: 'expires_on' };
  }
  if (typeof body['.expires'] === 'string') {
    const at = parseHttpDate(body['.expires']);
    if (at !== null && isDate(at + skew)) return { expiresAt: at + skew, source: '.expires' };
  }
  if (typeof body.access_token === 'string') {
    const exp = jwtExpiry(body.access_token);
    if (exp !== null && isDate(exp + skew)) return { expiresAt: exp + skew, source: 'jwt' };
  }
  if (opts.defaultLifetimeSeconds !== undefined) {
    return { expiresAt: receivedAt + opts.defaultLifetimeSeconds * 1000, source: 'default' };
  }
  return { expiresAt: null, source: null };
}
