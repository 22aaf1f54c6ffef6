/**
 * Browser sign-in: the OAuth 2.0 authorization code grant for a native app (RFC 6749 §4.1,
 * RFC 8252, RFC 7636, RFC 9700 §2.1.1), through oauth4webapi.
 *
 *   const tokens = await signInWithAuthorizationCode(
 *     { issuer, clientId, scope: 'openid offline_access' },          // the account's settings
 *     { fetch, openBrowser: (url) => shell.openExternal(url), signal },  // the host's ports
 *   );
 *   // tokens: { accessToken, refreshToken, expiresIn, scope, tokenType, obtainedAt, answer, dateHeader }
 *
 * What it does, in order:
 * 1. Endpoints: `authorizationUrl` and `tokenUrl` when set, else discovery on `issuer`
 *    (`ports.discover` lets the engine use its cache). If discovery lists
 *    `code_challenge_methods_supported` without S256, it stops there (bad_settings).
 * 2. A loopback listener on 127.0.0.1 (port chosen now, RFC 8252 §7.3) unless `redirectUri` fixes
 *    one; see loopback.ts. Its URI is the `redirect_uri`.
 * 3. PKCE S256 always, a fresh `state`, and a `nonce` when `openid` is in the scope; `audience`
 *    and `extraParams` join the authorization request (not the token request).
 * 4. `ports.openBrowser(url)`: the system browser, never an embedded window. It should resolve
 *    once the browser was asked to open; a rejection fails the sign-in with `browser_failed`.
 *    `onProgress` is told the URL first, so a window or terminal can show it as a fallback link.
 * 5. Waits for the redirect, at most `timeoutMs` (default 5 min) from the browser's opening, or
 *    until `signal` aborts. A redirect with another state is refused (its tab says why) and the
 *    wait goes on: the genuine answer still works. Only if none came does it fail, with
 *    `state_mismatch` when one was refused and `timeout` otherwise.
 * 6. The answer is checked (state; RFC 9207 `iss` when the issuer is known; `error=`), the code is
 *    exchanged with the verifier, and an ID token, if one comes back, is checked by oauth4webapi
 *    (issuer, audience, expiry, our nonce). Only then does the tab get its page: "Signed in — you
 *    can close this tab", or "Sign-in failed" with the same message the SignInError carries.
 * 7. The listener is closed, whatever happened.
 *
 * Failures are SignInErrors (errors.ts): state_mismatch, access_denied (the user cancelled at the
 * server), timeout, code_refused (invalid_grant at the token endpoint, e.g. a PKCE mismatch),
 * aborted, authorization_error, issuer_mismatch, browser_failed, listener_failed, bad_settings,
 * discovery, token_error, invalid_response, network.
 *
 * With the engine's guarded fetch: its answers lose `id_token`, so the nonce is then not checked
 * (PKCE already binds the code to this sign-in); everything else works the same.
 */
import * as oauth from 'oauth4webapi';
import {
  abortedError,
  bounded,
  clientAuthentication,
  extraRequestParameters,
  fromRequestFailure,
  humanDuration,
  oauthErrorOf,
  peekJson,
  plainLine,
  requestOptions,
  resolveServer,
  signInClock,
  toSignInTokens,
  withoutIdToken,
  type ClientSettings,
  type EndpointSettings,
  type SignInPorts,
  type SignInTokens,
} from './common.js';
import { SignInError } from './errors.js';
import { failurePage, openLoopbackListener, successPage, type LoopbackCallback } from './loopback.js';

/** The account's settings for a browser sign-in. */
export interface AuthorizationCodeSettings extends EndpointSettings, ClientSettings {
  /** A fixed redirect URI, for servers that need an exact match (http://127.0.0.1:PORT/path). */
  redirectUri?: string;
}

/** What the sign-in is doing, for a progress line ("waiting for the browser — Cancel"). */
export type AuthorizationCodeProgress =
  | { stage: 'waiting-for-browser'; authorizationUrl: string; redirectUri: string; deadline: number }
  | { stage: 'refused-redirect'; refused: number }
  | { stage: 'exchanging-code' };

