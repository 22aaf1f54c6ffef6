/**
 * Device code sign-in (RFC 8628), through oauth4webapi: for a terminal, the headless agent, or a
 * machine whose browser is elsewhere.
 *
 *   const tokens = await signInWithDeviceCode(
 *     { issuer, clientId, scope: 'openid offline_access' },
 *     { fetch, signal, onCode: ({ userCode, verificationUri, expiresAt }) => show(userCode, verificationUri) },
 *   );
 *
 * 1. Endpoints: `deviceAuthorizationUrl` and `tokenUrl` when set, else discovery on `issuer`.
 * 2. The device authorization request (client_id, scope, `audience`, `extraParams`; client
 *    authentication as for the token endpoint). The answer's verification URIs must be https (or
 *    http on a loopback host): they are shown as links.
 * 3. `onCode({ userCode, verificationUri, verificationUriComplete, expiresAt, intervalSeconds })`
 *    is called once, synchronously, before the first poll: the window shows and copies the code,
 *    the CLI and the agent print it. `expiresAt` is clock time in ms.
 * 4. Polls the token endpoint every `interval` seconds (5 when the server gives none), the first
 *    poll one interval after the code was issued; `slow_down` adds 5 s to this and every later
 *    interval (§3.5); `authorization_pending` goes on; `access_denied` (Entra:
 *    `authorization_declined`) ends with access_denied; `expired_token` with expired. A poll that
 *    gets no answer (network, 5xx) is retried with the interval doubled each time (at most 60 s),
 *    and after 5 such failures in a row the sign-in fails with `network`.
 * 5. Stops at `expires_in` (capped at `maxLifetimeMs`, default 30 min) with `expired`, or when
 *    `signal` aborts with `aborted`. No poll is sent after the code's expiry.
 *
 * Time comes from `ports.clock` (`now()` and `at()`), so a test can run the whole schedule on a
 * fake clock and read the intervals back.
 */
import * as oauth from 'oauth4webapi';
import type { Clock } from '../types.js';
import { insecureUrlReason } from '../url-policy.js';
import {
  abortedError,
  clientAuthentication,
  extraRequestParameters,
  fromRequestFailure,
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

export type DeviceCodeSettings = EndpointSettings & ClientSettings;

/** What the person must see to approve the sign-in. */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** The URI with the code already in it, when the server gave one (a QR code, a one-click link). */
  verificationUriComplete: string | null;
  /** Clock time (ms) when the code expires. */
  expiresAt: number;
  intervalSeconds: number;
}

export type DeviceCodeProgress =
  | { stage: 'polling'; attempt: number; nextPollAt: number }
  | { stage: 'slow-down'; intervalSeconds: number }
  | { stage: 'retrying'; failures: number; error: string };

export interface DeviceCodePorts extends SignInPorts {
  onCode(prompt: DeviceCodePrompt): void;
  onProgress?(progress: DeviceCodeProgress): void;
  /** Upper bound on the wait, whatever expires_in says (default 30 min). */
  maxLifetimeMs?: number;
}

export const DEFAULT_DEVICE_INTERVAL_SECONDS = 5;
export const SLOW_DOWN_SECONDS = 5;
export const DEFAULT_MAX_DEVICE_LIFETIME_MS = 30 * 60_000;
const MAX_RETRY_WAIT_MS = 60_000;
const MAX_FAILURES_IN_A_ROW = 5;

