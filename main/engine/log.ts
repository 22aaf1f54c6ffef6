/**
 * Log lines with secrets removed: bearer and Basic credentials, JWTs and secret-looking
 * `key=value` pairs, whatever their source, plus any value a host registers with `forget`. The
 * engine itself redacts the secrets an attempt read from its error texts before logging them.
 *
 * A known secret is removed in every form a server is likely to echo it in: as is,
 * percent-encoded (encodeURIComponent, and application/x-www-form-urlencoded with `+` for a space,
 * either case of hex digits), JSON-escaped (with `\/`, and with `\uXXXX` escapes) and, given the
 * client ID it goes with, Base64 of `id:secret` as HTTP Basic carries it (raw and form-encoded).
 */

import { oneLine, UNNAMED_PROVIDER_ERROR } from './http.js';
import type { ErrorInfo } from './types.js';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  /\b(client_secret|password|refresh_token|access_token|token|secret)(["']?\s*[=:]\s*["']?)[^\s"'&,}]+/gi,
];

/** Secrets shorter than this are not searched for (they would match ordinary words). */
const MIN_SECRET_LENGTH = 4;

/** application/x-www-form-urlencoded as URLSearchParams writes it (`+` for a space, `*` kept). */
const formEncode = (value: string) => new URLSearchParams([['', value]]).toString().slice(1);
/**
 * encodeURIComponent of the text as UTF-8 carries it: a lone surrogate (a JSON import may hold
 * one) becomes U+FFFD, as URLSearchParams and TextEncoder make it, instead of throwing URIError.
 */
const percentEncode = (value: string) =>
  encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