export interface AuthorizationCodePorts extends SignInPorts {
  /** Opens the system browser at `url`; resolves once it was asked to. */
  openBrowser(url: string): Promise<void>;
  /** How long the person has to finish in the browser (default 5 min). */
  timeoutMs?: number;
  onProgress?(progress: AuthorizationCodeProgress): void;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** Runs one browser sign-in and returns its tokens, or throws a SignInError. */
export async function signInWithAuthorizationCode(
  settings: AuthorizationCodeSettings,
  ports: AuthorizationCodePorts,
): Promise<SignInTokens> {
  const clock = ports.clock ?? signInClock;
  if (ports.signal?.aborted) throw abortedError();
  const auth = clientAuthentication(settings);
  const extra = extraRequestParameters(settings);
  const { as, issuerKnown } = await resolveServer(
    settings,
    ['authorization_endpoint', 'token_endpoint'],
    ports,
  );
  const methods = as.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    throw new SignInError(
      'bad_settings',
      `${as.issuer} does not offer PKCE with S256 (it lists ${methods.join(', ') || 'no method'}); Tokentray signs in only with S256: ask the server's administrator to enable it`,
    );
  }
  const client: oauth.Client = { client_id: settings.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const scopes = (settings.scope ?? '').split(' ').filter(Boolean);
  const nonce = scopes.includes('openid') ? oauth.generateRandomNonce() : undefined;

  const listener = await openLoopbackListener({
    redirectUri: settings.redirectUri,
    expectedState: state,
    onRefused: () => ports.onProgress?.({ stage: 'refused-redirect', refused: listener.refused }),
  });
  let callback: LoopbackCallback | undefined;
  try {
    const url = new URL(as.authorization_endpoint ?? '');
    const query = {
      ...extra,
      response_type: 'code',
      client_id: settings.clientId,
      redirect_uri: listener.redirectUri,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      ...(nonce ? { nonce } : {}),
    };
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    // An authorizationUrl that asks for form_post or a fragment would send the answer where the
    // loopback listener never sees it (a 5-minute wait): the default, the query, it is.
    url.searchParams.delete('response_mode');

    const timeoutMs = ports.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
    const deadline = clock.now() + timeoutMs;
    ports.onProgress?.({
      stage: 'waiting-for-browser',
      authorizationUrl: url.href,
      redirectUri: listener.redirectUri,
      deadline,
    });
    const opened = Promise.resolve()
      .then(() => ports.openBrowser(url.href))
      .catch((error: unknown) => {
        const detail = error instanceof Error ? error.message : String(error);
        throw new SignInError(
          'browser_failed',
          `the browser could not be opened (${plainLine(detail)}); open the sign-in link by hand, or use the device code sign-in`,
          {},
          { cause: error },
        );
      });
    // The answer may come before openBrowser resolves; a failure to open ends the wait at once.
    const arrival = Promise.race([listener.callback, opened.then(() => listener.callback)]);
    callback = await bounded(arrival, {
      clock,
      deadline,
      signal: ports.signal,
      onDeadline: () =>
        listener.refused > 0
          ? new SignInError(
              'state_mismatch',
              `the browser came back with a sign-in answer that does not belong to this sign-in (its state did not match), and the real one did not arrive within ${humanDuration(timeoutMs)}; close the older sign-in tabs, start sign-in again and finish it in the tab it opens`,
            )
          : new SignInError(
              'timeout',
              `sign-in did not finish within ${humanDuration(timeoutMs)}; start it again and complete it in the browser tab that opens (if none opens, open the link shown)`,
            ),
    });

    const params = validateAnswer(as, client, callback.params, state, issuerKnown);
    ports.onProgress?.({ stage: 'exchanging-code' });
    const tokens = await exchangeCode(
      as,
      client,
      auth,
      params,
      listener.redirectUri,
      verifier,
      nonce,
      issuerKnown,
      {
        ...ports,
        clock,
      },
    );
    callback.respond(successPage());
    return tokens;
  } catch (error) {
    const failure =
      error instanceof SignInError ? error : fromRequestFailure(error, 'the server', 'sign-in', ports);
    callback?.respond(failurePage(sentence(failure.message)));
    throw failure;
  } finally {
    await listener.close();
  }
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

/** Checks the redirect's parameters: state, `iss` (when the issuer is known), `error=`. */
function validateAnswer(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  received: URLSearchParams,
  state: string,
  issuerKnown: boolean,
): URLSearchParams {
  const params = new URLSearchParams(received);
  // Without a known issuer there is nothing to compare `iss` with (URLs set by hand, no issuer).
  if (!issuerKnown) params.delete('iss');
  const host = new URL(as.authorization_endpoint ?? as.issuer).host;
  try {
    return oauth.validateAuthResponse(as, client, params, state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      const said = error.error_description ? `: ${plainLine(error.error_description)}` : '';
      const extra = { serverError: error.error, serverMessage: error.error_description ?? null };
      if (error.error === 'access_denied') {
        return fail(
          'access_denied',
          `sign-in was cancelled or refused at ${host} (access_denied${said}); start sign-in again and approve the access when asked`,
          extra,
          error,
        );
      }
      return fail(
        'authorization_error',
        `${host} refused the sign-in (${error.error}${said}); check the client ID, the scope and the redirect URI registered for this client`,
        extra,
        error,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    if (/"iss"/.test(message)) {
      return fail(
        'issuer_mismatch',
        `the sign-in answer came from another issuer than ${as.issuer} (${plainLine(message)}); check the issuer setting and sign in again`,
        {},
        error,
      );
    }
    if (/"state"/.test(message)) {
      return fail(
        'state_mismatch',
        `the sign-in answer does not belong to this sign-in (${plainLine(message)}); start sign-in again`,
        {},
        error,
      );
    }
    return fail('invalid_response', `the sign-in answer is not usable: ${plainLine(message)}`, {}, error);
  }
}

function fail(
  code: ConstructorParameters<typeof SignInError>[0],
  message: string,
  extra: ConstructorParameters<typeof SignInError>[2],
  cause: unknown,
): never {
  throw new SignInError(code, message, extra, { cause });
}

/** The token request: the code with its PKCE verifier; then the answer, ID token included, checked. */
async function exchangeCode(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  auth: oauth.ClientAuth,
  params: URLSearchParams,
  redirectUri: string,
  verifier: string,
  nonce: string | undefined,
  issuerKnown: boolean,
  ports: SignInPorts & { clock: NonNullable<SignInPorts['clock']> },
): Promise<SignInTokens> {
  const tokenUrl = as.token_endpoint ?? '';
  const host = new URL(tokenUrl).host;
  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, {
      ...requestOptions(tokenUrl, ports),
    });
  } catch (error) {
    throw codeFailure(error, host, ports);
  }
  const obtainedAt = ports.clock.now();
  const body = await peekJson(response);
  const hasIdToken = typeof body?.id_token === 'string';
  // An ID token that cannot be checked (no known issuer) is dropped unread rather than trusted.
  const checked = hasIdToken && !issuerKnown && body ? withoutIdToken(response, body) : response;
  try {
    const processed = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      checked,
      hasIdToken && issuerKnown && nonce ? { expectedNonce: nonce } : {},
    );
    return toSignInTokens(processed, response, obtainedAt);
  } catch (error) {
    throw codeFailure(error, host, ports);
  }
}

function codeFailure(error: unknown, host: string, ports: SignInPorts): SignInError {
  const oauthError = oauthErrorOf(error);
  if (oauthError) {
    const said = oauthError.description ? `: ${plainLine(oauthError.description)}` : '';
    const extra = {
      serverError: oauthError.error,
      serverMessage: oauthError.description,
      status: oauthError.status,
    };
    if (oauthError.error === 'invalid_grant') {
      return new SignInError(
        'code_refused',
        `${host} refused the sign-in code (invalid_grant${said}); start sign-in again, and if it keeps failing check that the client ID and redirect URI are the ones registered and that the server accepts PKCE (S256)`,
        extra,
        { cause: error },
      );
    }
    return new SignInError(
      'token_error',
      `${host} refused the token request (${oauthError.error}${said}); check the client ID, the secret and clientAuth`,
      extra,
      { cause: error },
    );
  }
  if (error instanceof oauth.OperationProcessingError && /nonce/.test(error.message)) {
    return new SignInError(
      'invalid_response',
      `the ID token from ${host} does not carry this sign-in's nonce; sign in again, and if it keeps failing report it to the server's administrator`,
      {},
      { cause: error },
    );
  }
  return fromRequestFailure(error, host, 'token', ports);
}
