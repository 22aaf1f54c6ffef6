/**
 * Parameters a sign-in sets itself in its authorization, device authorization and token requests:
 * `extraParams` may not replace them. Plain data that imports nothing, so the account schema and
 * the window (presets/oauth2.fields.ts) refuse the same names the sign-in would (common.ts).
 */
export const SIGN_IN_PARAMETERS: readonly string[] = [
  'response_type',
  'client_id',
  'client_secret',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
  'grant_type',
  'code',
  'device_code',
  'audience',
  // The loopback listener takes the answer in the query of a GET: form_post or a fragment never reach it.
  'response_mode',
];
