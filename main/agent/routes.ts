/**
 * The local API's endpoints (CONTRACT §3 plus what the CLI needs), as plain functions from a
 * request to a status and a JSON body. Transport, limits and timeouts live in server.ts.
 *
 *   GET    /v1/accounts                              200 { accounts: [...] }  (list --json)
 *   GET    /v1/accounts/NAME/token?minValid=S        200 { accessToken, tokenType, expiresAt }
 *   GET    /v1/accounts/NAME/header?minValid=S       200 { header: "Authorization: Bearer ..." }
 *          (either with &rejected=1: the API refused the last token; renewed, at most every 30 s)
 *   POST   /v1/accounts/NAME/refresh                 200 { renewed, message, account }
 *   POST   /v1/accounts/NAME/login[?openBrowser=1]   200, streamed (application/x-ndjson), one event
 *          per line: { event: "waiting-for-browser", authorizationUrl, redirectUri, deadline,
 *          browserOpened } or { event: "device-code", userCode, verificationUri,
 *          verificationUriComplete, expiresAt, intervalSeconds }, then "polling", "slow-down",
 *          "exchanging-code", "waiting" (a keep-alive every 20 s), and last { event: "signed-in",
 *          account } or { event: "failed", error, message }. 409 not_interactive for an account
 *          whose grant needs no person. Hanging up cancels the sign-in.
 *   DELETE /v1/accounts/NAME                         200 { removed: NAME }
 *   POST   /v1/import   (body: an import file)       200 { accounts: [{ name, preset, action }] }
 *
 * Every path refuses a query parameter it does not take (400), so a misspelt or invented one
 * (`minvalid`, `dryRun`) is never ignored in silence.
 *
 * Errors: 400 bad request / invalid import ({ error, message, issues? }), 403 CLI access off,
 * 404 no such account ({ error, message, accounts: [up to 50 names, look-alikes first], accountsTotal }), 405, 502 the provider failed
 * ({ error, message } with the server's text), 500 anything else.
 */
import {
  CliAccessDeniedError,
  NoSuchAccountError,
  StoreError,
  TokenError,
  ValidationError,
} from '../engine/errors.js';
import { ACCOUNT_NAME_PATTERN } from '../engine/accounts/fields.js';
import { parseImportText } from '../engine/accounts/import-text.js';
import { formatToken } from '../engine/formats.js';
import type { Logger } from '../engine/log.js';
import { rankLookAlikes } from './look-alikes.js';
import { noSignInMessage, toListJson } from '../engine/views.js';
import { IMPORT_BODY_LIMIT, SMALL_BODY_LIMIT } from './limits.js';
import type { AccountListEntry, AccountView, Engine, IssuedToken } from '../engine/types.js';

/** Log sink for the API (the engine's Logger): only account names and outcomes are ever passed to it. */
export type ApiLogger = Logger;

export interface ApiResponse {
  status: number;
  body: unknown;
  /**
   * A streamed answer instead of `body`: events written as they happen, one JSON object per line
   * (application/x-ndjson); `signal` is aborted when the client hangs up.
   */
  stream?: (write: (event: Record<string, unknown>) => void, signal: AbortSignal) => Promise<void>;
  /**
   * Told whether the answer went out (true) or the client had hung up first (false): the line
   * recording who got which token is written then, so it says what happened, not what was meant.
   */
  sent?: (delivered: boolean) => void;
}

/** A matched endpoint: how much body it accepts, and what it does with it. */
export interface ApiRoute {
  bodyLimit: number;
  run(body: Buffer): Promise<ApiResponse>;
  /**
   * The answer now, for a bodiless request, when the endpoint has nothing to wait for (a cached
   * token); null to go through `run`. Answering in the turn the request arrived saved 13 µs of a
   * token's p50 in bench/socket-api.ts (issue #10) against answering after a single await.
   */
  runNow?(): ApiResponse | null;
}

export { IMPORT_BODY_LIMIT, SMALL_BODY_LIMIT } from './limits.js';

/** As the CLI's (args-quick.ts): exact in milliseconds; a value no token meets is a 502, not a 400. */
const MAX_MIN_VALID_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

