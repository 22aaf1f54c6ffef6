/** HTTP dates (RFC 9110 §5.6.7) and RFC 3339 date-times, read by their grammar and always as UTC. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseHttpDate, parseRfc3339 } from '../../main/engine/dates.js';
import { expiryFromResponse } from '../../main/engine/expiry.js';

const AT = Date.UTC(2026, 0, 1, 2, 0, 0);
const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Thu, 01 Jan 2026 02:00:00 GMT'],
    ['RFC 850', 'Thursday, 01-Jan-26 02:00:00 GMT'],
    ['asctime', 'Thu Jan  1 02:00:00 2026'],
  ])('reads the %s form as GMT, whatever the local time zone', (_form, text) => {
    process.env.TZ = 'America/New_York';
    expect(parseHttpDate(text)).toBe(AT);
    process.env.TZ = 'Asia/Tokyo';
    expect(parseHttpDate(text)).toBe(AT);
  });

  it.each([
    '2027',
    '-5',
    '2026-01-01T02:00:00Z',
    'Thu, 01 Jan 2026 02:00:00',
    'Thu, 01 Jan 2026 02:00:00 PST',
    'Thu, 31 Feb 2026 02:00:00 GMT',
    'Thu, 01 Jan 2026 25:00:00 GMT',
    'tomorrow',
  ])('refuses %j', (text) => {
    expect(parseHttpDate(text)).toBeNull();
  });

  it("reads MSP360's .expires as the vendor document prints it", () => {
    const issued = Date.UTC(2018, 4, 12, 13, 20, 43);
    const expiry = expiryFromResponse({ '.expires': 'Sat, 12 May 2018 13:50:43 GMT' }, issued);
    expect(expiry).toEqual({ expiresAt: Date.UTC(2018, 4, 12, 13, 50, 43), source: '.expires' });
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2026-01-01T02:00:00Z', AT],
    ['2026-01-01t02:00:00z', AT],
    ['2026-01-01T03:30:00+01:30', AT],
    ['2025-12-31T21:00:00-05:00', AT],
    ['2026-01-01T02:00:00.250Z', AT + 250],
    ['2025-12-31T23:59:60Z', AT - 2 * 3600_000 - 1000],
  ])('reads %s', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each(['2026-01-01T02:00:00', '2026-01-01', '2026-13-01T00:00:00Z', '2026-01-01T02:00:00+0100'])(
    'refuses %s',
    (text) => {
      expect(parseRfc3339(text)).toBeNull();
    },
  );
});
