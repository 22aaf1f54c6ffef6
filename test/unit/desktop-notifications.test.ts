import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NotificationConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createNotifier,
  hasNotificationButtons,
  MAX_TIMED_OUT_KEPT,
  SIGN_IN_ACTION,
  watchForNotices,
  type NotificationClass,
  type Notifier,
} from '../../main/desktop/notifications.js';
import { createEngine, openPassphraseCipher } from '../../main/engine/index.js';
import type { AccountView, Engine, EngineEvent } from '../../main/engine/types.js';
import { accountView } from '../fixtures/account-view.js';
import { fakeNotificationClass, FakeNotification } from '../fakes/electron-fake.js';
import { OIDC_DEFAULT_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/index.js';

/** The fake with Electron's `close()`, which the notifier calls on toasts it stops keeping. */
class ClosableNotification extends FakeNotification {
  static made: ClosableNotification[] = [];
  closeCalls = 0;
  constructor(options: NotificationConstructorOptions) {
    super(options);
    ClosableNotification.made.push(this);
  }
  close(): void {
    this.closeCalls++;
  }
}

function closableClass(): NotificationClass {
  fakeNotificationClass();
  ClosableNotification.made = [];
  return ClosableNotification as unknown as NotificationClass;
}

describe('notifier', () => {
  it('keeps a shown notification referenced until it is closed', () => {
    const notifier = createNotifier({ Notification: fakeNotificationClass(), onClick: () => undefined });
    expect(notifier.show({ account: 'acme', title: 't', body: 'b' })).toBe(true);
    const [shown] = FakeNotification.instances;
    expect(shown?.shown).toBe(true);
    expect(shown?.options).toEqual({ title: 't', body: 'b', silent: false });
    expect(notifier.live.size).toBe(1);
    shown?.emit('close', {});
    expect(notifier.live.size).toBe(0);
  });

  it('opens the window on the account when clicked, and forgets the notification', () => {
    const opened: (string | null)[] = [];
    const notifier = createNotifier({
      Notification: fakeNotificationClass(),
      onClick: (account) => opened.push(account),
    });
    notifier.show({ account: 'acme', title: 't', body: 'b' });
    notifier.show({ account: null, title: 'app-wide', body: 'b' });
    FakeNotification.instances[0]?.emit('click', {});
    FakeNotification.instances[1]?.emit('failed', {}, 'no daemon');
    expect(opened).toEqual(['acme']);
    expect(notifier.live.size).toBe(0);
  });

  it('keeps a Windows toast that timed out into the Action Center, so a later click still opens the account', () => {
    const opened: (string | null)[] = [];
    const notifier = createNotifier({
      Notification: closableClass(),
      onClick: (account) => opened.push(account),
    });
    notifier.show({ account: 'acme', title: 't', body: 'b' });
    const [toast] = ClosableNotification.made;
    toast?.emit('close', { reason: 'timedOut' });
    expect(notifier.live.size).toBe(1);
    expect(toast?.closeCalls).toBe(0);
    toast?.emit('click', {});
    expect(opened).toEqual(['acme']);
    expect(notifier.live.size).toBe(0);
  });

  it('forgets a notification the user dismissed or the app hid, also after it had timed out', () => {
    const notifier = createNotifier({ Notification: closableClass(), onClick: () => undefined });
    for (const title of ['a', 'b', 'c']) notifier.show({ account: title, title, body: 'b' });
    const [a, b, c] = ClosableNotification.made;
    a?.emit('close', { reason: 'userCanceled' });
    b?.emit('close', { reason: 'applicationHidden' });
    c?.emit('close', { reason: 'timedOut' });
    expect([...notifier.live]).toEqual([c]);
    c?.emit('close', { reason: 'userCanceled' });
    expect(notifier.live.size).toBe(0);
  });

  it(`keeps at most ${MAX_TIMED_OUT_KEPT} timed-out toasts, taking the oldest out of the Action Center`, () => {
    const opened: (string | null)[] = [];
    const notifier = createNotifier({
      Notification: closableClass(),
      onClick: (account) => opened.push(account),
    });
    for (let i = 0; i <= MAX_TIMED_OUT_KEPT; i++) {
      notifier.show({ account: `acct-${i}`, title: 't', body: 'b' });
      ClosableNotification.made[i]?.emit('close', { reason: 'timedOut' });
    }
    const [oldest, second] = ClosableNotification.made;
    expect(notifier.live.size).toBe(MAX_TIMED_OUT_KEPT);
    expect(oldest).toBeDefined();
    expect([...notifier.live]).not.toContain(oldest);
    expect([...notifier.live]).toContain(second);
    expect(oldest?.closeCalls).toBe(1);
    expect(ClosableNotification.made.slice(1).map((n) => n.closeCalls)).toEqual(
      new Array<number>(MAX_TIMED_OUT_KEPT).fill(0),
    );
    second?.emit('click', {});
    expect(opened).toEqual(['acct-1']);
    // A toast clicked before it timed out frees its place.
    expect(notifier.live.size).toBe(MAX_TIMED_OUT_KEPT - 1);
  });

  it('drops a notification the OS failed to show and reports it once per run (unsigned macOS app)', () => {
    const onUnavailable = vi.fn();
    const notifier = createNotifier({
      Notification: closableClass(),
      onClick: () => undefined,
      onUnavailable,
    });
    expect(notifier.unavailable).toBeNull();
    notifier.show({ account: 'acme', title: 't', body: 'b' });
    notifier.show({ account: 'other', title: 't', body: 'b' });
    const [first, second] = ClosableNotification.made;
    first?.emit('failed', {}, 'Notifications are not allowed for this application');
    second?.emit('failed', {}, 'another error');
    expect(onUnavailable).toHaveBeenCalledTimes(1);
    expect(onUnavailable).toHaveBeenCalledWith('Notifications are not allowed for this application');
    expect(notifier.unavailable).toBe('Notifications are not allowed for this application');
    expect(notifier.live.size).toBe(0);
    // Later notices are still tried (and a later failure stays quiet).
    expect(notifier.show({ account: 'acme', title: 't', body: 'b' })).toBe(true);
    ClosableNotification.made[2]?.emit('failed', {}, 'again');
    expect(onUnavailable).toHaveBeenCalledTimes(1);
    expect(notifier.live.size).toBe(0);
  });

  it('names a reason when the failure came without one', () => {
    const onUnavailable = vi.fn();
    const notifier = createNotifier({
      Notification: closableClass(),
      onClick: () => undefined,
      onUnavailable,
    });
    notifier.show({ account: null, title: 't', body: 'b' });
    ClosableNotification.made[0]?.emit('failed', {}, '');
    expect(onUnavailable).toHaveBeenCalledWith('the system did not show the notification');
  });

  it('shows nothing where notifications are unsupported (the tray carries the state)', () => {
    const notifier = createNotifier({ Notification: fakeNotificationClass(false), onClick: () => undefined });
    expect(notifier.show({ account: 'acme', title: 't', body: 'b' })).toBe(false);
    expect(FakeNotification.instances).toHaveLength(0);
  });
});

describe('notifications from the real engine against a token peer', () => {
  let dir: string;
  let engine: Engine;
  let peer: OidcPeerHandle;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-notify-'));
    peer = await startOidcPeer();
    engine = createEngine({ dataDir: dir, cipher: await openPassphraseCipher(dir, 'pw') });
    await engine.start();
  });
  afterEach(async () => {
    await engine.stop();
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const watchEngine = (notifier: Notifier) =>
    watchForNotices({ engine, notifier, now: () => Date.now(), defaultNotifyBeforeSeconds: () => 600 });
  const oauth2Account = (name: string, clientSecret: string | undefined) => ({
    name,
    preset: 'oauth2',
    tokenUrl: peer.tokenUrl,
    clientId: OIDC_DEFAULT_CLIENT.client_id,
    clientSecret,
  });

  it('notifies once, with the reason and no token, when a renewal is refused; clicking opens that account', async () => {
    const opened: (string | null)[] = [];
    const notifier = createNotifier({
      Notification: fakeNotificationClass(),
      onClick: (account) => opened.push(account),
    });
    const watch = watchEngine(notifier);
    await engine.saveAccount(oauth2Account('acme', 'wrong-secret'));
    await engine.refresh('acme').catch(() => undefined);
    watch.check();
    watch.check();
    expect(engine.view('acme')?.needsUser).toBe(true);
    const notices = FakeNotification.instances.map((n) => n.options);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.title).toBe('acme: sign-in needed');
    expect(notices[0]?.body).toMatch(/invalid_client/);
    expect(`${notices[0]?.title} ${notices[0]?.body}`).not.toContain('wrong-secret');
    FakeNotification.instances[0]?.emit('click', {});
    expect(opened).toEqual(['acme']);
    watch.stop();
  });

  it('says nothing while a valid account renews fine', async () => {
    const notifier = createNotifier({ Notification: fakeNotificationClass(), onClick: () => undefined });
    const watch = watchEngine(notifier);
    await engine.saveAccount(oauth2Account('good', OIDC_DEFAULT_CLIENT.client_secret));
    await engine.refresh('good');
    watch.check();
    expect(engine.view('good')?.state).toBe('valid');
    expect(FakeNotification.instances).toHaveLength(0);
    watch.stop();
  });
});

