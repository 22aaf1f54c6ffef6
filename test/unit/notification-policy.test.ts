import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  planNotifications,
  redactForNotification,
  type NoticeMemory,
  type NotificationPolicyOptions,
} from '../../main/engine/notification-policy.js';
import type { AccountView } from '../../main/engine/types.js';
import { accountView } from '../fixtures/account-view.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const OPTS: NotificationPolicyOptions = { defaultNotifyBeforeSeconds: 600, paused: false };
/** Anything that looks like a JWT or a long opaque token. */
const TOKEN_LIKE = /eyJ[\w-]+\.[\w-]+|[A-Za-z0-9_\-+=~]{40,}/;

/** A healthy oauth2 account renewed a minute ago, expiring in an hour. */
function view(overrides: Partial<AccountView> & { name: string }): AccountView {
  return accountView({
    expiresAt: iso(NOW + 60 * MIN),
    lastRefreshAt: iso(NOW - MIN),
    nextRefreshAt: iso(NOW + 45 * MIN),
    tokenType: 'Bearer',
    ...overrides,
  });
}

const staticExpiringIn = (ms: number, extra: Partial<AccountView> = {}) =>
  view({ name: 'pasted', preset: 'static', renewable: false, expiresAt: iso(NOW + ms), ...extra });

function run(steps: { accounts: AccountView[]; now?: number; opts?: NotificationPolicyOptions }[]) {
  let memory: NoticeMemory = new Map();
  return steps.map((step) => {
    const plan = planNotifications(step.accounts, step.now ?? NOW, memory, step.opts ?? OPTS);
    memory = plan.memory;
    return plan.notices;
  });
}

