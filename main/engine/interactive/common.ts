/**
 * What the browser sign-in and the device-code sign-in share: the settings they read, the ports
 * they are given, where the endpoints come from (discovery through oauth4webapi, or URLs given by
 * hand), client authentication, the token answer as the engine keeps it, the OAuth errors as
 * SignInErrors, and a wait bounded by a deadline and an AbortSignal.
 */
import * as oauth from 'oauth4webapi';
import { TokenError } from '../errors.js';
import { oneLine } from '../http.js';
import type { Clock } from '../types.js';
import { describeIssuerRule, issuerToExpect, type IssuerRule } from '../providers/issuer.js';
import { insecureUrlReason, isLoopbackHost } from '../url-policy.js';
import { SignInError } from './errors.js';
import { SIGN_IN_PARAMETERS } from './reserved-parameters.js';

/** Where the endpoints are: `issuer` (discovery) and/or the URLs themselves, which win over discovery. */
export interface EndpointSettings {
  /** OIDC discovery at `{issuer}/.well-known/openid-configuration` (RFC 8414 issuer equality checked). */
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  deviceAuthorizationUrl?: string;
  /**
   * Which issuer the discovery document on `issuer` must name, when not `issuer` itself (Microsoft
   * Entra ID: providers/issuer.ts). With a `placeholder`, the issuer counts as unknown.
   */
  issuerRule?: IssuerRule;
}

export type InteractiveClientAuth = 'client_secret_basic' | 'client_secret_post' | 'none';

/** The client as registered at the server. */
export interface ClientSettings {
  clientId: string;
  /** Absent for public clients. */
  clientSecret?: string;
  /** Default: `client_secret_basic` with a secret, `none` without. */
  clientAuth?: InteractiveClientAuth;
  /** Space-separated scopes. */
  scope?: string;
  /** Sent as `audience` with the authorization (or device authorization) request (Auth0 and the like). */
  audience?: string;
  /** More parameters for the authorization (or device authorization) request, e.g. `prompt`, `login_hint`. */
  extraParams?: Record<string, string>;
}

/** Fetch as oauth4webapi calls it; the global fetch and the engine's guarded fetch both fit. */
export type SignInFetch = (url: string, init: RequestInit) => Promise<Response>;

/** What both flows are given by the engine (or a test). */
export interface SignInPorts {
  fetch: SignInFetch;
  /** Discovery with the engine's cache; default: a discovery request through `fetch`. */
  discover?: (issuer: string) => Promise<oauth.AuthorizationServer>;
  /** Cancels the sign-in (the window's Cancel, the CLI's Ctrl+C): it fails with `aborted`. */
  signal?: AbortSignal;
  /** Wall clock and timers; default: the real ones, keeping the process alive while a person is waited for. */
  clock?: Clock;
  /** Bound on each HTTP request when `fetch` has none of its own (default 30 s). */
  requestTimeoutMs?: number;
}

