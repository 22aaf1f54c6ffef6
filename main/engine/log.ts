/**
 * Log lines with secrets removed: bearer and Basic credentials, JWTs and secret-looking
 * `key=value` pairs, whatever their source, plus any value a host registers with `forget`. The
 * engine itself redacts the secrets an attempt read from its error texts before logging them.
 */

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

/** Removes anything that looks like a secret from a string. */
export function redact(text: string, known: Iterable<string> = []): string {
  let out = text;
  for (const secret of known) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
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

function format(
  level: string,
  message: string,
  fields: Record<string, unknown> | undefined,
  now: number,
): string {
  const parts = [new Date(now).toISOString(), level, message];
  for (const [key, value] of Object.entries(fields ?? {})) {
    parts.push(`${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(' ');
}

/** A logger writing one redacted line per call. */
export function createLogger(
  write: (line: string) => void,
  now: () => number = Date.now,
): Logger & { forget(secret: string): void } {
  const known = new Set<string>();
  // Fields are redacted before formatting: JSON-quoting a value (`\"password\": ...`) would hide
  // its key=value shape from the patterns.
  const clean = (fields: Record<string, unknown> | undefined) =>
    fields &&
    Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        typeof value === 'string' ? redact(value, known) : value,
      ]),
    );
  const emit = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(redact(format(level, redact(message, known), clean(fields), now()), known));
  return {
    info: emit('INFO'),
    warn: emit('WARN'),
    error: emit('ERROR'),
    forget: (secret: string) => {
      if (secret.length >= 4) known.add(secret);
    },
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
