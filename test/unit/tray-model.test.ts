import { describe, expect, it } from 'vitest';
import {
  accountStatus,
  formatDuration,
  RENEWING_SHOWN_AFTER_MS,
  settledState,
  trackRenewals,
  TRAY_ACCOUNTS_MAX,
  trayDuration,
  trayModel,
  type TrayMenuEntry,
  type TrayOptions,
} from '../../main/engine/tray-model.js';
import type { AccountView } from '../../main/engine/types.js';
import { accountView } from '../fixtures/account-view.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A healthy oauth2 account with a stored client secret, 13 days from expiry. */
function view(overrides: Partial<AccountView> & { name: string }): AccountView {
  return accountView({
    expiresAt: iso(NOW + 13 * DAY + 5 * MIN),
    lastRefreshAt: iso(NOW - MIN),
    nextRefreshAt: iso(NOW + 10 * DAY),
    storedSecrets: ['clientSecret'],
    tokenType: 'Bearer',
    ...overrides,
  });
}

const OPTS: TrayOptions = {
  paused: false,
  startAtLogin: false,
  storage: { protection: 'os', persisting: true },
  renewingSince: new Map(),
};

const labels = (entries: TrayMenuEntry[]) =>
  entries.map((e) =>
    e.type === 'separator'
      ? '---'
      : e.type === 'checkbox'
        ? `[${e.checked ? 'x' : ' '}] ${e.label}`
        : e.label,
  );

const ok = view({ name: 'acme' });
const renewing = view({ name: 'beta', state: 'refreshing' });
const expiring = view({
  name: 'static-one',
  preset: 'static',
  state: 'expiring',
  renewable: false,
  expiresAt: iso(NOW + 4 * MIN + 30_000),
});
const expired = view({
  name: 'old',
  preset: 'static',
  state: 'expired',
  renewable: false,
  expiresAt: iso(NOW - 3 * MIN),
});
const failing = view({
  name: 'flaky',
  state: 'error',
  error: 'token endpoint answered 503',
  errorCode: 'http_503',
  nextRefreshAt: iso(NOW + 2 * MIN),
});
const signIn = view({
  name: 'msp',
  state: 'error',
  error: 'client authentication failed',
  errorCode: 'invalid_client',
  needsUser: true,
  renewable: false,
});
const locked = view({
  name: 'kde',
  state: 'expired',
  needsUser: true,
  renewable: false,
  lockedSecrets: ['clientSecret'],
});

describe('tray status text', () => {
  it('says how long a valid token has left, in whole days', () => {
    expect(accountStatus(ok, NOW).text).toBe('valid · 13 d left');
  });
  it('says "renewing…" while a renewal runs', () => {
    expect(accountStatus(renewing, NOW).text).toBe('renewing…');
  });
  it('counts down minutes for an expiring token', () => {
    expect(accountStatus(expiring, NOW).text).toBe('expires in 4 min');
  });
  it('names the error code when sign-in is needed', () => {
    expect(accountStatus(signIn, NOW)).toEqual({
      text: 'sign-in needed: invalid_client',
      severity: 'needs-user',
    });
  });
  it('shows a failed renewal with its code and when it retries', () => {
    expect(accountStatus(failing, NOW)).toEqual({
      text: 'renewal failed: http_503 · retry in 2 min',
      severity: 'attention',
    });
  });
  it('asks for a secret again when it no longer decrypts', () => {
    expect(accountStatus(locked, NOW)).toEqual({
      text: 'secret needed again: cannot be decrypted here',
      severity: 'needs-user',
    });
  });
  it('rounds durations down to minutes, hours and days', () => {
    expect(
      [30_000, 4 * MIN + 59_000, 3 * 3_600_000 + 1, 36 * 3_600_000, 2 * DAY].map(formatDuration),
    ).toEqual(['< 1 min', '4 min', '3 h', '36 h', '2 d']);
  });
});