/** The tokens a sign-in ends with. Secrets: never log them. */
export interface SignInTokens {
  accessToken: string;
  /** The refresh token to keep and rotate; null when the server issued none (no `offline_access`?). */
  refreshToken: string | null;
  /** `expires_in` as the server stated it, in seconds; null when it gave none. */
  expiresIn: number | null;
  /** The granted scope when the server said it, else null. */
  scope: string | null;
  /** Lower case, e.g. `bearer`. */
  tokenType: string;
  /** `clock.now()` when the answer arrived: expiresIn counts from here. */
  obtainedAt: number;
  /** The token endpoint's JSON answer without any `id_token`, for the engine's expiry rules (`expires_on`, JWT `exp`). */
  answer: Readonly<Record<string, unknown>>;
  /** The answer's `Date` header, for clock-skew correction. */
  dateHeader: string | null;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The real clock, with timers that keep the process alive: unlike the engine's systemClock, a
 * sign-in is something a person is waiting on, and the CLI may have nothing else running.
 */
export const signInClock: Clock = {
  now: () => Date.now(),
  at(ms, run) {
    const timer = setTimeout(run, Math.min(Math.max(0, ms - Date.now()), MAX_TIMER_MS));
    return () => clearTimeout(timer);
  },
};

/** A server's words as one plain line (they end up in a terminal, a notification, a page). */
export const plainLine = oneLine;

/** "5 min", "90 s", "1.5 s". */
export function humanDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

/** Parameters the flows set themselves: extraParams may not replace them. */
const RESERVED_PARAMETERS = new Set(SIGN_IN_PARAMETERS);

/** `audience` and `extraParams` as request parameters; a reserved name is a settings error. */
export function extraRequestParameters(client: ClientSettings): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(client.extraParams ?? {})) {
    if (RESERVED_PARAMETERS.has(name)) {
      throw new SignInError(
        'bad_settings',
        `extraParams may not set "${name}": Tokentray sets it itself; remove it from extraParams`,
      );
    }
    parameters[name] = value;
  }
  if (client.audience) parameters.audience = client.audience;
  return parameters;
}

function assertUsableUrl(url: string, field: string): void {
  const reason = insecureUrlReason(url);
  if (reason) throw new SignInError('bad_settings', `${field} ${url} ${reason}; correct it in the settings`);
}

/** oauth4webapi options for one request: our fetch, plain http only to loopback, a time bound. */
export function requestOptions(url: string, ports: SignInPorts) {
  const parsed = new URL(url);
  const timeout = AbortSignal.timeout(ports.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  return {
    [oauth.customFetch]: ports.fetch,
    [oauth.allowInsecureRequests]: parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname),
    signal: ports.signal ? AbortSignal.any([ports.signal, timeout]) : timeout,
  };
}

/**
 * Discovery through oauth4webapi (used when the engine passes no `discover` of its own, and for an
 * `issuerRule`): the document must name `issuer`, or what the rule says.
 */
async function discoverIssuer(
  issuer: string,
  ports: SignInPorts,
  rule: IssuerRule = { kind: 'exact' },
): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  let response: Response;
  try {
    response = await oauth.discoveryRequest(issuerUrl, {
      algorithm: 'oidc',
      ...requestOptions(issuer, ports),
    });
  } catch (error) {
    throw fromRequestFailure(error, issuerUrl.host, 'discovery', ports);
  }
  const named = rule.kind === 'exact' ? undefined : (await peekJson(response))?.issuer;
  const expected = issuerToExpect(rule, issuer, named);
  if (!expected) {
    throw new SignInError(
      'discovery',
      `discovery at ${issuer} failed: the document names the issuer ${JSON.stringify(named)}, not ${describeIssuerRule(rule, issuer)}; check the issuer`,
    );
  }
  try {
    return await oauth.processDiscoveryResponse(new URL(expected.expected), response);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SignInError(
      'discovery',
      `discovery at ${issuer} failed: ${detail}; check the issuer`,
      {},
      { cause: error },
    );
  }
}

export interface ResolvedServer {
  as: oauth.AuthorizationServer;
  /**
   * False when no issuer is known (URLs given by hand, no `issuer`): the answer's `iss` and an
   * ID token's `iss` cannot be checked, so `iss` is not compared and an ID token is ignored.
   */
  issuerKnown: boolean;
}

type Endpoint = 'authorization_endpoint' | 'token_endpoint' | 'device_authorization_endpoint';

const SETTING_FOR: Record<Endpoint, Exclude<keyof EndpointSettings, 'issuerRule'>> = {
  authorization_endpoint: 'authorizationUrl',
  token_endpoint: 'tokenUrl',
  device_authorization_endpoint: 'deviceAuthorizationUrl',
};

/**
 * The server's metadata with the endpoints `needed`: URLs set by hand win; discovery on `issuer`
 * fills in the rest (and is skipped when every needed URL is given).
 */
