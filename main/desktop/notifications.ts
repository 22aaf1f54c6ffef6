/**
 * Desktop notifications: the engine's notification policy decides, this shows them. Live
 * notifications stay referenced until clicked or dismissed (a collected one loses its click), and a
 * click opens the account window on that account. A Windows toast that times out moves to the
 * Action Center (`close` with reason `timedOut`): it stays referenced, so a click there still opens
 * the account. Where the OS refuses notifications (`failed`, e.g. an unsigned macOS app on
 * Electron >= 42), the caller is told once and the tray's icon and menu carry the state, as they
 * do where notifications are unsupported. A notice that offers Sign in… (an interactive account
 * whose refresh was refused) gets a "Sign in…" button where the OS has notification buttons
 * (macOS, Windows): it starts the sign-in. Linux notifications have none in Electron; there, as
 * everywhere, a click opens the account, whose Sign in… button the window focuses.
 */
import type { Notification, NotificationConstructorOptions } from 'electron';
import { planNotifications, type Notice, type NoticeMemory } from '../engine/notification-policy.js';
import type { Engine } from '../engine/types.js';

export interface NotificationClass {
  new (options: NotificationConstructorOptions): Notification;
  isSupported(): boolean;
}

/** What `show` takes: a policy notice, or an app-wide message (no account). */
export type NoticeToShow = Pick<Notice, 'title' | 'body'> & {
  account: string | null;
  offer?: Notice['offer'];
};

export interface Notifier {
  /** Shows one notice; false when the platform has no notifications. */
  show(notice: NoticeToShow): boolean;
  /** Notifications shown and not yet clicked, dismissed or failed (timed-out ones in the Action Center too). */
  readonly live: ReadonlySet<Notification>;
  /** Why the OS refused to show a notification this run, or null while none failed. */
  readonly unavailable: string | null;
}

export interface NotifierDeps {
  Notification: NotificationClass;
  /** Receives the clicked notice's account (null for app-wide notices). */
  onClick(account: string | null): void;
  /**
   * Called once per notifier (there is one per app run) when the OS first fails to show a
   * notification, with Electron's error; later failures do not call it again.
   */
  onUnavailable?(reason: string): void;
  /** The notice's "Sign in…" button was chosen: start that account's sign-in. Without it, no button. */
  onSignIn?(account: string): void;
  /** Where notification buttons exist (darwin, win32); default: this process's platform. */
  platform?: NodeJS.Platform;
}

/** The label of a sign-in notice's button. */
export const SIGN_IN_ACTION = 'Sign in…';

/** True where Electron shows notification buttons (`actions`): macOS and Windows, not Linux. */
export function hasNotificationButtons(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

/** The Action Center keeps about this many of an app's toasts; older timed-out ones are removed. */
export const MAX_TIMED_OUT_KEPT = 20;

/** Creates the notifier. */
export function createNotifier(deps: NotifierDeps): Notifier {
  const live = new Set<Notification>();
  // Timed out but still clickable in the Action Center, oldest first (it may never tell us it left).
  const timedOut: Notification[] = [];
  let unavailable: string | null = null;

  const forget = (shown: Notification): void => {
    live.delete(shown);
    const index = timedOut.indexOf(shown);
    if (index >= 0) timedOut.splice(index, 1);
  };
  const keepTimedOut = (shown: Notification): void => {
    if (!live.has(shown) || timedOut.includes(shown)) return;
    timedOut.push(shown);
    while (timedOut.length > MAX_TIMED_OUT_KEPT) {
      const oldest = timedOut.shift();
      if (oldest === undefined) break;
      live.delete(oldest);
      // Its click could no longer reach us: take it out of the Action Center rather than leave it dead.
      try {
        oldest.close();
      } catch {
        // Already gone.
      }
    }
  };

  return {
    live,
    get unavailable() {
      return unavailable;
    },
    show(notice) {
      if (!deps.Notification.isSupported()) return false;
      const { account } = notice;
      const signIn =
        notice.offer === 'sign-in' &&
        account !== null &&
        deps.onSignIn !== undefined &&
        hasNotificationButtons(deps.platform ?? process.platform);
      const shown = new deps.Notification({
        title: notice.title,
        body: notice.body,
        silent: false,
        ...(signIn ? { actions: [{ type: 'button', text: SIGN_IN_ACTION }] } : {}),
      });
      live.add(shown);
      if (signIn) {
        shown.on('action', () => {
          forget(shown);
          deps.onSignIn?.(account);
        });
      }
      shown.on('click', () => {
        forget(shown);
        deps.onClick(notice.account);
      });
      shown.on('close', (details) => {
        // Electron's Event object; `?.` because `close` "is not guaranteed" in its docs, nor its details.
        if (details?.reason === 'timedOut') keepTimedOut(shown);
        else forget(shown);
      });
      shown.on('failed', (_event, error) => {
        forget(shown);
        if (unavailable !== null) return;
        unavailable =
          typeof error === 'string' && error.trim() !== ''
            ? error
            : 'the system did not show the notification';
        deps.onUnavailable?.(unavailable);
      });
      shown.show();
      return true;
    },
  };
}

export interface NoticeWatchDeps {
  engine: Pick<Engine, 'list' | 'on' | 'paused'>;
  notifier: Pick<Notifier, 'show'>;
  now(): number;
  defaultNotifyBeforeSeconds(): number;
}

/** Evaluates the policy against the engine's state and shows what it decides; `check` is for the minute tick. */
export function watchForNotices(deps: NoticeWatchDeps): { check(): void; stop(): void } {
  let memory: NoticeMemory = new Map();
  const check = (): void => {
    const plan = planNotifications(deps.engine.list(), deps.now(), memory, {
      defaultNotifyBeforeSeconds: deps.defaultNotifyBeforeSeconds(),
      paused: deps.engine.paused,
    });
    memory = plan.memory;
    for (const notice of plan.notices) deps.notifier.show(notice);
  };
  const unsubscribe = deps.engine.on((event) => {
    if (event.type !== 'renewed') check();
  });
  check();
  return { check, stop: unsubscribe };
}