describe('notification policy', () => {
  it('says nothing about healthy accounts', () => {
    expect(run([{ accounts: [view({ name: 'acme' })] }])).toEqual([[]]);
  });

  it('warns once when a token that cannot be renewed enters its lead time, not on every tick', () => {
    const [outside, inside, tick, laterTick] = run([
      { accounts: [staticExpiringIn(11 * MIN)] },
      { accounts: [staticExpiringIn(11 * MIN)], now: NOW + 2 * MIN },
      { accounts: [staticExpiringIn(11 * MIN)], now: NOW + 3 * MIN },
      { accounts: [staticExpiringIn(11 * MIN)], now: NOW + 9 * MIN },
    ]);
    expect(outside).toEqual([]);
    expect(inside).toEqual([
      {
        account: 'pasted',
        kind: 'expiring',
        title: 'pasted: token expires in 9 min',
        body: 'Tokentray cannot renew it automatically.',
      },
    ]);
    expect(tick).toEqual([]);
    expect(laterTick).toEqual([]);
  });

  it("uses the account's own lead time when it set one, else the global default", () => {
    const own = staticExpiringIn(20 * MIN, {
      settings: { notifyBeforeSeconds: 1800 },
      notifyBeforeSeconds: 1800,
    });
    const global = staticExpiringIn(20 * MIN, { name: 'global' });
    const [notices] = run([{ accounts: [own, global], opts: { ...OPTS, defaultNotifyBeforeSeconds: 300 } }]);
    expect(notices?.map((n) => n.account)).toEqual(['pasted']);
    const [withLongDefault] = run([
      { accounts: [global], opts: { ...OPTS, defaultNotifyBeforeSeconds: 1500 } },
    ]);
    expect(withLongDefault?.map((n) => n.kind)).toEqual(['expiring']);
  });

  it('does not warn about a renewable token nearing expiry: the engine renews it', () => {
    expect(run([{ accounts: [view({ name: 'acme', expiresAt: iso(NOW + 5 * MIN) })] }])).toEqual([[]]);
  });

  it('warns about a renewable token nearing expiry while renewals are paused', () => {
    const [notices] = run([
      { accounts: [view({ name: 'acme', expiresAt: iso(NOW + 5 * MIN) })], opts: { ...OPTS, paused: true } },
    ]);
    expect(notices).toEqual([
      {
        account: 'acme',
        kind: 'expiring',
        title: 'acme: token expires in 5 min',
        body: 'Renewals are paused.',
      },
    ]);
  });

  it('announces an expired static token once, after its expiring warning', () => {
    const [, expired, again] = run([
      { accounts: [staticExpiringIn(5 * MIN)] },
      { accounts: [staticExpiringIn(-MIN, { state: 'expired' })] },
      { accounts: [staticExpiringIn(-MIN, { state: 'expired' })], now: NOW + 10 * MIN },
    ]);
    expect(expired?.map((n) => [n.kind, n.title])).toEqual([['expired', 'pasted: token expired']]);
    expect(again).toEqual([]);
  });

  it('reports a failed renewal with its reason once the token is at risk, and only once per reason', () => {
    const failing = (code: string, left: number) =>
      view({
        name: 'acme',
        state: 'error',
        errorCode: code,
        error: 'token endpoint answered 503 Service Unavailable',
        expiresAt: iso(NOW + left),
        nextRefreshAt: iso(NOW + MIN),
      });
    const [early, atRisk, same, other] = run([
      { accounts: [failing('http_503', 50 * MIN)] },
      { accounts: [failing('http_503', 9 * MIN)] },
      { accounts: [failing('http_503', 8 * MIN)] },
      { accounts: [failing('timeout', 7 * MIN)] },
    ]);
    expect(early).toEqual([]);
    expect(atRisk).toEqual([
      {
        account: 'acme',
        kind: 'renewal-failed',
        title: 'acme: renewal failed',
        body: 'http_503: token endpoint answered 503 Service Unavailable. The token expires in 9 min.',
      },
    ]);
    expect(same).toEqual([]);
    expect(other?.map((n) => n.kind)).toEqual(['renewal-failed']);
  });

  it('warns at once when the next retry comes only after the token has expired', () => {
    const failing = (nextIn: number) =>
      view({
        name: 'acme',
        state: 'error',
        errorCode: 'server_error',
        error: 'the service is down '.repeat(20),
        expiresAt: iso(NOW + 50 * MIN),
        nextRefreshAt: iso(NOW + nextIn),
      });
    const [inTime, tooLate] = run([{ accounts: [failing(20 * MIN)] }, { accounts: [failing(55 * MIN)] }]);
    expect(inTime).toEqual([]);
    expect(tooLate).toHaveLength(1);
    expect(tooLate?.[0]?.kind).toBe('renewal-failed');
    // A long server message is shortened so that the expiry and the next attempt still show.
    expect(tooLate?.[0]?.body).toMatch(
      /^server_error: the service is down .*…\. The token expires in 50 min\. The next attempt, in 55 min, comes after it expires\.$/,
    );
    expect(tooLate?.[0]?.body.length).toBeLessThanOrEqual(200);
  });

  it('asks for sign-in once per error code, then says when it recovered', () => {
    const needsUser = view({
      name: 'msp',
      state: 'error',
      needsUser: true,
      renewable: false,
      errorCode: 'invalid_client',
      error: 'client authentication failed',
    });
    const [first, repeat, renewing, recovered, quiet] = run([
      { accounts: [needsUser] },
      { accounts: [needsUser] },
      { accounts: [view({ name: 'msp', state: 'refreshing' })] },
      { accounts: [view({ name: 'msp' })] },
      { accounts: [view({ name: 'msp' })] },
    ]);
    expect(first).toEqual([
      {
        account: 'msp',
        kind: 'sign-in-needed',
        title: 'msp: sign-in needed',
        body: 'invalid_client: client authentication failed. Open Tokentray to update the account.',
      },
    ]);
    expect(repeat).toEqual([]);
    expect(renewing).toEqual([]);
    expect(recovered).toEqual([
      { account: 'msp', kind: 'recovered', title: 'msp: working again', body: 'The token is valid again.' },
    ]);
    expect(quiet).toEqual([]);
  });

  it('asks for a secret that no longer decrypts', () => {
    const [notices] = run([
      { accounts: [view({ name: 'kde', needsUser: true, lockedSecrets: ['password'], state: 'expired' })] },
    ]);
    expect(notices?.[0]?.kind).toBe('sign-in-needed');
    expect(notices?.[0]?.body).toContain('cannot be decrypted here');
  });

  it('forgets removed accounts', () => {
    let memory: NoticeMemory = new Map();
    memory = planNotifications([staticExpiringIn(MIN)], NOW, memory, OPTS).memory;
    expect(memory.has('pasted')).toBe(true);
    expect(planNotifications([], NOW, memory, OPTS).memory.size).toBe(0);
  });

  it('never puts a token in a title or body, whatever the server said', () => {
    const jwtish = fc
      .tuple(
        fc.base64String({ minLength: 8, maxLength: 40 }),
        fc.base64String({ minLength: 8, maxLength: 80 }),
      )
      .map(([a, b]) => `eyJ${a.replace(/[+/=]/g, 'x')}.eyJ${b.replace(/[+/=]/g, 'y')}.sig`);
    const opaque = fc.stringMatching(/^[A-Za-z0-9_-]{40,80}$/);
    fc.assert(
      fc.property(fc.oneof(jwtish, opaque), fc.string({ maxLength: 40 }), (token, words) => {
        const error = `${words} token ${token} rejected; Authorization: Bearer ${token}`;
        const accounts = [
          view({
            name: 'a',
            state: 'error',
            needsUser: true,
            renewable: false,
            errorCode: 'invalid_client',
            error,
          }),
          view({ name: 'b', state: 'error', errorCode: 'http_500', error, expiresAt: iso(NOW + MIN) }),
        ];
        for (const notice of planNotifications(accounts, NOW, new Map(), OPTS).notices) {
          expect(`${notice.title}\n${notice.body}`).not.toMatch(TOKEN_LIKE);
          expect(notice.body).not.toContain(token);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps ordinary words, hosts and codes when redacting', () => {
    expect(
      redactForNotification('invalid_client: unknown client at eu8-cloud.acronis.com/api/2/idp/token'),
    ).toBe('invalid_client: unknown client at eu8-cloud.acronis.com/api/2/idp/token');
  });
});

describe('sign-in needed (interactive grants, issue #11)', () => {
  const refused = (overrides: Partial<AccountView> = {}) =>
    view({
      name: 'graph',
      state: 'error',
      error: 'the server refused the refresh token (invalid_grant): sign in again',
      errorCode: 'signin_required',
      needsUser: true,
      renewable: false,
      signIn: 'browser',
      signInNeeded: true,
      ...overrides,
    });

  it('offers Sign in… once when a refresh is refused, and says so when it works again', () => {
    const [first, again, after] = run([
      { accounts: [refused()] },
      { accounts: [refused()], now: NOW + MIN },
      { accounts: [view({ name: 'graph', signIn: 'browser' })], now: NOW + 2 * MIN },
    ]);
    expect(first).toEqual([
      {
        account: 'graph',
        kind: 'sign-in-needed',
        title: 'graph: sign-in needed',
        body: 'signin_required: the server refused the refresh token (invalid_grant): sign in again. Choose Sign in… to sign in again.',
        offer: 'sign-in',
      },
    ]);
    expect(again).toEqual([]);
    expect(after).toEqual([expect.objectContaining({ kind: 'recovered', account: 'graph' })]);
    expect(after?.[0]).not.toHaveProperty('offer');
  });

  it('says nothing about an account saved and not signed in yet (the window that saved it says so)', () => {
    const fresh = view({
      name: 'portal',
      state: 'expired',
      expiresAt: null,
      lastRefreshAt: null,
      tokenType: null,
      signIn: 'device',
      signInNeeded: true,
    });
    // The engine's first renewal attempt then records why: there is no refresh token yet.
    const tried = {
      ...fresh,
      state: 'error' as const,
      error: 'sign-in needed: sign in to this account again',
      errorCode: 'signin_required',
      needsUser: true,
      renewable: false,
    };
    expect(
      run([
        { accounts: [fresh] },
        { accounts: [tried], now: NOW + MIN },
        { accounts: [tried], now: NOW + 5 * MIN },
      ]),
    ).toEqual([[], [], []]);
  });

  it('asks for a secret that no longer decrypts first, without the Sign in… offer', () => {
    const [notices] = run([
      { accounts: [refused({ lockedSecrets: ['clientSecret'], errorCode: null, error: null })] },
    ]);
    expect(notices).toHaveLength(1);
    expect(notices?.[0]?.body).toMatch(/cannot be decrypted/);
    expect(notices?.[0]).not.toHaveProperty('offer');
  });

  it('shows no token-like text from the server in a sign-in notice', () => {
    const [notices] = run([
      {
        accounts: [refused({ error: `refused ${'x'.repeat(64)} eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig` })],
      },
    ]);
    expect(`${notices?.[0]?.title} ${notices?.[0]?.body}`).not.toMatch(TOKEN_LIKE);
  });
});
