/**
 * The engine's fetch over Electron's network stack (the system proxy and the OS certificate
 * store, which corporate networks need), made safe for token requests: no cookies or other
 * credentials, no cache, no redirects unless asked, a timeout, and http(s) only (Electron's fetch
 * would otherwise also reach file: and custom protocols). `createNetFetch` is that stack without
 * `session.fetch`, which cannot sign in to a proxy: it answers the proxy's challenge itself.
 */
import type { ProxyCredentials } from '../../preload/contract.js';
import { TokenError } from '../engine/errors.js';
import type { FetchLike } from '../engine/types.js';

/** `session.fetch`'s shape (it also takes Electron's non-standard `bypassCustomProtocolHandlers`). */
export type ElectronFetch = (
  input: string | Request,
  init?: RequestInit & { bypassCustomProtocolHandlers?: boolean },
) => Promise<Response>;

export class RefusedSchemeError extends Error {
  override readonly name = 'RefusedSchemeError';
}

/** Wraps Electron's fetch for token requests; `timeoutMs` bounds each request unless a signal is given too. */
export function tokenFetch(base: ElectronFetch, opts: { timeoutMs: number }): FetchLike {
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const scheme = new URL(url).protocol;
    if (scheme !== 'https:' && scheme !== 'http:')
      throw new RefusedSchemeError(`refused to fetch a ${scheme} URL`);
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return base(input instanceof URL ? input.toString() : input, {
      ...init,
      credentials: 'omit',
      cache: 'no-store',
      redirect: init.redirect ?? 'error',
      bypassCustomProtocolHandlers: true,
      signal,
    });
  };
}

// ---------------------------------------------------------------------------------------------
// A fetch over Electron's `net.request` (issue #9). `session.fetch` and `net.fetch` cancel proxy
// authentication: their ClientRequest has no 'login' listener, and with none Electron calls the
// auth callback empty, so behind a proxy that wants a password every request ends in a 407. This
// one answers the proxy's challenge with credentials the user gave (see proxy-login.ts) and
// cancels any server (401) challenge. `tokenFetch` wraps it as it wrapped `session.fetch`.
// ---------------------------------------------------------------------------------------------

/** Where a proxy that asks for credentials is, and what it asks (from Electron's `AuthInfo`). */
export interface ProxyAuthInfo {
  host: string;
  port: number;
  realm: string;
  scheme: string;
}

/** One proxy challenge of one request. */
export interface ProxyChallenge {
  info: ProxyAuthInfo;
  /** 1 for the request's first challenge from this proxy; 2 and on: the proxy refused what was sent. */
  attempt: number;
  /** What this request sent this proxy and it refused (null on the first challenge). */
  refused: ProxyCredentials | null;
}

/**
 * Answers a proxy challenge: credentials to send, null to cancel the authentication (the 407 is
 * then the answer), or a rejection that becomes the request's failure.
 */
export type ProxyCredentialsProvider = (challenge: ProxyChallenge) => Promise<ProxyCredentials | null>;

/** Electron's `AuthInfo` as the ClientRequest 'login' event gives it. */
export interface LoginAuthInfo extends ProxyAuthInfo {
  isProxy: boolean;
}

/** The 'login' event's callback: no arguments cancel the authentication. */
export type LoginCallback = (username?: string, password?: string) => void;

/** What the adapter uses of Electron's `IncomingMessage` (a Readable: `pause`/`resume` apply backpressure). */
export interface IncomingMessageLike {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: Record<string, string | string[]>;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'aborted', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}

/** What the adapter uses of Electron's `ClientRequest`. */
export interface ClientRequestLike {
  on(event: 'response', listener: (response: IncomingMessageLike) => void): unknown;
  on(event: 'login', listener: (authInfo: LoginAuthInfo, callback: LoginCallback) => void): unknown;
  on(
    event: 'redirect',
    listener: (
      statusCode: number,
      method: string,
      redirectUrl: string,
      headers: Record<string, string[]>,
    ) => void,
  ): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(chunk?: Buffer): unknown;
  abort(): void;
}

/** The options the adapter gives `net.request` (a subset of Electron's `ClientRequestConstructorOptions`). */
export interface NetRequestOptions<S> {
  session: S;
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Redirects are refused: the 'redirect' listener never follows, so Electron cancels them. */
  redirect: 'manual';
  /**
   * No cookies, no stored server credentials. Electron documents that 'login' then does not fire
   * for a 401; a proxy's 407 is not gated by it (as in Chromium's own fetch). Unverified here.
   */
  credentials: 'omit';
  cache: 'no-store';
  bypassCustomProtocolHandlers: true;
}