/** The stricter form encoding of RFC 6749 §2.3.1 as oauth4webapi writes it (`-_.!~*'()` escaped too). */
const strictFormEncode = (value: string) =>
  percentEncode(value).replace(/[-_.!~*'()]|%20/g, (part) =>
    part === '%20' ? '+' : `%${part.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const unicodeEscape = (char: string) =>
  `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
/** JSON text of a string without its quotes; `extra` characters are written as \uXXXX too. */
const jsonEscape = (value: string, extra: RegExp | null) => {
  const inner = JSON.stringify(value).slice(1, -1);
  // A surrogate pair (astral character) is escaped as its two halves, as every encoder does.
  return extra === null ? inner : inner.replace(extra, (char) => [...char].map(unicodeEscape).join(''));
};
/** Hex digits after `%` or `\u` in lower case: encoders disagree on the case. */
const lowerHex = (value: string) =>
  value.replace(/%[0-9A-F]{2}|\\u[0-9A-Fa-f]{4}/g, (escape) => escape.toLowerCase());

/** Every form in which `secret` may come back from a server, for redaction. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = [
    secret,
    percentEncode(secret),
    formEncode(secret),
    strictFormEncode(secret),
    jsonEscape(secret, null),
    jsonEscape(secret, null).replace(/\//g, '\\/'),
    // Python's ensure_ascii, .NET's default JavaScriptEncoder, Go's HTML-safe encoder.
    jsonEscape(secret, /[^ -~]/g),
    jsonEscape(secret, /[^ -~]|[+<>&'`]/g),
    jsonEscape(secret, /[<>&\u2028\u2029]/g),
  ];
  return [...new Set([...forms, ...forms.map(lowerHex)])];
}

/**
 * HTTP Basic credentials built from `id` and each of `secrets`, Base64-encoded as the header
 * carries them: `id:secret` raw (Acronis) and with both parts form-encoded (RFC 6749 §2.3.1).
 */
export function basicCredentialForms(id: string, secrets: Iterable<string>): string[] {
  const forms: string[] = [];
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.push(b64(`${id}:${secret}`), b64(`${strictFormEncode(id)}:${strictFormEncode(secret)}`));
    forms.push(b64(`${formEncode(id)}:${formEncode(secret)}`));
  }
  return [...new Set(forms)];
}

/**
 * Matches wherever one of PATTERNS matches, at the same place: each pattern's leading part (all of
 * them start with `\b` and end with no assertion), and case-insensitive for all three, so it
 * matches a superset. A text it does not match is one the patterns leave unchanged; checking that
 * costs one scan instead of three replacements, and it is the answer for almost every log line.
 */
const SUSPECT =
  /\b(?:(?:Bearer|Basic)\s|eyJ|(?:client_secret|password|refresh_token|access_token|token|secret)["']?\s*[=:])/i;

/** True when none of `exact` occurs in `text`. */
function holdsNone(text: string, exact: readonly string[]): boolean {
  for (const form of exact) if (text.includes(form)) return false;
  return true;
}

/** True when neither a pattern nor any of `exact` can match `text`: redactExact returns it unchanged. */
function clean(text: string, exact: readonly string[]): boolean {
  return !SUSPECT.test(text) && holdsNone(text, exact);
}

/**
 * What to redact after an attempt with these settings: the secrets it read (`known`) plus the HTTP
 * Basic credentials built from them with the account's client ID or user name.
 */
export function redactionList(
  settings: Readonly<Record<string, unknown>>,
  known: readonly string[],
): string[] {
  const ids = [settings.clientId, settings.username].filter((id): id is string => typeof id === 'string');
  return [...known, ...ids.flatMap((id) => basicCredentialForms(id, known))];
}

/** Replaces each of `exact` (already expanded into its forms), longest first, then the patterns. */
function redactExact(text: string, exact: readonly string[]): string {
  let out = text;
  for (const form of exact) if (out.includes(form)) out = out.split(form).join('[redacted]');
  if (!SUSPECT.test(out)) return out;
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (match, a: string, b: string) =>
      pattern === PATTERNS[0]
        ? `${a} [redacted]`
        : pattern === PATTERNS[2]
          ? `${a}${b}[redacted]`
          : '[redacted]',
    );
  }
  return out;
}

/** Longest first, so that a form containing another is removed whole. */
const byLengthDesc = (forms: Iterable<string>) => [...new Set(forms)].sort((a, b) => b.length - a.length);

/** Removes anything that looks like a secret from a string, and every form of each `known` secret. */
export function redact(text: string, known: Iterable<string> = []): string {
  const forms: string[] = [];
  for (const secret of known) forms.push(...secretForms(secret));
  return redactExact(text, forms.length === 0 ? forms : byLengthDesc(forms));
}

/** The longest a failure's message may be once redacted (a table row, a notification, a terminal line). */
export const ERROR_MESSAGE_MAX = 600;
/** The longest the server's own words may be, kept beside the message. */
export const SERVER_WORDS_MAX = 300;

/**
 * A failure as the user may see it, with every form of each of `known` removed: from the message,
 * the server's words and the code (a server may name its error with what it was sent; such a code
 * becomes `provider_error`). Only then are the texts made one line and cut to length: cutting
 * first could split a secret, and half a secret is no longer recognised.
 */
export function redactErrorInfo(info: ErrorInfo, known: readonly string[]): ErrorInfo {
  const code = redact(info.code, known) === info.code ? info.code : UNNAMED_PROVIDER_ERROR;
  const serverMessage =
    info.serverMessage === null ? null : oneLine(redact(info.serverMessage, known), SERVER_WORDS_MAX) || null;
  return { ...info, code, message: oneLine(redact(info.message, known), ERROR_MESSAGE_MAX), serverMessage };
}

let isoSecond = NaN;
let isoPrefix = '';

/**
 * `new Date(time).toISOString()`, with the part up to the second made once per second (a log line
 * and an activity entry each need one; the Date and its formatting were most of a line's cost).
 */
export function isoTime(time: number): string {
  const ms = Math.trunc(time);
  // Outside ±8.64e15 (and for NaN) Date itself throws the RangeError.
  if (!(Math.abs(ms) <= 8.64e15)) return new Date(time).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    // ".000Z" is always the last five characters, whatever the year's width.
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    isoSecond = second;
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const CONTROL_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- the same, for replace
const CONTROLS_IN_MESSAGE = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A message as one line: a control character in it (a path or a name given by someone else: a
 * newline that forges a line, an escape sequence for the terminal that shows the log) is written
 * as its JSON escape.
 */
export function withControlsEscaped(message: string): string {
  return CONTROL_IN_MESSAGE.test(message)
    ? message.replace(CONTROLS_IN_MESSAGE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : message;
}

/** A line after its time: the level, the message and each field as key=value. */
function formatTail(level: string, message: string, fields: Record<string, unknown> | undefined): string {
  let line = `${level} ${message}`;
  if (fields !== undefined) {
    for (const key in fields) {
      if (!Object.hasOwn(fields, key)) continue;
      const value = fields[key];
      line += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
    }
  }
  return line;
}

function format(
  level: string,
  message: string,
  fields: Record<string, unknown> | undefined,
  now: number,
): string {
  return `${isoTime(now)} ${formatTail(level, message, fields)}`;
}

/** A line written as formatted, but for its time, and what it was made of (see createLogger). */
interface RepeatedLine {
  message: string;
  keys: string[];
  values: unknown[];
  forms: readonly string[];
  tail: string;
}

/** What a repeat of `message` and `fields` needs, or null when a field is not a plain value. */
function repeatedLine(
  message: string,
  fields: Record<string, unknown> | undefined,
  forms: readonly string[],
  tail: string,
): RepeatedLine | null {
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    // An object's String() may change while it stays the same object.
    if (typeof value === 'object' && value !== null) return null;
    if (typeof value === 'function' || typeof value === 'symbol') return null;
    keys.push(key);
    values.push(value);
  }
  return { message, keys, values, forms, tail };
}

/** True when `message` and `fields` are those `line` was made of, in the same order. */
function isRepeat(line: RepeatedLine, message: string, fields: Record<string, unknown> | undefined): boolean {
  if (line.message !== message) return false;
  let index = 0;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    if (line.keys[index] !== key || line.values[index] !== fields[key]) return false;
    index += 1;
  }
  return index === line.keys.length;
}

/** Characters JSON.stringify escapes in a string (`"`, `\\`, controls, lone surrogates), and all surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const ESCAPED_IN_JSON = /["\\\u0000-\u001f\ud800-\udfff]/;

/** True when each string field is written as itself between quotes (JSON.stringify escapes nothing). */
function quotedAsIs(fields: Record<string, unknown> | undefined): boolean {
  if (fields === undefined) return true;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (typeof value === 'string' && ESCAPED_IN_JSON.test(value)) return false;
  }
  return true;
}