describe('tray model per state', () => {
  it('ok: green icon, one submenu per account with the copy actions', () => {
    const model = trayModel([ok], NOW, OPTS);
    expect(model.icon).toBe('ok');
    expect(model.tooltip).toBe('Tokentray: token valid');
    expect(model).toMatchSnapshot();
  });

  it('expiring: attention icon and a countdown', () => {
    const model = trayModel([ok, expiring], NOW, OPTS);
    expect(model.icon).toBe('attention');
    expect(labels(model.menu)).toContain('static-one — expires in 4 min');
    expect(model).toMatchSnapshot();
  });

  it('expired and not renewable: needs the user; copy is disabled', () => {
    const model = trayModel([expired], NOW, OPTS);
    expect(model.icon).toBe('needs-user');
    const entry = model.menu.find((e) => e.type === 'submenu');
    expect(
      entry?.type === 'submenu' &&
        entry.entries
          .filter((e) => e.type === 'action' && e.label.startsWith('Copy'))
          .every((e) => e.type === 'action' && !e.enabled),
    ).toBe(true);
    expect(model).toMatchSnapshot();
  });

  it('error: a retrying account is attention, a sign-in is needs-user, and the tooltip counts both', () => {
    const model = trayModel([failing, signIn], NOW, OPTS);
    expect(model.icon).toBe('needs-user');
    expect(model.tooltip).toBe('Tokentray: 1 needs you · 1 expiring or retrying');
    expect(labels(model.menu)).toContain('msp — sign-in needed: invalid_client');
    expect(model).toMatchSnapshot();
  });

  it('keyring locked: a warning line, needs-user icon even without accounts', () => {
    const model = trayModel([], NOW, { ...OPTS, storage: { protection: 'unavailable', persisting: false } });
    expect(model.icon).toBe('needs-user');
    expect(labels(model.menu)[0]).toBe('⚠ Keyring unavailable: stored secrets not loaded');
    expect(model).toMatchSnapshot();
  });

  it('weak storage not accepted: says secrets are kept in memory only', () => {
    const model = trayModel([ok], NOW, { ...OPTS, storage: { protection: 'weak', persisting: false } });
    expect(model.icon).toBe('attention');
    expect(labels(model.menu)[0]).toBe('⚠ No keyring: secrets kept in memory only');
    expect(model.tooltip).toContain('No keyring');
    expect(model).toMatchSnapshot();
  });

  it('no accounts: empty icon and an entry to add one', () => {
    const model = trayModel([], NOW, OPTS);
    expect(model.icon).toBe('empty');
    expect(labels(model.menu)).toEqual([
      'No accounts yet',
      'Add an account…',
      '---',
      'Renew all',
      '[ ] Pause renewals',
      'Manage accounts…',
      '[ ] Start at login',
      '---',
      'Quit Tokentray',
    ]);
    expect(model).toMatchSnapshot();
  });

  it('paused and start at login show as checked boxes, and paused is not "all good"', () => {
    const model = trayModel([ok], NOW, { ...OPTS, paused: true, startAtLogin: true });
    expect(labels(model.menu)).toEqual(
      expect.arrayContaining(['Renewals paused', '[x] Pause renewals', '[x] Start at login']),
    );
    expect(model.icon).toBe('attention');
  });

  it('every account action is reachable from the menu (Linux has no reliable tray click)', () => {
    const model = trayModel([ok], NOW, OPTS);
    const sub = model.menu.find((e) => e.type === 'submenu');
    expect(sub?.type).toBe('submenu');
    if (sub?.type !== 'submenu') return;
    expect(labels(sub.entries)).toEqual([
      'valid · 13 d left',
      '---',
      'Copy token',
      'Copy Authorization header',
      'Copy as curl',
      'Copy as PowerShell',
      '---',
      'Renew now',
      'Open…',
    ]);
    const actions = sub.entries.flatMap((e) => (e.type === 'action' ? [e.action] : []));
    expect(actions).toEqual([
      { kind: 'copy', account: 'acme', format: 'token' },
      { kind: 'copy', account: 'acme', format: 'header' },
      { kind: 'copy', account: 'acme', format: 'curl' },
      { kind: 'copy', account: 'acme', format: 'powershell' },
      { kind: 'renew', account: 'acme' },
      { kind: 'open-window', account: 'acme' },
    ]);
  });

  it('keeps the menu identical while a countdown stays within the same coarse step', () => {
    const soon = view({ name: 'soon', preset: 'static', renewable: false, expiresAt: iso(NOW + 29 * MIN) });
    const at = (ms: number) => JSON.stringify(trayModel([ok, soon], ms, OPTS).menu);
    // 29 min, 27 min, 25 min 1 s left all read "25 min"; 24 min 59 s reads "20 min".
    expect(at(NOW + 2 * MIN)).toBe(at(NOW));
    expect(at(NOW + 4 * MIN - 1_000)).toBe(at(NOW));
    expect(at(NOW + 4 * MIN + 1_000)).not.toBe(at(NOW));
  });

  it('keeps the tooltip within the 127 characters Windows shows', () => {
    const many = Array.from({ length: 40 }, (_, i) => view({ name: `acct-${i}`, label: 'x'.repeat(200) }));
    expect(
      trayModel(many, NOW, { ...OPTS, storage: { protection: 'weak', persisting: false } }).tooltip.length,
    ).toBeLessThanOrEqual(127);
  });
});