function problem(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): ApiResponse {
  return { status, body: { error, message, ...extra } };
}

/** CONTRACT §2 `list --json` entry for one account (the engine's own definition). */
export function listEntry(view: AccountView): AccountListEntry {
  return toListJson([view]).accounts[0] as AccountListEntry;
}

/** A token failure as one line: the engine's message plus the token server's own words. */
export function describeTokenError(error: TokenError): string {
  const server = error.serverMessage;
  return server !== null && server !== '' && !error.message.includes(server)
    ? `${error.message}: ${server}`
    : error.message;
}

/** At most this many names in a 404: the closest to the one asked for (4,500 accounts made 48 KB). */
export const NAMES_IN_A_404 = 50;

function noSuchAccount(engine: Engine, name: string): ApiResponse {
  const all = engine.list().map((view) => view.name);
  const accounts = rankLookAlikes(name, all).slice(0, NAMES_IN_A_404);
  return problem(404, 'no_such_account', `no account named ${JSON.stringify(name)}`, {
    accounts,
    accountsTotal: all.length,
  });
}

function failure(engine: Engine, log: ApiLogger, action: string, name: string, error: unknown): ApiResponse {
  if (error instanceof NoSuchAccountError) return noSuchAccount(engine, name);
  if (error instanceof CliAccessDeniedError) {
    log.warn(`${action} refused`, { account: name, outcome: error.code });
    return problem(403, error.code, error.message);
  }
  if (error instanceof TokenError && error.code === 'stopped') {
    return problem(503, 'agent_stopping', 'the agent is stopping; ask the next one');
  }
  if (error instanceof TokenError) {
    log.warn(`${action} failed`, { account: name, outcome: error.code });
    return problem(502, error.code, describeTokenError(error));
  }
  if (error instanceof ValidationError)
    return problem(400, 'validation', error.message, { issues: error.issues });
  if (error instanceof StoreError) {
    log.error(`${action} failed`, { account: name, outcome: error.code });
    return problem(500, error.code, error.message);
  }
  log.error(`${action} failed`, { account: name, outcome: 'internal' });
  return problem(500, 'internal', `${action} failed: internal error in the agent (see its log)`);
}

function parseMinValid(params: URLSearchParams): number | undefined | ApiResponse {
  const raw = params.get('minValid');
  if (raw === null) return undefined;
  if (!/^\d{1,13}$/.test(raw) || Number(raw) > MAX_MIN_VALID_SECONDS) {
    return problem(
      400,
      'bad_request',
      `minValid must be a whole number of seconds from 0 to ${MAX_MIN_VALID_SECONDS}`,
    );
  }
  return Number(raw);
}

