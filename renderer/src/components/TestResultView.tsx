/** What "Test connection" got back: the token's metadata, and a JWT's header and claims, decoded but not verified. */
import type { JSX } from 'preact';
import type { TestResult } from '../../../preload/contract.js';
import { signInAdvice } from '../sign-in.js';
import { formatDateTime, formatDuration, relative } from '../time.js';
import { ErrorBox } from './ErrorBox.js';
import { Icon } from './icons.js';

const TIME_CLAIMS = ['exp', 'iat', 'nbf', 'auth_time'];

function claimTimes(claims: Record<string, unknown>, now: number): JSX.Element | null {
  const rows = TIME_CLAIMS.filter((c) => typeof claims[c] === 'number');
  if (rows.length === 0) return null;
  return (
    <p class="help">
      {rows.map((claim, i) => {
        const iso = new Date((claims[claim] as number) * 1000).toISOString();
        return (
          <span key={claim}>
            {i > 0 && ' · '}
            <code>{claim}</code> {formatDateTime(iso)} ({relative(iso, now)})
          </span>
        );
      })}
    </p>
  );
}

/**
 * Renders a success or failure; `now` is the time the result arrived. `signIn`: it came from the
 * form's Sign in… (an interactive grant), whose failures say what to do in their own words.
 */
export function TestResultView({
  result,
  now,
  signIn = false,
}: {
  result: TestResult;
  now: number;
  signIn?: boolean;
}): JSX.Element {
  if (!result.ok && signIn && result.error.code === 'aborted') {
    return (
      <p class="muted" data-testid="sign-in-cancelled" id="test-result-title" tabIndex={-1}>
        Sign-in cancelled. Nothing was saved.
      </p>
    );
  }
  if (!result.ok && signIn)
    return <ErrorBox title="Sign-in failed" error={result.error} advice={signInAdvice(result.error.code)} />;
  if (!result.ok) return <ErrorBox title="Connection failed" error={result.error} />;
  const scopes = result.scope ? result.scope.split(/\s+/).filter(Boolean) : [];
  return (
    <section class="test-result" aria-labelledby="test-result-title" data-testid="test-result">
      <p class="callout-title success-text" id="test-result-title" tabIndex={-1}>
        <Icon name="check" />{' '}
        {result.signedIn ? 'Signed in: a token was issued' : 'Connection works: a token was issued'}
      </p>
      <p class="help">Nothing was saved. The token itself stays in Tokentray.</p>
      {result.signedIn && (
        <p class="help" data-testid="signed-in-kept">
          Save the account within 15 minutes, without changing its connection settings, and it keeps this
          sign-in: no second sign-in is needed.
        </p>
      )}
      {result.spentRefreshToken && (
        <p class="help" data-testid="spent-refresh-token">
          This test used the refresh token you pasted, and the server may have replaced it. Save within 15
          minutes and the account starts from the token this test got.
        </p>
      )}
      <dl class="facts">
        <dt>Token type</dt>
        <dd data-fact="tokenType">{result.tokenType}</dd>
        <dt>Expires</dt>
        <dd data-fact="expiresAt">
          {result.expiresAt
            ? `${formatDateTime(result.expiresAt)} (${relative(result.expiresAt, now)})`
            : 'Unknown: the server gave no expiry'}
        </dd>
        <dt>Lifetime</dt>
        <dd data-fact="lifetime">
          {result.lifetimeSeconds === null ? 'Unknown' : formatDuration(result.lifetimeSeconds)}
        </dd>
        <dt>Scopes</dt>
        <dd data-fact="scope">
          {scopes.length === 0
            ? 'None stated'
            : scopes.map((scope) => (
                <span class="chip" key={scope}>
                  {scope}
                </span>
              ))}
        </dd>
        <dt>Refresh token</dt>
        <dd data-fact="refreshToken">{result.hasRefreshToken ? 'Yes' : 'No'}</dd>
      </dl>
      {result.jwt && (
        <div class="jwt" data-testid="jwt">
          <p class="jwt-title">
            JSON Web Token <span class="muted">— decoded, not verified</span>
          </p>
          <div class="jwt-parts">
            <div>
              <p class="jwt-part-title">Header</p>
              <pre class="code" tabIndex={0} aria-label="JWT header, decoded, not verified">
                {JSON.stringify(result.jwt.header, null, 2)}
              </pre>
            </div>
            <div>
              <p class="jwt-part-title">Claims</p>
              <pre class="code" tabIndex={0} aria-label="JWT claims, decoded, not verified">
                {JSON.stringify(result.jwt.claims, null, 2)}
              </pre>
              {claimTimes(result.jwt.claims, now)}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