describe("tray durations at the user's scale", () => {
  it('shows minutes under an hour (steps of five from 10 min), hours under a day, days beyond, rounded down', () => {
    expect(
      [
        30_000,
        4 * MIN + 59_000,
        9 * MIN + 59_000,
        10 * MIN,
        27 * MIN,
        59 * MIN + 59_000,
        HOUR,
        2 * HOUR + 59 * MIN,
        23 * HOUR + 59 * MIN,
        DAY,
        47 * HOUR,
        13 * DAY + 5 * MIN,
      ].map(trayDuration),
    ).toEqual([
      '< 1 min',
      '4 min',
      '9 min',
      '10 min',
      '25 min',
      '55 min',
      '1 h',
      '2 h',
      '23 h',
      '1 d',
      '1 d',
      '13 d',
    ]);
  });

  it('words the menu with them: "expires in 2 h", "retry in 25 min"', () => {
    const later = view({ ...expiring, expiresAt: iso(NOW + 2 * HOUR + 40 * MIN) });
    expect(accountStatus(later, NOW).text).toBe('expires in 2 h');
    const retryLater = view({ ...failing, nextRefreshAt: iso(NOW + 28 * MIN) });
    expect(accountStatus(retryLater, NOW).text).toBe('renewal failed: http_503 · retry in 25 min');
  });
});

describe('a renewal in the tray', () => {
  const since = (ms: number) => ({ paused: false, renewingSince: ms });

  it('keeps showing what the account showed while a renewal is short', () => {
    expect(accountStatus(renewing, NOW, since(NOW - RENEWING_SHOWN_AFTER_MS + 1))).toEqual({
      text: 'valid · 13 d left',
      severity: 'ok',
    });
  });

  it('says "renewing…" once the renewal has lasted', () => {
    expect(accountStatus(renewing, NOW, since(NOW - RENEWING_SHOWN_AFTER_MS)).text).toBe('renewing…');
  });

  it('a short retry of a failed renewal still shows the failure, as retrying', () => {
    const retrying = view({ ...failing, state: 'refreshing', nextRefreshAt: iso(NOW - 1) });
    expect(accountStatus(retrying, NOW, since(NOW))).toEqual({
      text: 'renewal failed: http_503 · retrying',
      severity: 'attention',
    });
  });

  it('settles to the state the view implies before the renewal', () => {
    const flight = (o: Partial<AccountView>) => view({ name: 'x', state: 'refreshing', ...o });
    expect(settledState(flight({}), NOW, false)).toBe('valid');
    expect(settledState(flight({ errorCode: 'http_503' }), NOW, false)).toBe('error');
    expect(settledState(flight({ expiresAt: iso(NOW - 1) }), NOW, false)).toBe('expired');
    expect(settledState(flight({ expiresAt: null }), NOW, false)).toBe('unknown-expiry');
    expect(settledState(flight({ expiresAt: null, tokenType: null }), NOW, false)).toBe('expired');
    // Within the notice lead only a token the engine will not renew by itself is "expiring".
    const near = flight({ expiresAt: iso(NOW + 5 * MIN) });
    expect(settledState(near, NOW, false)).toBe('valid');
    expect(settledState(near, NOW, true)).toBe('expiring');
  });

  it('does not change the menu for a short renewal, and does once it lasts', () => {
    const before = trayModel([ok], NOW, OPTS).menu;
    const flying = view({ name: 'acme', state: 'refreshing' });
    const seen = trackRenewals(new Map(), [flying], NOW);
    expect(trayModel([flying], NOW + 1_000, { ...OPTS, renewingSince: seen }).menu).toEqual(before);
    const lasting = trayModel([flying], NOW + RENEWING_SHOWN_AFTER_MS, { ...OPTS, renewingSince: seen });
    expect(labels(lasting.menu)).toContain('acme — renewing…');
  });

  it('remembers when each renewal was first seen, and forgets it once it ended', () => {
    const a = view({ name: 'a', state: 'refreshing' });
    const b = view({ name: 'b', state: 'refreshing' });
    const first = trackRenewals(new Map(), [a, ok], NOW);
    expect([...first]).toEqual([['a', NOW]]);
    const second = trackRenewals(first, [a, b], NOW + 3_000);
    expect([...second]).toEqual([
      ['a', NOW],
      ['b', NOW + 3_000],
    ]);
    expect([...trackRenewals(second, [view({ name: 'a' }), b], NOW + 4_000)]).toEqual([['b', NOW + 3_000]]);
  });
});

