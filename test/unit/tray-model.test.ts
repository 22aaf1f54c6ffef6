import { describe, expect, it } from 'vitest';
import {
  accountStatus,
  formatDuration,
  trayModel,
  type TrayMenuEntry,
  type TrayOptions,
} from '../../main/engine/tray-model.js';
import type { AccountView } from '../../main/engine/types.js';
import { accountView } from '../fixtures/account-view.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
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

  it('keeps the menu identical within a minute, so countdowns rebuild it at most once a minute', () => {
    const a = trayModel([ok, expiring], NOW, OPTS);
    const b = trayModel([ok, expiring], NOW + 20_000, OPTS);
    const c = trayModel([ok, expiring], NOW + 40_000, OPTS);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('keeps the tooltip within the 127 characters Windows shows', () => {
    const many = Array.from({ length: 40 }, (_, i) => view({ name: `acct-${i}`, label: 'x'.repeat(200) }));
    expect(
      trayModel(many, NOW, { ...OPTS, storage: { protection: 'weak', persisting: false } }).tooltip.length,
    ).toBeLessThanOrEqual(127);
  });
});