/**
 * A logger writing one redacted line per call.
 *
 * Each line is what redacting the message, then each string field, then the formatted line gives
 * (redactExact three ways). Most lines need none of it, and that is checked on the formatted line
 * alone: when no pattern (SUSPECT) and no known form occurs in it, and every string field is
 * written between quotes exactly as it is, then the message and each field appear in the line
 * verbatim, after a space or a quote (a non-word character, as the start of a text is for `\b`),
 * so a pattern or a form matching in one of them would match in the line too; none does, every
 * redaction is the identity, and the line is written as formatted. Otherwise it goes the long way.
 */
export function createLogger(
  writeLine: (line: string) => void,
  now: () => number = Date.now,
): Logger & { forget(secret: string): void } {
  // Escaped last, once the line is redacted: a secret holding a tab is still recognised as itself.
  const write = (line: string) => writeLine(withControlsEscaped(line));
  const known = new Set<string>();
  // Every form of every secret it was told to forget, longest first (rebuilt on `forget`).
  let forms: string[] = [];
  const scrub = (text: string) => redactExact(text, forms);
  // Fields are redacted before formatting: JSON-quoting a value (`\"password\": ...`) would hide
  // its key=value shape from the patterns.
  const scrubFields = (fields: Record<string, unknown> | undefined) =>
    fields &&
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? scrub(value) : value]),
    );
  const emit = (level: string) => {
    let last: RepeatedLine | null = null;
    return (message: string, fields?: Record<string, unknown>) => {
      const at = now();
      // A script asking for tokens in a loop has the same line logged again and again but for its
      // time; formatting and checking it was 4 µs of each token (bench/socket-api.ts). For the same
      // message, field values and known forms, the rest of the line is the same and no pattern can
      // match in it (none starts in a time: its only letters are T and Z), so only the forms are
      // looked for again, in the whole line, as clean() does.
      if (last !== null && last.forms === forms && isRepeat(last, message, fields)) {
        const line = `${isoTime(at)} ${last.tail}`;
        if (holdsNone(line, forms)) {
          write(line);
          return;
        }
      }
      const tail = formatTail(level, message, fields);
      const line = `${isoTime(at)} ${tail}`;
      if (clean(line, forms) && quotedAsIs(fields)) {
        write(line);
        last = repeatedLine(message, fields, forms, tail);
      } else write(scrub(format(level, scrub(message), scrubFields(fields), at)));
    };
  };
  return {
    info: emit('INFO'),
    warn: emit('WARN'),
    error: emit('ERROR'),
    forget: (secret: string) => {
      if (secret.length < MIN_SECRET_LENGTH || known.has(secret)) return;
      known.add(secret);
      forms = byLengthDesc([...forms, ...secretForms(secret)]);
    },
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