export async function resolveServer(
  settings: EndpointSettings,
  needed: Endpoint[],
  ports: SignInPorts,
): Promise<ResolvedServer> {
  for (const field of ['issuer', 'authorizationUrl', 'tokenUrl', 'deviceAuthorizationUrl'] as const) {
    const value = settings[field];
    if (value !== undefined) assertUsableUrl(value, field);
  }
  const given: Partial<Record<Endpoint, string>> = {};
  for (const endpoint of needed) {
    const value = settings[SETTING_FOR[endpoint]];
    if (value) given[endpoint] = value;
  }
  const missing = needed.filter((endpoint) => given[endpoint] === undefined);
  let as: oauth.AuthorizationServer;
  const rule = settings.issuerRule ?? { kind: 'exact' };
  // A placeholder issuer (Entra's common, organizations) is no issuer any answer will carry.
  const placeholder = rule.kind === 'placeholder';
  if (missing.length > 0 && settings.issuer) {
    const discovered = await (ports.discover && rule.kind === 'exact'
      ? ports.discover(settings.issuer).catch((error: unknown) => {
          throw error instanceof SignInError ? error : asDiscoveryError(error, settings.issuer ?? '');
        })
      : discoverIssuer(settings.issuer, ports, rule));
    const { authorization_response_iss_parameter_supported: issParameter, ...rest } = discovered;
    // Without a known issuer there is no `iss` to expect in the answer either.
    as = {
      ...rest,
      ...(placeholder || issParameter === undefined
        ? {}
        : { authorization_response_iss_parameter_supported: issParameter }),
      ...given,
    };
  } else {
    const anyUrl =
      given.token_endpoint ?? given.authorization_endpoint ?? given.device_authorization_endpoint;
    as = { issuer: settings.issuer ?? (anyUrl ? new URL(anyUrl).origin : 'urn:unknown'), ...given };
  }
  for (const endpoint of needed) {
    const url = as[endpoint];
    if (typeof url !== 'string' || !url) {
      const where = settings.issuer
        ? `discovery at ${settings.issuer} lists no ${endpoint}`
        : 'it is not set';
      throw new SignInError(
        'bad_settings',
        `${SETTING_FOR[endpoint]} is needed for this sign-in and ${where}; set ${SETTING_FOR[endpoint]}${settings.issuer ? '' : ' or issuer'}`,
      );
    }
    assertUsableUrl(url, SETTING_FOR[endpoint]);
  }
  return { as, issuerKnown: Boolean(settings.issuer) && !placeholder };
}