describe('accounts in the menu', () => {
  const submenus = (entries: TrayMenuEntry[]) =>
    entries.flatMap((e) => (e.type === 'submenu' ? [e.label.split(' — ')[0]] : []));

  it('lists the most urgent first: needing the user, then failing or expiring, then soonest expiry', () => {
    const later = view({ name: 'aaa-later', expiresAt: iso(NOW + 20 * DAY) });
    const sooner = view({ name: 'zzz-sooner', expiresAt: iso(NOW + 2 * DAY) });
    const unknown = view({ name: 'aaa-unknown', state: 'unknown-expiry', expiresAt: null });
    const model = trayModel([later, unknown, ok, failing, sooner, signIn, expiring], NOW, OPTS);
    expect(submenus(model.menu)).toEqual([
      'msp', // sign-in needed
      'static-one', // expiring in 4 min (attention)
      'flaky', // renewal failed, expiry 13 d (attention)
      'zzz-sooner',
      'acme',
      'aaa-later',
      'aaa-unknown',
    ]);
  });

  it(`lists at most ${TRAY_ACCOUNTS_MAX}, then one item counting the rest that opens the account window`, () => {
    const many = Array.from({ length: TRAY_ACCOUNTS_MAX + 3 }, (_, i) =>
      view({ name: `acct-${String(i).padStart(2, '0')}`, expiresAt: iso(NOW + (i + 1) * DAY) }),
    );
    const model = trayModel([...many].reverse(), NOW, OPTS);
    expect(submenus(model.menu)).toEqual(many.slice(0, TRAY_ACCOUNTS_MAX).map((v) => v.name));
    const more = model.menu.find((e) => e.type === 'action' && e.label.includes('more'));
    expect(more).toEqual({
      type: 'action',
      label: '3 more — Manage accounts…',
      enabled: true,
      action: { kind: 'open-window', account: null },
    });
    const moreAt = model.menu.indexOf(more as TrayMenuEntry);
    expect(model.menu[moreAt - 1]?.type).toBe('submenu');
    expect(model.menu[moreAt + 1]?.type).toBe('separator');
  });

  it('keeps an account that needs the user in the menu however many healthy ones there are', () => {
    const healthy = Array.from({ length: 20 }, (_, i) => view({ name: `a-${i}` }));
    const model = trayModel([...healthy, view({ ...signIn, name: 'zz-needs-me' })], NOW, OPTS);
    expect(submenus(model.menu)[0]).toBe('zz-needs-me');
    expect(model.tooltip).toBe('Tokentray: 1 needs you');
  });

  it('lists exactly the cap without a "more" item', () => {
    const exact = Array.from({ length: TRAY_ACCOUNTS_MAX }, (_, i) => view({ name: `a-${i}` }));
    const model = trayModel(exact, NOW, OPTS);
    expect(submenus(model.menu)).toHaveLength(TRAY_ACCOUNTS_MAX);
    expect(labels(model.menu).some((l) => l.includes('more —'))).toBe(false);
  });
});