export interface NetFetchDeps<S> {
  /** `(options) => net.request(options)`. */
  request: (options: NetRequestOptions<S>) => ClientRequestLike;
  /** The token-request session (an in-memory partition). */
  session: S;
  proxyCredentials: ProxyCredentialsProvider;
}

export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';
}

/** `host:port` of a proxy, bracketing an IPv6 address. */
export function proxyKey(info: Pick<ProxyAuthInfo, 'host' | 'port'>): string {
  const host = info.host.includes(':') && !info.host.startsWith('[') ? `[${info.host}]` : info.host;
  return `${host}:${info.port}`;
}

/** The request timed out (or was stopped) while the user was still asked for the proxy's password. */
function proxyWaitError(key: string): TokenError {
  return new TokenError(
    'proxy_auth_pending',
    `the proxy ${key} asks for a user name and password: sign in to it in the Tokentray window`,
    'transient',
  );
}

/**
 * A Chromium net error ("net::ERR_CERT_AUTHORITY_INVALID") with its name as `code`, so the engine
 * can tell TLS and proxy failures from others; Electron gives the name in the message only.
 */
export function netError(error: Error): Error {
  const code = /\bnet::(ERR_[A-Z0-9_]+)/.exec(error.message)?.[1];
  if (code === undefined || (error as { code?: unknown }).code !== undefined) return error;
  return Object.assign(new Error(error.message, { cause: error }), { code });
}

const STANDARD_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
/** Bytes buffered from the response before the message is paused until the reader catches up. */
const BODY_HIGH_WATER_BYTES = 64 * 1024;

/** The body as bytes, and the content type fetch would add for it. Streams, Blobs and forms are not used here. */
export function encodeBody(
  body: BodyInit | null | undefined,
): { bytes: Uint8Array; type: string | null } | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams)
    return {
      bytes: Buffer.from(body.toString(), 'utf8'),
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body.slice(0)), type: null };
  if (ArrayBuffer.isView(body))
    return { bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice(), type: null };
  throw new TypeError('this fetch sends a string, URLSearchParams or bytes body only');
}

/** The WHATWG headers of an Electron response (repeated headers kept; ones a Headers refuses dropped). */
export function responseHeaders(raw: Record<string, string | string[]>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, one);
      } catch {
        // Not a valid header name or value for fetch: leave it out rather than fail the response.
      }
    }
  }
  return headers;
}

/**
 * A WHATWG Response over an Electron response: the status, the headers, and a body that streams
 * from the message (paused while the reader is behind). `cancel` runs when the reader cancels the
 * body; `fail` errors the body (the request was aborted after its headers came).
 */
export function responseFrom(
  message: IncomingMessageLike,
  cancel: () => void,
): { response: Response; fail(error: unknown): void; ended: Promise<void> } {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let open = true;
  let markEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const finish = (error?: unknown): void => {
    if (!open) return;
    open = false;
    markEnded();
    if (error === undefined) controller?.close();
    else controller?.error(error);
  };
  const nullBody = NULL_BODY_STATUSES.has(message.statusCode);
  const stream = nullBody
    ? null
    : new ReadableStream<Uint8Array>(
        {
          start(c) {
            controller = c;
          },
          pull() {
            message.resume?.();
          },
          cancel() {
            open = false;
            markEnded();
            cancel();
          },
        },
        { highWaterMark: BODY_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
      );
  message.on('data', (chunk) => {
    if (!open || controller === null) return;
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice());
    if ((controller.desiredSize ?? 1) <= 0) message.pause?.();
  });
  message.on('end', () => finish());
  message.on('aborted', () => finish(new Error('the response was aborted before its end')));
  message.on('error', (error) => finish(netError(error)));
  const headers = responseHeaders(message.headers);
  let response: Response;
  try {
    response = new Response(stream, {
      status: message.statusCode,
      statusText: message.statusMessage,
      headers,
    });
  } catch {
    // A reason phrase fetch does not accept: the status and headers are what count.
    response = new Response(stream, { status: message.statusCode, headers });
  }
  return { response, fail: (error) => finish(error), ended };
}

/**
 * Sends `body` on `request` and resolves with the response once its headers are in. Proxy
 * challenges are answered through `proxyCredentials`; server challenges are cancelled; a
 * redirect is refused; `signal` aborts the request (and the body, once it streams).
 */
