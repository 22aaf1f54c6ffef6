import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, watchForNotices, type Notifier } from '../../main/desktop/notifications.js';
import { createEngine, openPassphraseCipher } from '../../main/engine/index.js';
import type { Engine } from '../../main/engine/types.js';
import { fakeNotificationClass, FakeNotification } from '../fakes/electron-fake.js';
import { OIDC_DEFAULT_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/index.js';

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
