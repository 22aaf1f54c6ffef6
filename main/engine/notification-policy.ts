/**
 * Decides which desktop notifications a state change deserves. Pure: given the accounts, the time
 * and what was already said (the memory), it returns the notices to show and the new memory, so
 * each condition is announced once per change rather than once per tick.
 */
import { redact } from './log.js';
import { formatDuration } from './tray-model.js';
import type { AccountView } from './types.js';

export type NoticeKind = 'expiring' | 'expired' | 'renewal-failed' | 'sign-in-needed' | 'recovered';

export interface Notice {
  account: string;
  kind: NoticeKind;
  title: string;
  body: string;
  /**
   * `sign-in`: the account's grant needs a person and only a new sign-in helps; the notification
   * offers Sign in…, which starts it.
   */
  offer?: 'sign-in';
}

/** Per account, the key of the condition last announced (absent: nothing outstanding). */
export type NoticeMemory = ReadonlyMap<string, string>;

export interface NotificationPolicyOptions {
  /** The global lead time, for accounts that do not set `notifyBeforeSeconds` themselves. */
  defaultNotifyBeforeSeconds: number;
  /** Renewals paused by the user: an expiring token cannot be renewed now. */
  paused: boolean;
}

export interface NotificationPlan {
  notices: Notice[];
  memory: Map<string, string>;
}

const BODY_MAX = 200;

/** The log's redaction, plus any long opaque string: a notification shows no token-like text at all. */
export function redactForNotification(text: string): string {
  return redact(text).replace(/[A-Za-z0-9_\-+=~]{40,}/g, '[redacted]');
}

function clip(text: string, max = BODY_MAX): string {
  const clean = redactForNotification(text).replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** Room left for the reason when the expiry and the next attempt follow it. */
const REASON_MAX = 110;

/** The account's own lead time when it set one, else the global default. */
export function leadTimeSeconds(view: AccountView, defaultSeconds: number): number {
  return typeof view.settings.notifyBeforeSeconds === 'number' ? view.notifyBeforeSeconds : defaultSeconds;
}

interface Condition {
  key: string;
  kind: Exclude<NoticeKind, 'recovered'>;
  title: string;
  body: string;
  offer?: 'sign-in';
}

function reasonOf(view: AccountView): string {
  const code = view.errorCode ?? 'error';
  return view.error === null ? code : `${code}: ${view.error}`;
}

/** The problem an account has now that deserves a notice, or null when it is fine (or still settling). */
function conditionOf(
  view: AccountView,
  now: number,
  opts: NotificationPolicyOptions,
): Condition | null | 'settling' {
  const expiresAt = view.expiresAt === null ? null : Date.parse(view.expiresAt);
  const left = expiresAt === null || Number.isNaN(expiresAt) ? null : expiresAt - now;
  const lead = leadTimeSeconds(view, opts.defaultNotifyBeforeSeconds) * 1000;
  const atRisk = left === null || left <= lead;
  const expiryText =
    left === null
      ? ''
      : left > 0
        ? ` The token expires in ${formatDuration(left)}.`
        : ' The token has expired.';

  if (view.signInNeeded && view.lockedSecrets.length === 0) {
    // Never signed in here (just saved, or imported): the window that saved it says so, and the
    // tray. A refused refresh of an account that had tokens: that is news.
    if (view.errorCode === null || view.lastRefreshAt === null) return 'settling';
    return {
      key: `sign-in:${view.errorCode}`,
      kind: 'sign-in-needed',
      title: `${view.name}: sign-in needed`,
      body: clip(`${clip(reasonOf(view), REASON_MAX)}. Choose Sign in… to sign in again.`),
      offer: 'sign-in',
    };
  }
  if (view.needsUser || view.lockedSecrets.length > 0) {
    const why =
      view.lockedSecrets.length > 0 && view.errorCode === null
        ? 'A stored secret cannot be decrypted here and must be entered again.'
        : `${reasonOf(view)}.`;
    return {
      key: `sign-in:${view.errorCode ?? 'locked'}`,
      kind: 'sign-in-needed',
      title: `${view.name}: sign-in needed`,
      body: clip(`${why} Open Tokentray to update the account.`),
    };
  }
  if (view.state === 'error') {
    // Retries cannot finish in time when the next one is due only after the token has lapsed.
    const nextTry = view.nextRefreshAt === null ? null : Date.parse(view.nextRefreshAt);
    const tooLate =
      left !== null && left > 0 && nextTry !== null && expiresAt !== null && nextTry >= expiresAt;
    // A failed attempt while the token still has plenty of life is retried quietly.
    if (!atRisk && !tooLate) return 'settling';
    const retryText =
      tooLate && nextTry !== null
        ? ` The next attempt, in ${formatDuration(Math.max(0, nextTry - now))}, comes after it expires.`
        : '';
    return {
      key: `failed:${view.errorCode ?? 'error'}`,
      kind: 'renewal-failed',
      title: `${view.name}: renewal failed`,
      body: clip(`${clip(reasonOf(view), REASON_MAX)}.${expiryText}${retryText}`),
    };
  }
  if (view.state === 'refreshing') return 'settling';
  if (left !== null && left <= 0 && !view.renewable) {
    return {
      key: `expired:${view.expiresAt}`,
      kind: 'expired',
      title: `${view.name}: token expired`,
      body: 'It cannot be renewed automatically. Open Tokentray to paste a new one.',
    };
  }
  const cannotRenew = view.state === 'expiring' || !view.renewable || opts.paused;
  if (left !== null && left > 0 && left <= lead && cannotRenew) {
    const why =
      opts.paused && view.renewable ? 'Renewals are paused.' : 'Tokentray cannot renew it automatically.';
    return {
      key: `expiring:${view.expiresAt}`,
      kind: 'expiring',
      title: `${view.name}: token expires in ${formatDuration(left)}`,
      body: why,
    };
  }
  return null;
}

/** Returns the notices deserved by the accounts' state at `now`, given what was already announced. */
export function planNotifications(
  accounts: AccountView[],
  now: number,
  memory: NoticeMemory,
  opts: NotificationPolicyOptions,
): NotificationPlan {
  const next = new Map<string, string>();
  const notices: Notice[] = [];
  for (const view of accounts) {
    const previous = memory.get(view.name);
    const condition = conditionOf(view, now, opts);
    if (condition === 'settling') {
      if (previous !== undefined) next.set(view.name, previous);
      continue;
    }
    if (condition === null) {
      if (previous !== undefined) {
        notices.push({
          account: view.name,
          kind: 'recovered',
          title: `${view.name}: working again`,
          body: 'The token is valid again.',
        });
      }
      continue;
    }
    next.set(view.name, condition.key);
    if (condition.key !== previous) {
      notices.push({
        account: view.name,
        kind: condition.kind,
        title: condition.title,
        body: condition.body,
        ...(condition.offer ? { offer: condition.offer } : {}),
      });
    }
  }
  return { notices, memory: next };
}
