/**
 * Interactive sign-in for the `authorization_code` and `device_code` grants, self-contained: the
 * engine calls these with an account's settings and its ports and keeps the tokens they return
 * (the refresh token then lives on like any other: rotated, persisted before use).
 *
 * - signInWithAuthorizationCode (authorization-code.ts): the system browser, PKCE S256, a
 *   one-shot loopback listener (loopback.ts).
 * - signInWithDeviceCode (device-code.ts): RFC 8628, the code handed to `onCode`.
 * - SignInError (errors.ts): every failure, typed, with what to do first.
 */
export {
  signInWithAuthorizationCode,
  DEFAULT_SIGN_IN_TIMEOUT_MS,
  type AuthorizationCodeSettings,
  type AuthorizationCodePorts,
  type AuthorizationCodeProgress,
} from './authorization-code.js';
export {
  signInWithDeviceCode,
  DEFAULT_DEVICE_INTERVAL_SECONDS,
  SLOW_DOWN_SECONDS,
  type DeviceCodeSettings,
  type DeviceCodePorts,
  type DeviceCodePrompt,
  type DeviceCodeProgress,
} from './device-code.js';
export {
  signInClock,
  type ClientSettings,
  type EndpointSettings,
  type InteractiveClientAuth,
  type SignInFetch,
  type SignInPorts,
  type SignInTokens,
} from './common.js';
export { DEFAULT_REDIRECT_PATH, parseRedirectUri } from './loopback.js';
export { SignInError, SIGN_IN_FAILURES, isSignInError, type SignInFailure } from './errors.js';
