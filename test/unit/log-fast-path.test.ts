/**
 * The logger's and redact()'s short cuts (issue #10, speed) give exactly what the long way gives:
 * the logger used to redact the message, each string field and the formatted line, each time with
 * every known form and all three patterns; the reference below is that code, kept here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, isoTime, redact } from '../../main/engine/log.js';

/** The logger as it was before the short cut (format with toISOString and join). */
function referenceLine(
  level: string,
  message: string,
  fields: Record<string, unknown> | undefined,
  now: number,
  secrets: string[],
): string {
  const scrub = (text: string) => redact(text, secrets);
  const cleaned =
    fields &&
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? scrub(value) : value]),
    );
  const parts = [new Date(now).toISOString(), level, scrub(message)];
  for (const [key, value] of Object.entries(cleaned ?? {})) {
    parts.push(`${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  // Then every control character as its JSON escape: one line, nothing for a terminal to obey.
  return [...scrub(parts.join(' '))]
    .map((c) => {
      const code = c.charCodeAt(0);
      return c.length === 1 && (code < 0x20 || (code >= 0x7f && code <= 0x9f))
        ? `\\u${code.toString(16).padStart(4, '0')}`
        : c;
    })
    .join('');
}

// Pieces that make the patterns match, almost match, or escape under JSON.stringify.
const PIECES = [
  'token"=abcd',
  "secret':x",
  'password : "pa55"',
  'eyJabcd.efgh.ij',
  'eyJhbGciOi.eyJzdWIiOi.',
  'Bearer abcdefgh1',
  'basic\tQWxhZGRpbjpvcGVu',
  'token',
  'Token',
  'TOKEN',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  'password',
  'Bearer',
  'basic',
  'BASIC',
  'eyJ',
  'eyj',
  'abcd',
  'abcdefgh1234',
  '.',
  '-',
  '_',
  '=',
  ':',
  '"',
  "'",
  ' ',
  '  ',
  '\t',
  '\n',
  '\\',
  '&',
  ',',
  '}',
  '/',
  '+',
  '%2F',
  'é',
  '\u2028',
  '\ud83d\ude00',
  '\ud800',
  'served',
  'x',
  'hunter2-secret',
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((parts) => parts.join(''));
const anyText = fc.oneof(text, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const fieldValue = fc.oneof(
  anyText,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyText, { maxLength: 3 }),
);
const fieldKey = fc.oneof(
  fc.constantFrom('account', 'outcome', 'token', 'secret', 'password', 'error', 'x_token'),
  text,
);
const fields = fc.option(fc.dictionary(fieldKey, fieldValue, { maxKeys: 4 }), { nil: undefined });
const secrets = fc.array(fc.oneof(fc.constantFrom('hunter2-secret', 'abcdefgh1234', 'a"b\\c/d é'), anyText), {
  maxLength: 2,
});
const time = fc.integer({ min: 0, max: 4_102_444_800_000 });

describe('the logger without redaction work for clean lines', () => {
  it('writes what redacting message, fields and line gives (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('INFO', 'WARN', 'ERROR'),
        anyText,
        fields,
        secrets,
        time,
        (level, message, given, known, now) => {
          const lines: string[] = [];
          const log = createLogger(
            (line) => lines.push(line),
            () => now,
          );
          for (const secret of known) log.forget(secret);
          const method = level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
          log[method](message, given);
          // The reference skips short secrets as forget() does.
          expect(lines).toEqual([referenceLine(level, message, given, now, known)]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the same lines when a line repeats, between forgets and other lines (property)', () => {
    const call = fc.record({
      level: fc.constantFrom('INFO' as const, 'WARN' as const),
      // Often the same line again, as a script asking for tokens in a loop logs it, or its message
      // with other fields.
      repeat: fc.constantFrom('line' as const, 'message' as const, 'no' as const),
      message: anyText,
      fields,
      forget: fc.option(fc.oneof(fc.constantFrom('bench', 'served', 'ok'), anyText), { nil: undefined }),
      now: time,
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 12 }), (calls) => {
        const lines: string[] = [];
        let clock = 0;
        const log = createLogger(
          (line) => lines.push(line),
          () => clock,
        );
        const known: string[] = [];
        const expected: string[] = [];
        type Line = { message: string; fields: Record<string, unknown> | undefined };
        let previous: Line | null = null;
        for (const step of calls) {
          if (step.forget !== undefined && step.forget.length >= 4) {
            log.forget(step.forget);
            if (!known.includes(step.forget)) known.push(step.forget);
          }
          const last: Line | null = previous;
          const line: Line =
            last === null || step.repeat === 'no'
              ? step
              : step.repeat === 'line'
                ? last
                : { message: last.message, fields: step.fields };
          const { message, fields: given } = line;
          previous = { message, fields: given === undefined ? undefined : { ...given } };
          clock = step.now;
          log[step.level === 'INFO' ? 'info' : 'warn'](message, given);
          expected.push(referenceLine(step.level, message, given, step.now, known));
        }
        expect(lines).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('looks for known forms in a repeated line whole, its new time included', () => {
    const lines: string[] = [];
    let now = Date.parse('2026-12-07T01:02:03.004Z');
    const log = createLogger(
      (line) => lines.push(line),
      () => now,
    );
    log.forget('T01:02:04');
    log.info('token served', { account: 'bench' });
    now += 1000;
    log.info('token served', { account: 'bench' });
    expect(lines).toEqual([
      '2026-12-07T01:02:03.004Z INFO token served account="bench"',
      referenceLine('INFO', 'token served', { account: 'bench' }, now, ['T01:02:04']),
    ]);
    expect(lines[1]).toContain('[redacted]');
  });

  it('does not repeat a line whose field is an object that changed, or after a secret is forgotten', () => {
    const lines: string[] = [];
    const log = createLogger(
      (line) => lines.push(line),
      () => Date.parse('2026-12-07T01:02:03.004Z'),
    );
    const list = ['a'];
    log.info('token served', { account: 'bench', list });
    list.push('b');
    log.info('token served', { account: 'bench', list });
    log.forget('bench');
    log.info('token served', { account: 'bench', list });
    expect(lines).toEqual([
      '2026-12-07T01:02:03.004Z INFO token served account="bench" list=a',
      '2026-12-07T01:02:03.004Z INFO token served account="bench" list=a,b',
      '2026-12-07T01:02:03.004Z INFO token served account="[redacted]" list=a,b',
    ]);
  });

  it('writes the served line as it is and still redacts a line that needs it', () => {
    const lines: string[] = [];
    const log = createLogger(
      (line) => lines.push(line),
      () => Date.parse('2026-12-07T01:02:03.004Z'),
    );
    log.info('token served', { account: 'bench', outcome: 'ok' });
    log.info('token served', { account: 'token=abc123' });
    log.info('token', { account: 'password: "pa55word"' });
    expect(lines).toEqual([
      '2026-12-07T01:02:03.004Z INFO token served account="bench" outcome="ok"',
      '2026-12-07T01:02:03.004Z INFO token served account="token=[redacted]"',
      // As before: the field's own redaction, then the line's (which the quoting now also matches).
      '2026-12-07T01:02:03.004Z INFO token account="password: [redacted]"[redacted]\\""',
    ]);
  });
});

describe('redact()', () => {
  it('leaves a text no pattern matches unchanged, and equals the three replacements otherwise (property)', () => {
    const PATTERNS: [RegExp, (match: string, a: string, b: string) => string][] = [
      [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, (_m, a) => `${a} [redacted]`],
      [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, () => '[redacted]'],
      [
        /\b(client_secret|password|refresh_token|access_token|token|secret)(["']?\s*[=:]\s*["']?)[^\s"'&,}]+/gi,
        (_m, a, b) => `${a}${b}[redacted]`,
      ],
    ];
    fc.assert(
      fc.property(anyText, (value) => {
        let expected = value;
        for (const [pattern, replace] of PATTERNS) expected = expected.replace(pattern, replace);
        expect(redact(value)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('isoTime', () => {
  it('is new Date(t).toISOString() (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
          fc.integer({ min: 0, max: 4_102_444_800_000 }),
          fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
          fc.constantFrom(
            0,
            -0,
            -1,
            999,
            1000,
            -999.5,
            0.5,
            8.64e15,
            -8.64e15,
            253402300799999,
            253402300800000,
          ),
        ),
        (t) => {
          // t + 1 after t: the second cached by one call must not leak into the next.
          for (const at of [t, t + 1, t - 1000]) {
            if (Math.abs(at) > 8.64e15) continue;
            expect(isoTime(at)).toBe(new Date(at).toISOString());
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('throws where Date does', () => {
    for (const t of [NaN, Infinity, 8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => isoTime(t)).toThrow(RangeError);
      expect(() => new Date(t).toISOString()).toThrow(RangeError);
    }
  });
});
