/** CONTRACT §1 / checklist C1: where a token's expiry comes from, and clock skew. */
import { describe, expect, it } from 'vitest';
import {
  clockSkewMs,
  expiredOnArrival,
  expiryFromResponse,
  MAX_LIFETIME_SECONDS,
  parseSeconds,
  parseSignedSeconds,
} from '../../main/engine/expiry.js';
import { makeJwt } from '../peers/index.js';

const RECEIVED = Date.parse('2026-11-24T09:00:00Z');
const MAX_DATE_MS = 8.64e15;

describe('expires_in', () => {
  it.each([
    [3600, RECEIVED + 3_600_000],
    ['3600', RECEIVED + 3_600_000],
    [' 1799 ', RECEIVED + 1_799_000],
    [0, RECEIVED],
    ['0', RECEIVED],
    [31_536_000, RECEIVED + 31_536_000_000],
    [1.5, RECEIVED + 1500],
  ])('takes %j as seconds from receipt', (value, expected) => {
    expect(expiryFromResponse({ expires_in: value }, RECEIVED)).toEqual({
      expiresAt: expected,
      source: 'expires_in',
    });
  });

  it.each([
    [Number.NaN],
    ['NaN'],
    ['abc'],
    [''],
    ['1e3'],
    ['0x10'],
    [null],
    [true],
    [{}],
    [Number.POSITIVE_INFINITY],
  ])('ignores %j and reports an unknown expiry when nothing else is given', (value) => {
    expect(expiryFromResponse({ expires_in: value }, RECEIVED)).toEqual({ expiresAt: null, source: null });
  });

  it.each([[-1], ['-60'], [0], [-1e20]])(
    'takes %j (zero or negative) as already expired on arrival, not as an unknown expiry',
    (value) => {
      const expiry = expiryFromResponse({ expires_in: value }, RECEIVED);
      expect(expiry).toEqual({ expiresAt: RECEIVED, source: 'expires_in' });
      expect(expiredOnArrival(expiry.expiresAt, RECEIVED)).toBe(true);
    },
  );

  it.each([[31_536_001], [1e9], [1e12], [1e20], ['99999999999']])(
    'clamps %j seconds (over a year) to a year and says what the server gave',
    (value) => {
      const expiry = expiryFromResponse({ expires_in: value, expires_on: 1 }, RECEIVED);
      expect(expiry).toEqual({
        expiresAt: RECEIVED + MAX_LIFETIME_SECONDS * 1000,
        source: 'expires_in',
        clampedFromSeconds: Math.round((Number(value) * 1000) / 1000),
      });
      // Always a time RFC 3339 can write (four-digit year).
      expect(new Date(expiry.expiresAt ?? NaN).toISOString()).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(Math.abs(expiry.expiresAt ?? 0)).toBeLessThanOrEqual(MAX_DATE_MS);
    },
  );

  it('clamps absolute expiries (expires_on, .expires, JWT exp) the same way, and keeps one in the past', () => {
    const year = MAX_LIFETIME_SECONDS * 1000;
    const far = Math.floor(RECEIVED / 1000) + 100 * 365 * 86400;
    expect(expiryFromResponse({ expires_on: far }, RECEIVED)).toMatchObject({
      expiresAt: RECEIVED + year,
      source: 'expires_on',
    });
    expect(expiryFromResponse({ '.expires': 'Fri, 31 Dec 9999 23:59:59 GMT' }, RECEIVED)).toMatchObject({
      expiresAt: RECEIVED + year,
      source: '.expires',
    });
    expect(expiryFromResponse({ access_token: makeJwt({ exp: 1e12 }) }, RECEIVED)).toMatchObject({
      expiresAt: RECEIVED + year,
      source: 'jwt',
    });
    const past = Math.floor(RECEIVED / 1000) - 60;
    const stale = expiryFromResponse({ expires_on: past }, RECEIVED);
    expect(stale).toEqual({ expiresAt: past * 1000, source: 'expires_on' });
    expect(expiredOnArrival(stale.expiresAt, RECEIVED)).toBe(true);
  });

  it('keeps a pasted token up to what RFC 3339 can write when told to (no one-year clamp)', () => {
    const expiry = expiryFromResponse({ access_token: makeJwt({ exp: 1e20 }) }, RECEIVED, {
      maxLifetimeSeconds: Infinity,
    });
    expect(new Date(expiry.expiresAt ?? NaN).toISOString()).toBe('9999-12-31T23:59:59.000Z');
  });

  it('is missing: an unknown expiry', () => {
    expect(expiryFromResponse({ access_token: 'opaque' }, RECEIVED)).toEqual({
      expiresAt: null,
      source: null,
    });
  });

  it('wins over every other source (first found)', () => {
    const jwt = makeJwt({ exp: Math.floor(RECEIVED / 1000) + 60 });
    const body = {
      expires_in: 100,
      expires_on: 1,
      '.expires': 'Tue, 24 Nov 2026 10:00:00 GMT',
      access_token: jwt,
    };
    expect(expiryFromResponse(body, RECEIVED)).toEqual({
      expiresAt: RECEIVED + 100_000,
      source: 'expires_in',
    });
  });

  it('is not moved by a skewed Date header (it is relative)', () => {
    const serverAhead = new Date(RECEIVED + 3_600_000).toUTCString();
    expect(expiryFromResponse({ expires_in: 60 }, RECEIVED, { dateHeader: serverAhead }).expiresAt).toBe(
      RECEIVED + 60_000,
    );
  });
});

