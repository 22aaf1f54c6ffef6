/**
 * The two date formats the engine reads, parsed by their own grammar rather than `Date.parse`
 * (which guesses: it reads a zone-less string as local time and takes "2027" or "-5" as a date).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** RFC 9110 §5.6.7: IMF-fixdate, then the obsolete RFC 850 and asctime forms; all are GMT. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Milliseconds since the epoch for a valid UTC calendar time, else null (Feb 30, 25:00, …). */
function utc(year: number, month: number, day: number, h: number, m: number, s: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  // 60 is a leap second (RFC 3339 §5.7); a Date has none, so it counts as the last second.
  if (h > 23 || m > 59 || s > 60) return null;
  return Date.UTC(year, month - 1, day, h, m, Math.min(s, 59));
}

/** An HTTP date (RFC 9110 §5.6.7) in any of its three forms, else null. */
export function parseHttpDate(value: string): number | null {
  const text = value.trim();
  const month = (name: string | undefined) => MONTHS.indexOf(name ?? '') + 1;
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    const [, d, mon, y, h, m, s] = match;
    return utc(Number(y), month(mon), Number(d), Number(h), Number(m), Number(s));
  }
  match = RFC_850.exec(text);
  if (match) {
    const [, d, mon, yy, h, m, s] = match;
    // A two-digit year: 70–99 is the 1900s, the rest this century (the form died in the 1990s).
    const year = Number(yy) + (Number(yy) >= 70 ? 1900 : 2000);
    return utc(year, month(mon), Number(d), Number(h), Number(m), Number(s));
  }
  match = ASCTIME.exec(text);
  if (match) {
    const [, mon, d, h, m, s, y] = match;
    return utc(Number(y), month(mon), Number(d?.trim()), Number(h), Number(m), Number(s));
  }
  return null;
}

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 date-time with `Z` or an offset (§5.6: `T` and `Z` may be lower case), else null. */
export function parseRfc3339(value: string): number | null {
  const match = RFC_3339.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offH, offM] = match;
  const at = utc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (at === null) return null;
  const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  if (zulu) return at + millis;
  if (Number(offH) > 23 || Number(offM) > 59) return null;
  const offset = (Number(offH) * 60 + Number(offM)) * 60_000 * (sign === '-' ? -1 : 1);
  return at + millis - offset;
}
