/**
 * Desktop notifications: the engine's notification policy decides, this shows them. Live
 * notifications stay referenced until closed or clicked (a collected one loses its click), and a
 * click opens the account window on that account. Without notification support the tray's icon
 * and menu carry the same state.
 */
import type { Notification, NotificationConstructorOptions } from 'electron';
import { planNotifications, type Notice, type NoticeMemory } from '../engine/notification-policy.js';
import type { Engine } from '../engine/types.js';

export interface NotificationClass {
  new (options: NotificationConstructorOptions): Notification;
  isSupported(): boolean;
}

export interface Notifier {
  /** Shows one notice; false when the platform has no notifications. */
  show(notice: Pick<Notice, 'title' | 'body'> & { account: string | null }): boolean;
  /** Notifications shown and not yet closed or clicked. */
  readonly live: ReadonlySet<Notification>;
}

/** Creates the notifier; `onClick` receives the notice's account (null for app-wide notices). */
export function createNotifier(deps: {
  Notification: NotificationClass;
  onClick(account: string | null): void;
}): Notifier {
  const live = new Set<Notification>();
  return {
    live,
    show(notice) {
      if (!deps.Notification.isSupported()) return false;
      const shown = new deps.Notification({ title: notice.title, body: notice.body, silent: false });
      live.add(shown);
      const forget = (): void => {
        live.delete(shown);
      };
      shown.on('click', () => {
        forget();
        deps.onClick(notice.account);
      });
      shown.on('close', forget);
      shown.on('failed', forget);
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