describe('Sign in… from a notification (interactive grants, issue #11)', () => {
  const refused: AccountView = accountView({
    name: 'graph',
    preset: 'oauth2',
    state: 'error',
    error: 'the server refused the refresh token: sign in again',
    errorCode: 'signin_required',
    needsUser: true,
    renewable: false,
    signIn: 'device',
    signInNeeded: true,
    // It had a token here: a refusal, not an account never signed in.
    lastRefreshAt: new Date(Date.now() - 3_600_000).toISOString(),
  });

  /** An engine that lists `views` and lets the test announce a change. */
  function listingEngine(views: AccountView[]) {
    const listeners = new Set<(event: EngineEvent) => void>();
    return {
      engine: {
        list: () => views,
        paused: false,
        on(listener: (event: EngineEvent) => void) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      changed: () => listeners.forEach((l) => l({ type: 'state', account: views[0]! })),
    };
  }

  it.each(['darwin', 'win32'] as const)(
    'on %s: a "Sign in…" button starts the sign-in; a click opens the account',
    (platform) => {
      const opened: (string | null)[] = [];
      const signIns: string[] = [];
      const notifier = createNotifier({
        Notification: fakeNotificationClass(),
        onClick: (account) => opened.push(account),
        onSignIn: (account) => signIns.push(account),
        platform,
      });
      const { engine } = listingEngine([refused]);
      const watch = watchForNotices({
        engine,
        notifier,
        now: () => Date.now(),
        defaultNotifyBeforeSeconds: () => 600,
      });
      const [first] = FakeNotification.instances;
      expect(first?.options).toMatchObject({
        title: 'graph: sign-in needed',
        actions: [{ type: 'button', text: SIGN_IN_ACTION }],
      });
      expect(first?.options.body).toMatch(/Choose Sign in… to sign in again/);
      first?.emit('action', { actionIndex: 0 }, 0);
      expect(signIns).toEqual(['graph']);
      expect(opened).toEqual([]);
      expect(notifier.live.size).toBe(0);
      watch.stop();

      notifier.show({ account: 'graph', title: 't', body: 'b', offer: 'sign-in' });
      FakeNotification.instances[1]?.emit('click', {});
      expect(opened).toEqual(['graph']);
      expect(signIns).toEqual(['graph']);
    },
  );

  it('on Linux (no notification buttons in Electron): no button; a click opens the account', () => {
    expect(hasNotificationButtons('linux')).toBe(false);
    const opened: (string | null)[] = [];
    const notifier = createNotifier({
      Notification: fakeNotificationClass(),
      onClick: (account) => opened.push(account),
      onSignIn: () => {
        throw new Error('no button on Linux');
      },
      platform: 'linux',
    });
    notifier.show({ account: 'graph', title: 'graph: sign-in needed', body: 'b', offer: 'sign-in' });
    const [shown] = FakeNotification.instances;
    expect(shown?.options).not.toHaveProperty('actions');
    shown?.emit('click', {});
    expect(opened).toEqual(['graph']);
  });

  it('offers no button on notices that do not ask for a sign-in, or without a handler', () => {
    const withHandler = createNotifier({
      Notification: fakeNotificationClass(),
      onClick: () => undefined,
      onSignIn: () => undefined,
      platform: 'darwin',
    });
    withHandler.show({ account: 'acme', title: 'acme: renewal failed', body: 'b' });
    withHandler.show({ account: null, title: 'app-wide', body: 'b', offer: 'sign-in' });
    const without = createNotifier({
      Notification: FakeNotification as unknown as NotificationClass,
      onClick: () => undefined,
      platform: 'darwin',
    });
    without.show({ account: 'graph', title: 't', body: 'b', offer: 'sign-in' });
    expect(FakeNotification.instances.map((n) => n.options.actions)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('announces a refused refresh once, not on every change', () => {
    const notifier = createNotifier({
      Notification: fakeNotificationClass(),
      onClick: () => undefined,
      onSignIn: () => undefined,
      platform: 'win32',
    });
    const { engine, changed } = listingEngine([refused]);
    const watch = watchForNotices({
      engine,
      notifier,
      now: () => Date.now(),
      defaultNotifyBeforeSeconds: () => 600,
    });
    changed();
    watch.check();
    expect(FakeNotification.instances).toHaveLength(1);
    watch.stop();
  });
});