describe('the command-line tool in the menu', () => {
  it('offers "Install command-line tool" after the settings, before Quit (AppImage, Windows, macOS)', () => {
    const model = trayModel([], NOW, { ...OPTS, cliTool: { kind: 'offer' } });
    expect(labels(model.menu)).toEqual([
      'No accounts yet',
      'Add an account…',
      '---',
      'Renew all',
      '[ ] Pause renewals',
      'Manage accounts…',
      '[ ] Start at login',
      'Install command-line tool',
      '---',
      'Quit Tokentray',
    ]);
    const entry = model.menu.find((e) => e.type === 'action' && e.label === 'Install command-line tool');
    expect(entry).toEqual({
      type: 'action',
      label: 'Install command-line tool',
      enabled: true,
      action: { kind: 'install-cli' },
    });
    expect(model).toMatchSnapshot();
  });

  it("says it is installed where the package did it (the deb's /usr/bin/tokentray): a line, no action", () => {
    const model = trayModel([ok], NOW, {
      ...OPTS,
      cliTool: { kind: 'installed', command: '/usr/bin/tokentray' },
    });
    const tail = model.menu.slice(-4);
    expect(tail).toEqual([
      {
        type: 'checkbox',
        label: 'Start at login',
        checked: false,
        action: { kind: 'toggle-start-at-login' },
      },
      { type: 'label', label: 'Command-line tool installed: /usr/bin/tokentray' },
      { type: 'separator' },
      { type: 'action', label: 'Quit Tokentray', enabled: true, action: { kind: 'quit' } },
    ]);
    expect(JSON.stringify(model.menu)).not.toContain('install-cli');
  });

  it('shows no item at all without a tool to install (a checkout)', () => {
    for (const cliTool of [undefined, null]) {
      const labelsShown = labels(trayModel([ok], NOW, { ...OPTS, cliTool }).menu);
      expect(labelsShown.some((label) => label.includes('ommand-line tool'))).toBe(false);
    }
  });
});

describe('an account that needs a sign-in (interactive grants, issue #11)', () => {
  /** Its refresh token was refused: only Sign in… helps. */
  const refused = view({
    name: 'graph',
    state: 'error',
    error: 'the server refused the refresh token: sign in again',
    errorCode: 'signin_required',
    needsUser: true,
    renewable: false,
    signIn: 'device',
    signInNeeded: true,
  });
  /** Saved and never signed in. */
  const fresh = view({
    name: 'portal',
    state: 'expired',
    expiresAt: null,
    tokenType: null,
    signIn: 'browser',
    signInNeeded: true,
  });
  const signedIn = view({ name: 'ok-graph', signIn: 'device' });
  const submenu = (model: ReturnType<typeof trayModel>, name: string) => {
    const entry = model.menu.find((e) => e.type === 'submenu' && e.label.startsWith(`${name} —`));
    if (entry?.type !== 'submenu') throw new Error(`no submenu for ${name}`);
    return entry;
  };

  it('says "sign-in needed" and offers Sign in… first, which starts that account’s sign-in', () => {
    const model = trayModel([refused, fresh, signedIn], NOW, OPTS);
    for (const name of ['graph', 'portal']) {
      const entry = submenu(model, name);
      expect(entry.label).toBe(`${name} — sign-in needed`);
      expect(labels(entry.entries).slice(0, 2)).toEqual(['sign-in needed', 'Sign in…']);
      expect(entry.entries[1]).toEqual({
        type: 'action',
        label: 'Sign in…',
        enabled: true,
        action: { kind: 'sign-in', account: name },
      });
    }
    expect(labels(submenu(model, 'ok-graph').entries)).not.toContain('Sign in…');
  });

  it('needs the user (icon and tooltip), lists it first, and disables copy and Renew now', () => {
    const model = trayModel([signedIn, fresh], NOW, OPTS);
    expect(model.icon).toBe('needs-user');
    expect(model.tooltip).toBe('Tokentray: 1 needs you');
    expect(model.menu[0]?.type === 'submenu' && model.menu[0].label).toBe('portal — sign-in needed');
    const actions = submenu(model, 'portal').entries.filter((e) => e.type === 'action');
    expect(actions.map((e) => [e.label, e.type === 'action' && e.enabled])).toEqual([
      ['Sign in…', true],
      ['Copy token', false],
      ['Copy Authorization header', false],
      ['Copy as curl', false],
      ['Copy as PowerShell', false],
      ['Renew now', false],
      ['Open…', true],
    ]);
  });

  it('still copies a token that is valid while the refresh token was refused', () => {
    const stillValid = view({
      ...refused,
      name: 'graph2',
      state: 'valid',
      needsUser: false,
      error: null,
      errorCode: null,
    });
    const copy = submenu(trayModel([stillValid], NOW, OPTS), 'graph2').entries.find(
      (e) => e.type === 'action' && e.label === 'Copy token',
    );
    expect(copy?.type === 'action' && copy.enabled).toBe(true);
  });
});