/** Runs one device code sign-in and returns its tokens, or throws a SignInError. */
export async function signInWithDeviceCode(
  settings: DeviceCodeSettings,
  ports: DeviceCodePorts,
): Promise<SignInTokens> {
  const clock = ports.clock ?? signInClock;
  if (ports.signal?.aborted) throw abortedError();
  const auth = clientAuthentication(settings);
  const extra = extraRequestParameters(settings);
  const { as, issuerKnown } = await resolveServer(
    settings,
    ['device_authorization_endpoint', 'token_endpoint'],
    ports,
  );
  const client: oauth.Client = { client_id: settings.clientId };
  const deviceUrl = as.device_authorization_endpoint ?? '';
  const deviceHost = new URL(deviceUrl).host;

  let device: oauth.DeviceAuthorizationResponse;
  // The code's life is counted from before the request: the server started it before we heard of
  // it, so a poll we think is just in time may reach a server that already forgot the code (which
  // oidc-provider then calls invalid_grant, not expired_token).
  const requestedAt = clock.now();
  try {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      { ...extra, ...(settings.scope ? { scope: settings.scope } : {}) },
      requestOptions(deviceUrl, ports),
    );
    device = await oauth.processDeviceAuthorizationResponse(as, client, response);
  } catch (error) {
    throw deviceAuthorizationFailure(error, deviceHost, ports);
  }
  const issuedAt = clock.now();
  const lifetimeMs = Math.min(
    Math.max(0, device.expires_in) * 1000,
    ports.maxLifetimeMs ?? DEFAULT_MAX_DEVICE_LIFETIME_MS,
  );
  const expiresAt = requestedAt + lifetimeMs;
  let intervalSeconds =
    typeof device.interval === 'number' && device.interval >= 1
      ? device.interval
      : DEFAULT_DEVICE_INTERVAL_SECONDS;
  const verificationUri = checkedLink(device.verification_uri, 'verification_uri', deviceHost);
  const complete = device.verification_uri_complete;
  ports.onCode({
    userCode: checkedUserCode(device.user_code, deviceHost),
    verificationUri,
    verificationUriComplete: complete ? checkedLink(complete, 'verification_uri_complete', deviceHost) : null,
    expiresAt,
    intervalSeconds,
  });

  const tokenUrl = as.token_endpoint ?? '';
  const tokenHost = new URL(tokenUrl).host;
  let failures = 0;
  let lastPollAt = issuedAt;
  for (let attempt = 1; ; attempt++) {
    const waitMs =
      failures === 0
        ? intervalSeconds * 1000
        : Math.min(
            intervalSeconds * 1000 * 2 ** failures,
            Math.max(MAX_RETRY_WAIT_MS, intervalSeconds * 1000),
          );
    const pollAt = lastPollAt + waitMs;
    ports.onProgress?.({ stage: 'polling', attempt, nextPollAt: Math.min(pollAt, expiresAt) });
    await sleepUntil(clock, Math.min(pollAt, expiresAt), ports.signal);
    if (pollAt >= expiresAt) throw expiredError(lifetimeMs);
    lastPollAt = clock.now();
    let response: Response;
    try {
      response = await oauth.deviceCodeGrantRequest(
        as,
        client,
        auth,
        device.device_code,
        requestOptions(tokenUrl, ports),
      );
      // An ID token that cannot be checked (no known issuer: Entra's `common`) is dropped unread.
      const peeked = issuerKnown ? null : await peekJson(response);
      const checked =
        peeked !== null && typeof peeked.id_token === 'string' ? withoutIdToken(response, peeked) : response;
      const body = await oauth.processDeviceCodeResponse(as, client, checked);
      return toSignInTokens(body, response, clock.now());
    } catch (error) {
      if (ports.signal?.aborted) throw abortedError();
      const oauthError = oauthErrorOf(error);
      const code = oauthError?.error;
      if (code === 'authorization_pending') {
        failures = 0;
        continue;
      }
      if (code === 'slow_down') {
        failures = 0;
        intervalSeconds += SLOW_DOWN_SECONDS;
        ports.onProgress?.({ stage: 'slow-down', intervalSeconds });
        continue;
      }
      const said = oauthError?.description ? `: ${plainLine(oauthError.description)}` : '';
      const extraInfo = {
        serverError: code ?? null,
        serverMessage: oauthError?.description ?? null,
        status: oauthError?.status ?? null,
      };
      if (code === 'access_denied' || code === 'authorization_declined') {
        throw new SignInError(
          'access_denied',
          `the sign-in was refused or cancelled at ${tokenHost} (${code}${said}); start sign-in again and approve it with the code shown`,
          extraInfo,
          { cause: error },
        );
      }
      if (code === 'expired_token') {
        throw new SignInError('expired', expiredError(lifetimeMs).message, extraInfo, { cause: error });
      }
      if (oauthError) {
        throw new SignInError(
          'token_error',
          `${tokenHost} refused the device code sign-in (${code}${said}); check the client ID, the secret and that the client may use the device flow`,
          extraInfo,
          { cause: error },
        );
      }
      const failure = fromRequestFailure(error, tokenHost, 'token', ports);
      if (failure.code !== 'network') throw failure;
      failures += 1;
      if (failures >= MAX_FAILURES_IN_A_ROW) throw failure;
      ports.onProgress?.({ stage: 'retrying', failures, error: failure.message });
    }
  }
}

function expiredError(lifetimeMs: number): SignInError {
  const minutes = Math.max(1, Math.round(lifetimeMs / 60_000));
  return new SignInError(
    'expired',
    `the device code expired before the sign-in was approved (it was valid for about ${minutes} min); start sign-in again and enter the new code soon`,
  );
}

/** A verification URI is shown as a link: only https (or http on loopback). */
/** Longer than this, a server's verification link or user code is no link or code a person can use. */
const MAX_LINK_LENGTH = 2048;
const MAX_USER_CODE_LENGTH = 64;

/** The user code as a person must type it: short, printable, one line. */
function checkedUserCode(code: string, host: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it keeps out
  if (code.length === 0 || code.length > MAX_USER_CODE_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(code))
    throw new SignInError(
      'invalid_response',
      `${host} gave a user_code no person could type (${code.length} characters${code.length > MAX_USER_CODE_LENGTH ? `, over ${MAX_USER_CODE_LENGTH}` : ''}, or control characters); check deviceAuthorizationUrl`,
    );
  return code;
}

function checkedLink(uri: string, field: string, host: string): string {
  if (uri.length > MAX_LINK_LENGTH)
    throw new SignInError(
      'invalid_response',
      `${host} gave a ${field} of ${uri.length} characters (over ${MAX_LINK_LENGTH}); it is not shown: check deviceAuthorizationUrl`,
    );
  const reason = insecureUrlReason(uri);
  if (reason) {
    throw new SignInError(
      'invalid_response',
      `${host} gave a ${field} that ${reason} (${plainLine(uri, 100)}); it is not shown: check deviceAuthorizationUrl`,
    );
  }
  return uri;
}

function deviceAuthorizationFailure(error: unknown, host: string, ports: SignInPorts): SignInError {
  const oauthError = oauthErrorOf(error);
  if (!oauthError) return fromRequestFailure(error, host, 'device authorization', ports);
  const said = oauthError.description ? `: ${plainLine(oauthError.description)}` : '';
  return new SignInError(
    'token_error',
    `${host} refused to start a device code sign-in (${oauthError.error}${said}); check the client ID, the scope and that the client may use the device flow`,
    { serverError: oauthError.error, serverMessage: oauthError.description, status: oauthError.status },
    { cause: error },
  );
}

/** Waits until clock time `at`, or rejects with `aborted`. */
function sleepUntil(clock: Clock, at: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError());
      return;
    }
    let due = false;
    const onAbort = () => {
      cancel();
      reject(abortedError());
    };
    const cancel = clock.at(at, () => {
      due = true;
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    if (!due) signal?.addEventListener('abort', onAbort, { once: true });
  });
}