export function sendRequest(
  request: ClientRequestLike,
  opts: {
    body: Uint8Array | null;
    signal?: AbortSignal | null;
    proxyCredentials: ProxyCredentialsProvider;
    /** The target's host, for messages. */
    host: string;
  },
): Promise<Response> {
  const { signal } = opts;
  return new Promise<Response>((resolve, reject) => {
    /** Set once the promise has settled; after that a failure errors the body instead. */
    let settled = false;
    let done = false;
    let failBody: ((error: unknown) => void) | null = null;
    /** The proxy whose credentials are being asked for, while they are. */
    let waitingFor: string | null = null;
    const attempts = new Map<string, { count: number; sent: ProxyCredentials | null }>();

    const stop = (): void => {
      done = true;
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (done) return;
      stop();
      if (!settled) {
        settled = true;
        reject(error);
      } else {
        failBody?.(error);
      }
    };
    function onAbort(): void {
      if (done) return;
      const reason = waitingFor !== null && !settled ? proxyWaitError(waitingFor) : signal?.reason;
      fail(reason);
      request.abort();
    }

    request.on('login', (authInfo, callback) => {
      if (done) return;
      if (!authInfo.isProxy) {
        // A token endpoint that wants HTTP authentication gets none: its 401 is the answer.
        callback();
        return;
      }
      const info: ProxyAuthInfo = {
        host: authInfo.host,
        port: authInfo.port,
        realm: authInfo.realm,
        scheme: authInfo.scheme,
      };
      const key = proxyKey(info);
      const seen = attempts.get(key) ?? { count: 0, sent: null };
      seen.count += 1;
      attempts.set(key, seen);
      waitingFor = key;
      let asked: Promise<ProxyCredentials | null>;
      try {
        asked = opts.proxyCredentials({ info, attempt: seen.count, refused: seen.sent });
      } catch (error) {
        asked = Promise.reject(error);
      }
      asked.then(
        (credentials) => {
          waitingFor = null;
          if (done) return;
          if (credentials === null) {
            callback();
            return;
          }
          seen.sent = credentials;
          callback(credentials.username, credentials.password);
        },
        (error: unknown) => {
          waitingFor = null;
          if (done) return;
          fail(error);
          request.abort();
        },
      );
    });
    request.on('redirect', (statusCode) => {
      // Not followed: Electron cancels the redirect; the request fails here with a clear reason.
      fail(
        new RedirectRefusedError(
          `${opts.host} answered with a redirect (HTTP ${statusCode}), which is refused`,
        ),
      );
      request.abort();
    });
    request.on('response', (message) => {
      if (done) return;
      let built: ReturnType<typeof responseFrom>;
      try {
        built = responseFrom(message, () => {
          stop();
          request.abort();
        });
      } catch (error) {
        fail(error);
        request.abort();
        return;
      }
      failBody = built.fail;
      void built.ended.then(stop);
      settled = true;
      resolve(built.response);
    });
    request.on('error', (error) => fail(netError(error)));

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      request.end(
        opts.body === null
          ? undefined
          : Buffer.from(opts.body.buffer, opts.body.byteOffset, opts.body.byteLength),
      );
    } catch (error) {
      fail(error);
      request.abort();
    }
  });
}

/**
 * A fetch over `net.request` in `deps.session`, for `tokenFetch` to wrap: method, headers, a
 * string, URLSearchParams or bytes body, an AbortSignal. Redirects are always refused; cookies,
 * stored credentials and the cache are never used.
 */
export function createNetFetch<S>(deps: NetFetchDeps<S>): ElectronFetch {
  return async (input, init = {}) => {
    const fromRequest = input instanceof Request ? input : null;
    const url = input instanceof Request ? input.url : input;
    const signal = init.signal ?? fromRequest?.signal ?? null;
    signal?.throwIfAborted();
    const rawMethod = init.method ?? fromRequest?.method ?? 'GET';
    const method = STANDARD_METHODS.has(rawMethod.toUpperCase()) ? rawMethod.toUpperCase() : rawMethod;
    const headers = new Headers(init.headers ?? fromRequest?.headers);
    const body =
      init.body !== undefined
        ? encodeBody(init.body)
        : fromRequest?.body
          ? encodeBody(new Uint8Array(await fromRequest.arrayBuffer()))
          : null;
    if (body !== null && (method === 'GET' || method === 'HEAD'))
      throw new TypeError(`a ${method} request cannot have a body`);
    if (body?.type && !headers.has('content-type')) headers.set('content-type', body.type);
    const request = deps.request({
      session: deps.session,
      url,
      method,
      headers: Object.fromEntries(headers),
      redirect: 'manual',
      credentials: 'omit',
      cache: 'no-store',
      bypassCustomProtocolHandlers: true,
    });
    return sendRequest(request, {
      body: body?.bytes ?? null,
      signal,
      proxyCredentials: deps.proxyCredentials,
      host: new URL(url).host,
    });
  };
}