describe('expires_on, .expires, JWT exp', () => {
  const epoch = Math.floor(RECEIVED / 1000) + 7200;

  it.each([[epoch], [String(epoch)]])('takes expires_on %j as epoch seconds', (value) => {
    expect(expiryFromResponse({ expires_on: value }, RECEIVED)).toEqual({
      expiresAt: epoch * 1000,
      source: 'expires_on',
    });
  });

  it.each([[0], [-5], ['soon']])('ignores expires_on %j', (value) => {
    expect(expiryFromResponse({ expires_on: value }, RECEIVED).source).toBeNull();
  });

  it('takes .expires as an HTTP date', () => {
    expect(expiryFromResponse({ '.expires': 'Tue, 24 Nov 2026 09:30:00 GMT' }, RECEIVED)).toEqual({
      expiresAt: Date.parse('2026-11-24T09:30:00Z'),
      source: '.expires',
    });
  });

  it('ignores an unparsable .expires', () => {
    expect(expiryFromResponse({ '.expires': 'never' }, RECEIVED).source).toBeNull();
  });

  it("takes the access token's JWT exp", () => {
    const jwt = makeJwt({ sub: 'x', exp: epoch });
    expect(expiryFromResponse({ access_token: jwt }, RECEIVED)).toEqual({
      expiresAt: epoch * 1000,
      source: 'jwt',
    });
  });

  it.each([
    ['a JWT without exp', makeJwt({ sub: 'x' })],
    ['a JWT with a string exp', makeJwt({ exp: String(epoch) })],
    ['an opaque token', 'abc.def'],
    ['a three-part non-JWT', 'not.a.jwt'],
  ])('reports an unknown expiry for %s', (_what, token) => {
    expect(expiryFromResponse({ access_token: token }, RECEIVED)).toEqual({ expiresAt: null, source: null });
  });

  it('uses a declared default lifetime when nothing else is found (MSP360: 14 days)', () => {
    expect(
      expiryFromResponse({ access_token: 'x' }, RECEIVED, { defaultLifetimeSeconds: 14 * 86400 }),
    ).toEqual({
      expiresAt: RECEIVED + 14 * 86_400_000,
      source: 'default',
    });
  });
});

describe('clock skew from the Date header', () => {
  it('corrects absolute times by the difference between our clock and the server clock', () => {
    // The server's clock is 10 minutes ahead: its "exp" is 10 minutes later than ours would be.
    const serverNow = RECEIVED + 600_000;
    const date = new Date(serverNow).toUTCString();
    const serverExp = Math.floor(serverNow / 1000) + 3600;
    const jwt = makeJwt({ exp: serverExp });
    expect(expiryFromResponse({ access_token: jwt }, RECEIVED, { dateHeader: date }).expiresAt).toBe(
      serverExp * 1000 - 600_000,
    );
    expect(expiryFromResponse({ expires_on: serverExp }, RECEIVED, { dateHeader: date }).expiresAt).toBe(
      serverExp * 1000 - 600_000,
    );
    expect(
      expiryFromResponse({ '.expires': new Date(serverExp * 1000).toUTCString() }, RECEIVED, {
        dateHeader: date,
      }).expiresAt,
    ).toBe(serverExp * 1000 - 600_000);
  });

  it('measures the skew with sign: positive when our clock is ahead', () => {
    expect(clockSkewMs(new Date(RECEIVED - 120_000).toUTCString(), RECEIVED)).toBe(120_000);
    expect(clockSkewMs(new Date(RECEIVED + 120_000).toUTCString(), RECEIVED)).toBe(-120_000);
  });

  it('ignores differences below the header resolution, and missing or bad headers', () => {
    expect(clockSkewMs(new Date(RECEIVED - 1000).toUTCString(), RECEIVED)).toBe(0);
    expect(clockSkewMs(null, RECEIVED)).toBe(0);
    expect(clockSkewMs('yesterday-ish', RECEIVED)).toBe(0);
  });
});

describe('parseSeconds', () => {
  it('accepts non-negative numbers and numeric strings only', () => {
    expect([0, 1, '42', 2.5].map(parseSeconds)).toEqual([0, 1, 42, 2.5]);
    expect([-1, '-1', 'x', NaN, Infinity, undefined, null, '4 2'].map(parseSeconds)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('parseSignedSeconds', () => {
  it('also accepts negative numbers and numeric strings (an expiry in the past)', () => {
    expect([0, -1, '-42', ' -2.5 ', '7'].map(parseSignedSeconds)).toEqual([0, -1, -42, -2.5, 7]);
    expect(['x', NaN, -Infinity, undefined, null, '--1', '1e3'].map(parseSignedSeconds)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});