/** A yes/no parameter: 1, true or empty for yes; 0 or false (or absent) for no. */
function parseFlag(params: URLSearchParams, name: string): boolean | ApiResponse {
  const raw = params.get(name);
  if (raw === null || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true' || raw === '') return true;
  return problem(400, 'bad_request', `${name} must be 1 or 0 (true or false)`);
}

/** `rejected=1` (or true): the caller's API refused the token it had. */
const parseRejected = (params: URLSearchParams) => parseFlag(params, 'rejected');

/** What a token or header request asks for, as read from its target. */
interface TokenRequest {
  name: string;
  action: 'token' | 'header';
  minValidSeconds: number | undefined;
  rejected: boolean;
}

/** The options of the engine's token() for a request. */
const tokenOptions = (request: TokenRequest) =>
  ({ minValidSeconds: request.minValidSeconds, rejected: request.rejected, purpose: 'cli' }) as const;

function tokenServed(log: ApiLogger, action: TokenRequest['action'], token: IssuedToken): ApiResponse {
  const sent = (delivered: boolean): void => {
    if (delivered) log.info(`${action} served`, { account: token.name, outcome: 'ok' });
    else log.warn(`${action} not delivered`, { account: token.name, outcome: 'client_gone' });
  };
  if (action === 'header')
    return { status: 200, body: { header: formatToken(token.accessToken, 'header', '') }, sent };
  return {
    status: 200,
    body: { accessToken: token.accessToken, tokenType: token.tokenType, expiresAt: token.expiresAt },
    sent,
  };
}

const tokenFailed = (engine: Engine, log: ApiLogger, request: TokenRequest, error: unknown) =>
  failure(engine, log, request.action, engine.view(request.name)?.name ?? request.name, error);

// The engine refuses an unknown account and one whose CLI access is off (purpose 'cli') before
// anything else, in token() and heldToken() alike: the socket never hands out a token the user kept back.
async function issueToken(engine: Engine, log: ApiLogger, request: TokenRequest): Promise<ApiResponse> {
  try {
    return tokenServed(log, request.action, await engine.token(request.name, tokenOptions(request)));
  } catch (error) {
    return tokenFailed(engine, log, request, error);
  }
}

/** The token held in memory, or a refusal, at once; null when token() has to be waited for. */
function issueHeldToken(engine: Engine, log: ApiLogger, request: TokenRequest): ApiResponse | null {
  try {
    const token = engine.heldToken(request.name, tokenOptions(request));
    return token === null ? null : tokenServed(log, request.action, token);
  } catch (error) {
    return tokenFailed(engine, log, request, error);
  }
}

async function refreshAccount(engine: Engine, log: ApiLogger, name: string): Promise<ApiResponse> {
  const view = engine.view(name);
  if (view === undefined) return noSuchAccount(engine, name);
  if (view.preset === 'static') {
    const message = `"${view.name}" is a static token: nothing to renew`;
    return { status: 200, body: { renewed: false, message, account: listEntry(view) } };
  }
  try {
    const renewed = await engine.refresh(view.name);
    log.info('refresh done', { account: view.name, outcome: 'ok' });
    const until = renewed.expiresAt === null ? 'expiry unknown' : `valid until ${renewed.expiresAt}`;
    return {
      status: 200,
      body: { renewed: true, message: `renewed "${view.name}": ${until}`, account: listEntry(renewed) },
    };
  } catch (error) {
    return failure(engine, log, 'refresh', view.name, error);
  }
}

async function removeAccount(engine: Engine, log: ApiLogger, name: string): Promise<ApiResponse> {
  // No view: unknown, or set aside at start (a preset this version does not know); the engine
  // removes the latter by name too.
  const known = engine.view(name)?.name ?? name;
  try {
    const removed = await engine.removeAccount(known);
    if (removed === null) return noSuchAccount(engine, name);
    log.info('remove done', { account: removed, outcome: 'ok' });
    return { status: 200, body: { removed } };
  } catch (error) {
    return failure(engine, log, 'remove', known, error);
  }
}

async function importFile(engine: Engine, log: ApiLogger, body: Buffer): Promise<ApiResponse> {
  const parsed = parseImportText(body.toString('utf8'));
  if (!parsed.ok) {
    log.warn('import refused', { outcome: 'validation', issues: parsed.issues.length });
    return problem(400, 'validation', 'import file is invalid: nothing imported', { issues: parsed.issues });
  }
  const before = new Set(engine.list().map((view) => view.name.toLowerCase()));
  try {
    const imported = await engine.importAccounts(parsed.file);
    const accounts = imported.map((view) => ({
      name: view.name,
      preset: view.preset,
      action: before.has(view.name.toLowerCase()) ? 'replaced' : 'added',
    }));
    log.info('import done', { accounts: accounts.map((a) => a.name), outcome: 'ok' });
    return { status: 200, body: { accounts } };
  } catch (error) {
    if (error instanceof ValidationError) {
      log.warn('import refused', { outcome: 'validation', issues: error.issues.length });
      return problem(400, 'validation', 'import file is invalid: nothing imported', { issues: error.issues });
    }
    return failure(engine, log, 'import', '(file)', error);
  }
}

/** How often a streamed sign-in says it is still waiting (the socket's idle limit is 120 s). */
export const SIGN_IN_KEEPALIVE_MS = 20_000;

function signIn(engine: Engine, log: ApiLogger, name: string, openBrowser: boolean): ApiResponse {
  const view = engine.view(name);
  if (view === undefined) return noSuchAccount(engine, name);
  if (view.signIn === null) {
    return problem(
      409,
      'not_interactive',
      noSignInMessage(
        view.name,
        { preset: view.preset, ...view.settings },
        `use tokentray refresh ${view.name}`,
      ),
    );
  }
  return {
    status: 200,
    body: null,
    async stream(write, signal) {
      const keepAlive = setInterval(() => write({ event: 'waiting' }), SIGN_IN_KEEPALIVE_MS);
      try {
        const signedIn = await engine.signIn(view.name, {
          signal,
          openBrowser,
          onEvent: ({ stage, ...rest }) => write({ event: stage, ...rest }),
        });
        log.info('login done', { account: view.name, outcome: 'ok' });
        // False when the server issued no refresh token: the token cannot be renewed.
        write({
          event: 'signed-in',
          account: listEntry(signedIn),
          refreshTokenIssued: signedIn.hasRefreshToken,
        });
      } catch (error) {
        const answer = failure(engine, log, 'login', view.name, error);
        write({ event: 'failed', status: answer.status, ...(answer.body as Record<string, unknown>) });
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}

function methodNotAllowed(allowed: string): ApiResponse {
  return problem(405, 'method_not_allowed', `use ${allowed} for this path`);
}

const notFound = (): ApiResponse =>
  problem(404, 'not_found', 'no such endpoint: see the README for /v1/ paths');

/**
 * A 400 naming the first query parameter the route does not take, or one it takes given twice, or
 * null. A misspelt or invented
 * parameter (`minvalid`, `dryRun`) must never be ignored in silence: `DELETE …?dryRun=1` would delete.
 */
function unknownParameter(params: URLSearchParams, allowed: readonly string[] = []): ApiResponse | null {
  if (params.size === 0) return null;
  const unknown = [...params.keys()].find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    const hint = allowed.length === 0 ? 'this path takes none' : `use ${allowed.join(' or ')}`;
    return problem(400, 'bad_request', `unknown parameter ${JSON.stringify(unknown)}: ${hint}`);
  }
  // `?minValid=10&minValid=20`: which one was meant cannot be told, so neither is picked in silence.
  const twice = allowed.find((key) => params.getAll(key).length > 1);
  return twice === undefined
    ? null
    : problem(400, 'bad_request', `parameter ${JSON.stringify(twice)} is given more than once: give it once`);
}

/**
 * A path with no authority, control character, space or backslash in it: what every client sends.
 * For such a target the WHATWG URL parser (base http://localhost) cannot fail and its query is the
 * text between the first "?" and the first "#" after it, so that is parsed alone; anything else
 * goes through `new URL`, as before. (`new URL` took 1.5% of the agent's
 * profiled time per token.)
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it keeps out
const PLAIN_PATH = /^\/(?:[^\x00-\x20\x7f/\\][^\x00-\x20\x7f\\]*)?$/;

/** The query parameters of a request target, as `new URL(rawUrl, 'http://localhost')` reads them; null if it does not parse. */
export function queryOf(rawUrl: string): URLSearchParams | null {
  if (PLAIN_PATH.test(rawUrl)) {
    const hash = rawUrl.indexOf('#');
    const mark = rawUrl.indexOf('?');
    if (mark === -1 || (hash !== -1 && hash < mark)) return new URLSearchParams();
    // The "?" in front keeps one that starts the query itself ("??a") a part of the first name.
    return new URLSearchParams(`?${rawUrl.slice(mark + 1, hash === -1 ? undefined : hash)}`);
  }
  try {
    return new URL(rawUrl, 'http://localhost').searchParams;
  } catch {
    return null;
  }
}

const tokenRoute = (engine: Engine, log: ApiLogger, request: TokenRequest): ApiRoute => ({
  bodyLimit: SMALL_BODY_LIMIT,
  run: () => issueToken(engine, log, request),
  runNow: () => issueHeldToken(engine, log, request),
});

/** Matches a request to an endpoint, or answers it at once (4xx) when nothing matches. */
export function routeRequest(
  engine: Engine,
  log: ApiLogger,
  method: string,
  rawUrl: string,
): ApiRoute | ApiResponse {
  const params = queryOf(rawUrl);
  if (params === null) return problem(400, 'bad_request', 'malformed request target');
  if (!rawUrl.startsWith('/')) return problem(400, 'bad_request', 'request target must be a path');
  const small = (run: (body: Buffer) => Promise<ApiResponse>): ApiRoute => ({
    bodyLimit: SMALL_BODY_LIMIT,
    run,
  });
  // Segments from the request as sent: URL parsing would fold "." and ".." (an account name the
  // CLI passes through) into the path around them.
  const segments = rawUrl
    .replace(/[?#].*$/s, '')
    .split('/')
    .slice(1);
  if (segments[0] !== 'v1') return notFound();

  if (segments.length === 2 && segments[1] === 'import') {
    if (method !== 'POST') return methodNotAllowed('POST');
    const unknown = unknownParameter(params);
    if (unknown !== null) return unknown;
    return { bodyLimit: IMPORT_BODY_LIMIT, run: (body) => importFile(engine, log, body) };
  }
  if (segments[1] !== 'accounts') return notFound();
  if (segments.length === 2) {
    if (method !== 'GET') return methodNotAllowed('GET');
    const unknown = unknownParameter(params);
    if (unknown !== null) return unknown;
    return small(async () => ({
      status: 200,
      body:
        engine.setAside.length === 0
          ? toListJson(engine.list())
          : { ...toListJson(engine.list()), setAside: [...engine.setAside] },
    }));
  }

  let name: string;
  try {
    name = decodeURIComponent(segments[2] ?? '');
  } catch {
    return problem(400, 'bad_request', 'malformed account name in the path');
  }
  if (!ACCOUNT_NAME_PATTERN.test(name)) return small(async () => noSuchAccount(engine, name.slice(0, 64)));

  if (segments.length === 3) {
    if (method !== 'DELETE') return methodNotAllowed('DELETE');
    const unknown = unknownParameter(params);
    if (unknown !== null) return unknown;
    return small(() => removeAccount(engine, log, name));
  }
  if (segments.length !== 4) return notFound();
  const action = segments[3];
  if (action === 'token' || action === 'header') {
    if (method !== 'GET') return methodNotAllowed('GET');
    const unknown = unknownParameter(params, ['minValid', 'rejected']);
    if (unknown !== null) return unknown;
    const minValid = parseMinValid(params);
    if (typeof minValid === 'object') return minValid;
    const rejected = parseRejected(params);
    if (typeof rejected === 'object') return rejected;
    return tokenRoute(engine, log, { name, action, minValidSeconds: minValid, rejected });
  }
  if (action === 'refresh') {
    if (method !== 'POST') return methodNotAllowed('POST');
    const unknown = unknownParameter(params);
    if (unknown !== null) return unknown;
    return small(() => refreshAccount(engine, log, name));
  }
  if (action === 'login') {
    if (method !== 'POST') return methodNotAllowed('POST');
    const unknown = unknownParameter(params, ['openBrowser']);
    if (unknown !== null) return unknown;
    const open = parseFlag(params, 'openBrowser');
    if (typeof open === 'object') return open;
    return small(async () => signIn(engine, log, name, open));
  }
  return notFound();
}

const TOKEN_ROUTES_LIMIT = 256;

/**
 * routeRequest for one server, remembering the token and header targets it has read: a script
 * asks for the same one in a loop, and reading it again (the query, the segments, the name) and
 * building its route was a tenth of the agent's own work per token (issue #10). A route holds no
 * state of its own, so a remembered one answers as a new one would. Bounded; emptied when full.
 */
export function createRouter(
  engine: Engine,
  log: ApiLogger,
): (method: string, rawUrl: string) => ApiRoute | ApiResponse {
  const tokenRoutes = new Map<string, ApiRoute>();
  return (method, rawUrl) => {
    const known = method === 'GET' ? tokenRoutes.get(rawUrl) : undefined;
    if (known !== undefined) return known;
    const matched = routeRequest(engine, log, method, rawUrl);
    // Only a token or header route answers at once (runNow), and only for GET.
    if ('runNow' in matched) {
      if (tokenRoutes.size >= TOKEN_ROUTES_LIMIT) tokenRoutes.clear();
      tokenRoutes.set(rawUrl, matched);
    }
    return matched;
  };
}
