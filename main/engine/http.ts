/**
 * The one way the engine talks to token servers. It refuses insecure URLs before sending, bounds
 * every request in time and size, and turns every failure into a TokenError carrying the server's
 * own words. Providers (and oauth4webapi, through its customFetch hook) only ever see clean
 * 2xx JSON answers.
 */
import { parseHttpDate } from './dates.js';
import { TokenError } from './errors.js';
import { parseSignedSeconds } from './expiry.js';
import type { FetchLike } from './types.js';
import { TOKEN_CHARACTERS } from './presets/static.fields.js';
import { insecureUrlReason } from './url-policy.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpOptions {
  fetch: FetchLike;
  timeoutMs: number;
  /** Wall clock, for Retry-After in HTTP-date form. */
  now: () => number;
  /**
   * Aborted when the engine stops: no new request is sent. One already on the wire is not
   * cancelled (the server may have acted on it: a rotated refresh token would be lost); it ends
   * with its answer or its timeout.
   */
  stopSignal?: () => AbortSignal;
}

/** The engine is stopping: a request that was not sent yet will not be. */
export const stoppedError = () =>
  new TokenError('stopped', 'Tokentray is stopping; the token request was not sent', 'transient');

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; anything else is ignored. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = parseHttpDate(trimmed);
  return at === null ? null : Math.max(0, at - now);
}

const NETWORK_CODES: Record<string, [code: string, what: string]> = {
  ENOTFOUND: ['dns', "the token server's host name could not be resolved"],
  EAI_AGAIN: ['dns', "the token server's host name could not be resolved (temporary DNS failure)"],
  ECONNREFUSED: ['network', 'the token server refused the connection'],
  ECONNRESET: ['network', 'the connection to the token server was reset'],
  EHOSTUNREACH: ['network', 'the token server is unreachable'],
  ENETUNREACH: ['network', 'the network is unreachable'],
  UND_ERR_SOCKET: ['network', 'the connection to the token server was closed'],
};

function causeCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** A fetch failure (no HTTP answer) as a transient TokenError. */
export function networkError(error: unknown, host: string, timeoutMs: number): TokenError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TokenError(
      'timeout',
      `no answer from ${host} within ${Math.round(timeoutMs / 1000)} s`,
      'transient',
    );
  }
  const code = causeCode(error);
  if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new TokenError('tls', `the TLS certificate of ${host} was not accepted (${code})`, 'transient');
  }
  // Electron's net.fetch does not hand back a 3xx: it rejects ("Redirect was cancelled", or
  // "unexpected redirect" from undici with redirect: 'error').
  const text =
    error instanceof Error
      ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`
      : '';
  if (/redirect/i.test(text)) {
    return new TokenError(
      'redirect',
      `${host} redirected the token request; check the URL (it must name the token endpoint itself)`,
      'config',
    );
  }
  const known = code ? NETWORK_CODES[code] : undefined;
  if (known) return new TokenError(known[0], `${known[1]} (${host}, ${code})`, 'transient');
  return new TokenError('network', `could not reach ${host}${code ? ` (${code})` : ''}`, 'transient');
}

const NEEDS_USER = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_request',
  'access_denied',
  'unauthorized',
]);

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * A server's words as one plain line: no newlines or terminal escapes (they end up in a table, a
 * notification and a terminal), and not longer than `max`. Not cut by default: a text that may
 * hold a secret is cut only once it is redacted (redactErrorInfo in log.ts), since a secret cut in
 * two is no longer recognised.
 */
export function oneLine(text: string, max = Infinity): string {
  const plain = text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return plain.length > max ? `${plain.slice(0, max)}…` : plain;
}

/** An HTML page's text as one line (cut, like every server text, only once redacted). */
function excerpt(text: string): string {
  const plain = text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ');
  return oneLine(plain);
}

/**
 * What a server's OAuth `error` may be to be passed on as our code: a short word like
 * invalid_client (RFC 6749's charset is wider, but no server uses it). Anything else (a long text,
 * control characters, a value echoed from the request) is `provider_error`; its words are still
 * in the message, which is redacted like every server text.
 */
const ERROR_CODE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const UNNAMED_PROVIDER_ERROR = 'provider_error';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** ASP.NET Web API's `ModelState`: `{ "model.UserName": ["The UserName field is required."] }`. */
function modelStateWords(state: unknown): string | null {
  if (!isRecord(state)) return null;
  const words = Object.values(state)
    .flat()
    .filter((item): item is string => typeof item === 'string' && item.length > 0);
  return words.length > 0 ? words.join(' ') : null;
}

/**
 * The server's own words: OAuth's `error_description`, ASP.NET's `Message` (with its ModelState
 * details: MSP360), a plain `message`, the Acronis platform's `{ error: { message } }`, or the
 * bare `error` code.
 */
export function serverWords(body: Record<string, unknown>): string | null {
  const nested = isRecord(body.error) ? body.error : null;
  const parts = [
    body.error_description,
    body.Message,
    body.message,
    nested?.message,
    nested?.code,
    body.error,
  ].filter((part): part is string => typeof part === 'string' && part.length > 0);
  const first = parts[0] ?? null;
  const details = modelStateWords(body.ModelState);
  return first !== null && details !== null ? `${first} ${details}` : (first ?? details);
}

/** True when a body says it failed: OAuth's `error` string, or an `{ error: { code | message } }` object. */
function carriesError(body: Record<string, unknown>): boolean {
  if (typeof body.error === 'string') return true;
  return (
    isRecord(body.error) && (typeof body.error.message === 'string' || typeof body.error.code === 'string')
  );
}

/** JSON as token servers label it; anything else (an HTML login page, text/plain) is not a token answer. */
const JSON_TYPE = /^(application\/(json|[\w.+-]+\+json)|text\/json)\s*(;|$)/i;

/** Classifies an HTTP answer that carries no usable token. */
export function responseError(
  status: number,
  contentType: string,
  text: string,
  retryAfterMs: number | null,
  url: string,
): TokenError {
  const { host, origin, pathname } = new URL(url);
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) body = parsed;
  } catch {
    body = null;
  }
  const rawError = typeof body?.error === 'string' ? body.error : null;
  const oauthError = rawError === null ? null : ERROR_CODE.test(rawError) ? rawError : UNNAMED_PROVIDER_ERROR;
  const words = body ? serverWords(body) : text.trim() ? excerpt(text) : null;
  const serverMessage = words === null ? null : oneLine(words) || null;
  const said = serverMessage ? `: ${serverMessage}` : '';
  const extra = { serverMessage, status, retryAfterMs };
  if (
    status === 429 ||
    status >= 500 ||
    oauthError === 'server_error' ||
    oauthError === 'temporarily_unavailable'
  ) {
    const code = oauthError ?? (status === 429 ? 'rate_limited' : 'server_error');
    const wait = retryAfterMs !== null ? `; it asked to retry in ${Math.ceil(retryAfterMs / 1000)} s` : '';
    return new TokenError(code, `${host} answered HTTP ${status}${said}${wait}`, 'transient', extra);
  }
  if (oauthError === 'invalid_grant') {
    return new TokenError(
      'invalid_grant',
      `${host} rejected the grant (invalid_grant)${said}`,
      'grant',
      extra,
    );
  }
  if (status === 404 || status === 410) {
    // Say where: a wrong data center, token path or issuer all end here.
    const what = pathname.includes('/.well-known/')
      ? `no discovery document at ${origin}${pathname} (HTTP ${status}); check the issuer`
      : `nothing at ${origin}${pathname} (HTTP ${status}); check the URL`;
    return new TokenError('not_found', `${what}${said}`, 'config', extra);
  }
  if (oauthError) {
    const kind = NEEDS_USER.has(oauthError) ? 'auth' : 'config';
    return new TokenError(oauthError, `${host} answered ${oauthError} (HTTP ${status})${said}`, kind, extra);
  }
  if (status === 401 || status === 403) {
    return new TokenError(
      'unauthorized',
      `${host} refused the credentials (HTTP ${status})${said}`,
      'auth',
      extra,
    );
  }
  if (status >= 300 && status < 400) {
    return new TokenError(
      'redirect',
      `${host} redirected the token request (HTTP ${status}); check the URL`,
      'config',
      extra,
    );
  }
  if (status >= 200 && status < 300) {
    const type = contentType || 'no content type';
    return new TokenError(
      'not_json',
      `${host} answered HTTP ${status} with ${type} instead of JSON${said ? ` (${excerpt(text)})` : ''}; a proxy or captive portal may be in the way`,
      'transient',
      extra,
    );
  }
  return new TokenError('http_status', `${host} answered HTTP ${status}${said}`, 'config', extra);
}

/** The cap on a token server's answer, and what exceeding it is called. */
export const tooLargeError = () =>
  new TokenError(
    'too_large',
    `the token server's answer exceeded ${MAX_BODY_BYTES / (1024 * 1024)} MiB`,
    'transient',
  );

/**
 * The body, read as a stream and cut at the cap: an answer without Content-Length (chunked) is
 * never held in memory beyond 1 MiB, and the connection is dropped as soon as it goes over.
 */