function asDiscoveryError(error: unknown, issuer: string): SignInError {
  if (error instanceof TokenError && error.kind === 'transient') {
    return new SignInError('network', error.message, { status: error.status }, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new SignInError(
    'discovery',
    `discovery at ${issuer} failed: ${detail}; check the issuer`,
    {},
    { cause: error },
  );
}

/** The client authentication to use at the token (and device authorization) endpoint. */
export function clientAuthentication(client: ClientSettings): oauth.ClientAuth {
  const method = client.clientAuth ?? (client.clientSecret ? 'client_secret_basic' : 'none');
  if (method === 'none') return oauth.None();
  if (!client.clientSecret) {
    throw new SignInError(
      'bad_settings',
      `clientAuth ${method} needs a clientSecret; enter it, or use clientAuth none for a public client`,
    );
  }
  // RFC 6749 §2.3.1 for basic: both parts form-encoded, then base64 (oauth4webapi does so).
  return method === 'client_secret_post'
    ? oauth.ClientSecretPost(client.clientSecret)
    : oauth.ClientSecretBasic(client.clientSecret);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The answer's JSON body, read from a copy (oauth4webapi reads the original), or null. */
export async function peekJson(response: Response): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await response.clone().json();
    return isRecord(body) ? body : null;
  } catch {
    return null;
  }
}

/** The same answer without its `id_token` (one that cannot be checked is not looked at). */
export function withoutIdToken(response: Response, body: Record<string, unknown>): Response {
  const { id_token: _dropped, ...rest } = body;
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(JSON.stringify(rest), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/** A processed token answer as SignInTokens. */
export function toSignInTokens(
  body: oauth.TokenEndpointResponse,
  response: Response,
  obtainedAt: number,
): SignInTokens {
  const { id_token: _idToken, ...answer } = body;
  const expiresIn =
    typeof body.expires_in === 'number' && Number.isFinite(body.expires_in) ? body.expires_in : null;
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
    expiresIn,
    scope: typeof body.scope === 'string' ? body.scope : null,
    tokenType: body.token_type,
    obtainedAt,
    answer,
    dateHeader: response.headers.get('date'),
  };
}

/** Codes the engine's guarded fetch (http.ts) gives failures that carry no OAuth `error`. */
const ENGINE_CODES = new Set([
  'not_found',
  'unauthorized',
  'http_status',
  'redirect',
  'not_json',
  'invalid_response',
  'invalid_token_value',
  'insecure_url',
  'too_large',
  'stopped',
  'discovery',
]);

/** The OAuth `error` code and description in a failure from oauth4webapi or from the engine's guarded fetch. */
export function oauthErrorOf(
  error: unknown,
): { error: string; description: string | null; status: number | null } | null {
  if (error instanceof oauth.ResponseBodyError) {
    return { error: error.error, description: error.error_description ?? null, status: error.status };
  }
  if (error instanceof TokenError && error.kind !== 'transient' && !ENGINE_CODES.has(error.code)) {
    // The guarded fetch has already classified the answer: its code is then the server's `error`.
    return { error: error.code, description: error.serverMessage, status: error.status };
  }
  return null;
}

/** A failure that never reached an OAuth answer: cancelled, timed out, unreachable, not JSON. */
export function fromRequestFailure(
  error: unknown,
  host: string,
  what: string,
  ports: SignInPorts,
): SignInError {
  if (error instanceof SignInError) return error;
  if (ports.signal?.aborted) return abortedError();
  if (error instanceof TokenError) {
    const code = error.kind === 'transient' ? 'network' : 'token_error';
    return new SignInError(
      code,
      error.message,
      { serverMessage: error.serverMessage, status: error.status },
      { cause: error },
    );
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    const seconds = Math.round((ports.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / 1000);
    return new SignInError(
      'network',
      `no answer from ${host} to the ${what} request within ${seconds} s; check the network and try again`,
      {},
      { cause: error },
    );
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new SignInError(
      'invalid_response',
      `the ${what} answer of ${host} is not usable: ${plainLine(error.message)}; check the URL in the settings`,
      {},
      { cause: error },
    );
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    return new SignInError(
      'token_error',
      `${host} refused the client (HTTP ${error.status}); check the client ID, the secret and clientAuth`,
      { status: error.status },
      { cause: error },
    );
  }
  const detail =
    error instanceof Error
      ? plainLine(`${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`)
      : String(error);
  return new SignInError(
    'network',
    `could not reach ${host} (${detail}); check the network and the URL`,
    {},
    { cause: error },
  );
}

export const abortedError = () => new SignInError('aborted', 'sign-in was cancelled');

/**
 * Resolves with `work`, or rejects when `deadline` (clock time) passes or `signal` aborts,
 * whichever comes first; `onDeadline` makes the deadline's error.
 */
export function bounded<T>(
  work: Promise<T>,
  bound: { clock: Clock; deadline: number; signal?: AbortSignal; onDeadline: () => Error },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = bound;
    if (signal?.aborted) {
      // `work` is left to settle on its own (a listener closed in the caller's finally rejects
      // it): it must never become an unhandled rejection, which ends a Node process.
      work.catch(() => undefined);
      reject(abortedError());
      return;
    }
    let cancelTimer: () => void = () => undefined;
    const onAbort = () => finish(() => reject(abortedError()));
    const finish = (settle: () => void) => {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    cancelTimer = bound.clock.at(bound.deadline, () => finish(() => reject(bound.onDeadline())));
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
