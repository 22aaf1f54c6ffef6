/**
 * "Test connection": a token obtained with the values of a form, without saving anything.
 *
 * A refresh token is the one thing a test cannot use without a trace: the server may rotate it, so
 * the one typed in is dead once tested. The answer is therefore kept (in memory, for a few minutes)
 * and a save of the same form starts from it instead of the spent token. A stored refresh token is
 * never spent by a test: that would kill the saved account's token.
 */
import { createHash } from 'node:crypto';
import { iso, type Runtime } from './account-state.js';
import { splitSecrets, validateAccountInput, type AccountDefinition } from './accounts/schema.js';
import { TokenError, toErrorInfo } from './errors.js';
import { expiredOnArrival } from './expiry.js';
import { decodeJwt } from './jwt.js';
import { redactErrorInfo, redactionList } from './log.js';
import { flowFor, type FlowContext, type ObtainedToken } from './providers/index.js';
import { signInKindOf } from './presets/index.js';
import { secretReader } from './records.js';
import { runSignIn, type SignInDeps } from './sign-in.js';
import type { AccountInput, Cipher, ErrorInfo, SignInOptions, TestResult } from './types.js';

/** How long the answer to a spent refresh token waits for the form to be saved. */
export const SPENT_REFRESH_KEPT_MS = 15 * 60_000;

/** Answers to refresh tokens spent by tests, by a hash of the spent token (never the token itself). */
export interface SpentRefreshTokens {
  keep(spent: string, obtained: ObtainedToken, now: number): void;
  /** The answer a test got for `spent`, once, if it is recent enough. */
  take(spent: string, now: number): ObtainedToken | null;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSpentRefreshTokens(): SpentRefreshTokens {
  const kept = new Map<string, { obtained: ObtainedToken; at: number }>();
  return {
    keep(spent, obtained, now) {
      for (const [key, entry] of kept) if (now - entry.at > SPENT_REFRESH_KEPT_MS) kept.delete(key);
      kept.set(digest(spent), { obtained, at: now });
    },
    take(spent, now) {
      const key = digest(spent);
      const entry = kept.get(key);
      kept.delete(key);
      return entry && now - entry.at <= SPENT_REFRESH_KEPT_MS ? entry.obtained : null;
    },
  };
}

/** True for a definition whose grant needs a person (authorization_code, device_code). */
export const isInteractiveDefinition = (definition: AccountDefinition) =>
  signInKindOf(definition.preset, splitSecrets(definition).settings) !== null;

/**
 * What a sign-in by Test connection is kept under until the form is saved: the connection's
 * settings (not the name, label or notification settings, which a save may change) and a hash of
 * the client secret typed in. Never a secret itself.
 */
export function signInKey(definition: AccountDefinition): string {
  const { settings, secrets } = splitSecrets(definition);
  const {
    name: _n,
    label: _l,
    notifyBeforeSeconds: _nb,
    cliAccess: _c,
    refreshBeforeSeconds: _r,
    ...connection
  } = settings;
  const sorted = Object.fromEntries(Object.entries(connection).sort(([a], [b]) => a.localeCompare(b)));
  const secret = secrets.clientSecret === undefined ? '' : digest(secrets.clientSecret);
  return `sign-in ${JSON.stringify(sorted)} ${secret}`;
}

/** True for a definition whose grant spends a refresh token. */
export const usesRefreshGrant = (definition: AccountDefinition) =>
  definition.preset === 'oauth2' && definition.grantType === 'refresh_token';

const failed = (error: ErrorInfo): TestResult => ({ ok: false, error });

/** Runs the input's flow once; `existing` lends the stored secrets the input leaves out. */
export async function runConnectionTest(
  ports: { flowContext: FlowContext; cipher: Cipher; spent: SpentRefreshTokens; signIn?: SignInDeps },
  input: AccountInput,
  existing: Runtime | undefined,
  signInOptions: SignInOptions = {},
): Promise<TestResult> {
  const outcome = validateAccountInput(input, {
    storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
  });
  if (!outcome.ok) {
    return failed({
      code: 'validation',
      message: outcome.issues.map((i) => `${i.field}: ${i.message}`).join('; '),
      serverMessage: null,
      status: null,
    });
  }
  const { settings, secrets } = splitSecrets(outcome.definition);
  const spendsRefreshToken = usesRefreshGrant(outcome.definition);
  const typedRefreshToken = secrets.refreshToken;
  if (spendsRefreshToken && typedRefreshToken === undefined) {
    return failed({
      code: 'would_spend_refresh_token',
      message:
        'Testing would spend the stored refresh token (the server may replace it, and the account would lose it). Use Renew now on the saved account, or paste a new refresh token to test with.',
      serverMessage: null,
      status: null,
    });
  }
  const known: string[] = [];
  const interactive = isInteractiveDefinition(outcome.definition);
  try {
    const read = secretReader(ports.cipher, existing ?? null, secrets, known);
    let obtained: ObtainedToken;
    if (interactive) {
      // Signs in for real; the tokens wait (in memory) for the form to be saved.
      if (!ports.signIn) throw new TokenError('not_interactive', 'this host cannot run a sign-in', 'config');
      obtained = await runSignIn(
        ports.signIn,
        outcome.definition.preset,
        settings,
        await read('clientSecret'),
        signInOptions,
      );
      ports.spent.keep(signInKey(outcome.definition), obtained, ports.flowContext.now());
    } else {
      obtained = await flowFor(outcome.definition.preset).obtain(ports.flowContext, {
        settings,
        secret: read,
        refreshToken: null,
      });
    }
    if (spendsRefreshToken && typedRefreshToken !== undefined)
      ports.spent.keep(typedRefreshToken, obtained, ports.flowContext.now());
    if (expiredOnArrival(obtained.expiresAt, obtained.obtainedAt)) {
      throw new TokenError(
        'expired_on_arrival',
        `the token server issued a token that had already expired when it arrived (${obtained.expirySource ?? 'expiry'} ${iso(obtained.expiresAt) ?? ''})`,
        'transient',
      );
    }
    const lifetime =
      obtained.expiresAt === null ? null : Math.round((obtained.expiresAt - obtained.obtainedAt) / 1000);
    return {
      ok: true,
      tokenType: obtained.tokenType,
      expiresAt: iso(obtained.expiresAt),
      lifetimeSeconds: lifetime,
      scope: obtained.scope,
      hasRefreshToken: obtained.refreshToken !== null,
      spentRefreshToken: spendsRefreshToken,
      signedIn: interactive,
      jwt: decodeJwt(obtained.accessToken),
    };
  } catch (error) {
    const forms = redactionList(settings, [...known, ...Object.values(secrets)]);
    return failed(redactErrorInfo(toErrorInfo(error), forms));
  }
}