async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw tooLargeError();
  }
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLargeError();
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Tokentray hands out bearer tokens: a token of another type (RFC 9449's DPoP, a MAC token) is
 * useless as `Authorization: Bearer …` and needs a proof with every API call that no script of
 * ours makes, so it is refused at once, naming the type (checked to be visible ASCII already).
 */
function checkBearer(record: Record<string, unknown>, host: string): void {
  const type = record.token_type;
  if (typeof record.access_token !== 'string' || typeof type !== 'string' || type.toLowerCase() === 'bearer')
    return;
  const shown = type.length > 40 ? `${type.slice(0, 40)}…` : type;
  throw new TokenError(
    'unsupported_token_type',
    `${host} issued a token of type "${shown}" (token_type), not a bearer token; Tokentray hands ` +
      'out bearer tokens only (a DPoP or MAC token needs a signed proof with every API call): ' +
      'ask for bearer tokens for this client',
    'config',
  );
}

/**
 * A token answer whose tokens could not be handed on safely (a CR/LF would inject headers into a
 * script's request) is refused whole, naming the field and never the value.
 */
function checkTokenCharacters(record: Record<string, unknown>, host: string): void {
  for (const field of ['access_token', 'refresh_token', 'token_type'] as const) {
    const value = record[field];
    if (value === undefined || (field === 'refresh_token' && value === null)) continue;
    if (typeof value !== 'string' || (value !== '' && !TOKEN_CHARACTERS.test(value))) {
      const what =
        typeof value === 'string'
          ? 'characters a token may not hold (only visible ASCII is allowed: no spaces, control characters or non-ASCII)'
          : `${value === null ? 'null' : `a ${typeof value}`} instead of a string`;
      throw new TokenError(
        'invalid_token_value',
        `the ${field} in the answer of ${host} holds ${what}; the answer was discarded`,
        'config',
      );
    }
  }
}

/** Refuses a URL that may not receive credentials (before anything is sent). */
export function assertSecureUrl(url: string, field = 'token endpoint'): void {
  const reason = insecureUrlReason(url);
  if (reason) throw new TokenError('insecure_url', `${field} ${url} ${reason}`, 'config');
}

/**
 * A fetch for token and discovery requests: secure URL check, timeout, no redirects, bounded body,
 * and errors classified. Successful JSON answers are normalised (numeric-string `expires_in`,
 * negative `expires_in` as 0, missing `token_type`), their tokens checked for characters that could
 * not be handed on safely, and lose any `id_token`, which Tokentray never uses and so never validates.
 */
export function createGuardedFetch(options: HttpOptions) {
  return async function guardedFetch(
    url: string,
    init: RequestInit & { method?: string },
  ): Promise<Response> {
    assertSecureUrl(url);
    const host = new URL(url).host;
    const stop = options.stopSignal?.();
    if (stop?.aborted) throw stoppedError();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const classify = (error: unknown) =>
      error instanceof TokenError ? error : networkError(error, host, options.timeoutMs);
    let response: Response;
    try {
      // Not cancelled by a stop: only the timeout ends a request that has gone out.
      response = await options.fetch(url, { ...init, redirect: 'manual', signal: timeout });
    } catch (error) {
      throw classify(error);
    }
    let text: string;
    try {
      text = await readCapped(response);
    } catch (error) {
      throw classify(error);
    }
    const contentType = response.headers.get('content-type') ?? '';
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.now());
    if (response.status < 200 || response.status >= 300) {
      throw responseError(response.status, contentType, text, retryAfterMs, url);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw responseError(response.status, contentType, text, retryAfterMs, url);
    }
    if (!isRecord(body)) {
      throw new TokenError('invalid_response', `${host} answered JSON that is not an object`, 'config');
    }
    const record = body;
    if (carriesError(record)) throw responseError(response.status, contentType, text, retryAfterMs, url);
    if (!JSON_TYPE.test(contentType)) {
      throw new TokenError(
        'not_json',
        `${host} answered HTTP ${response.status} with ${contentType || 'no content type'} instead of application/json; a proxy or captive portal may be in the way`,
        'transient',
        { status: response.status },
      );
    }
    // Every JSON answer, whatever its URL: a discovery document holds none of these fields (a URL
    // test, '/.well-known/' in it, let a token endpoint named so skip every check).
    delete record.id_token;
    checkTokenCharacters(record, host);
    if (record.expires_in !== undefined) {
      // Zero or negative: already expired (the renewal refuses such a token, see expiry.ts).
      const seconds = parseSignedSeconds(record.expires_in);
      if (seconds === null) delete record.expires_in;
      else record.expires_in = Math.max(0, Math.floor(seconds));
    }
    if (typeof record.access_token === 'string' && record.token_type === undefined)
      record.token_type = 'bearer';
    checkBearer(record, host);
    const headers = new Headers(response.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(record), { status: response.status, headers });
  };
}

export type GuardedFetch = ReturnType<typeof createGuardedFetch>;
