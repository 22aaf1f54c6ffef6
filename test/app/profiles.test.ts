/**
 * The desktop app, run whole (see desktop-app.test.ts), on profiles a user may bring: no keyring
 * (basic_text), a keyring Chromium does not name (Sway: basic_text with a real key), a store
 * written by the headless agent, a corrupt store, and launches by the user or by autostart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ensureBuilt, runCli, startAgent, makeTempDirs } from '../integration/cli-harness.js';
import { startOAuth2ServerPeer, OAUTH2_DEFAULTS, type OAuth2PeerHandle } from '../peers/index.js';
import { AccountWindow } from '../ui/account-window.js';
import {
  electronNode,
  launchApp,
  makeProfile,
  removeProfile,
  type LaunchOptions,
  type Profile,
  type RunningApp,
} from './app-harness.js';
import type { StandinEvent } from './standin/protocol.js';

const node = electronNode();
if (!node.ok) console.log(`whole-app tests skipped: ${node.reason}`);

type NotificationEvent = Extract<StandinEvent, { event: 'notification' }>;
const isNotification = (e: StandinEvent): e is NotificationEvent => e.event === 'notification';

describe.skipIf(!node.ok)('the desktop app on the profiles users bring', () => {
  let peer: OAuth2PeerHandle;
  const running = new Set<RunningApp>();
  const profiles: Profile[] = [];

  const start = async (opts: LaunchOptions): Promise<RunningApp> => {
    const app = await launchApp(opts);
    running.add(app);
    return app;
  };
  const profile = async (): Promise<Profile> => {
    const p = await makeProfile();
    profiles.push(p);
    return p;
  };
  const account = (name: string) => ({
    name,
    preset: 'oauth2',
    tokenUrl: peer.tokenUrl,
    clientId: OAUTH2_DEFAULTS.clientId,
    clientSecret: OAUTH2_DEFAULTS.clientSecret,
    cliAccess: true,
  });
  /** Adds an account through the window's import, as a user with a file from a colleague would. */
  const importInWindow = async (app: RunningApp, name: string): Promise<void> => {
    const ui = new AccountWindow(await app.window());
    await ui.importText(JSON.stringify({ accounts: [account(name)] }));
    await expect
      .poll(() => app.menuLabels(), { timeout: 15_000 })
      .toContainEqual(expect.stringMatching(new RegExp(`^${name} — `)));
  };
  const quit = async (app: RunningApp): Promise<void> => {
    await app.clickTray('Quit Tokentray');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    await app.stop();
    running.delete(app);
  };

  beforeAll(async () => {
    await ensureBuilt();
    peer = await startOAuth2ServerPeer();
  }, 60_000);

  afterEach(async () => {
    const faults = [...running].flatMap((app) => app.faults());
    for (const app of running) await app.stop();
    running.clear();
    expect(faults).toEqual([]);
  });

  afterAll(async () => {
    await peer?.close();
    for (const p of profiles) await removeProfile(p);
  });

  it('without a keyring (basic_text): secrets stay in memory until the user accepts; after a restart the account asks for its secret again', async () => {
    const p = await profile();
    let app = await start({ profile: p, keyring: 'basic_text' });
    const ui = new AccountWindow(await app.window());
    await ui.page.getByTestId('weak-storage-banner').waitFor();
    expect(await app.menuLabels()).toContain('⚠ No keyring: secrets kept in memory only');
    await importInWindow(app, 'globex');
    await quit(app);
    const store = readFileSync(path.join(p.userData, 'accounts.json'), 'utf8');
    expect(store).not.toContain(OAUTH2_DEFAULTS.clientSecret);
    expect(store).not.toContain(peer.issued.accessTokens.at(-1));

    app = await start({ profile: p, keyring: 'basic_text' });
    await expect.poll(() => app.menuLabels()).toContainEqual(expect.stringMatching(/^globex — /));
    const ui2 = new AccountWindow(await app.window());
    await ui2.select('globex');
    await expect
      .poll(() => ui2.page.locator('article.details').textContent())
      .toContain('the clientSecret is not stored: enter it again in the account');
  }, 90_000);

  it('on Sway-like desktops (backend basic_text, but the key comes from the keyring: v11): protection is the keyring’s, secrets persist', async () => {
    const p = await profile();
    let app = await start({ profile: p, keyring: 'basic_text_with_key' });
    await importInWindow(app, 'initech');
    expect(await app.menuLabels()).not.toContain('⚠ No keyring: secrets kept in memory only');
    const issued = peer.issued.accessTokens.at(-1);
    await quit(app);
    const store = readFileSync(path.join(p.userData, 'accounts.json'), 'utf8');
    expect(store).not.toContain(OAUTH2_DEFAULTS.clientSecret);

    const before = peer.requests.length;
    app = await start({ profile: p, keyring: 'basic_text_with_key' });
    await expect.poll(() => app.menuLabels()).toContainEqual(expect.stringMatching(/^initech — /));
    const result = await runCli(['token', 'initech'], {
      env: cleanEnv({ XDG_RUNTIME_DIR: p.runtimeDir, HOME: p.home }),
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(issued);
    expect(peer.requests.length).toBe(before);
  }, 90_000);

  it('a launch by the user opens the window even with accounts; a launch at login (--hidden) does not', async () => {
    const p = await profile();
    let app = await start({ profile: p });
    await importInWindow(app, 'hooli');
    await quit(app);

    app = await start({ profile: p, args: ['--hidden'] });
    await expect.poll(() => app.menuLabels()).toContainEqual(expect.stringMatching(/^hooli — /));
    expect(await app.windows()).toEqual([]);
    await quit(app);

    app = await start({ profile: p });
    await app.window();
    await expect.poll(async () => (await app.windows()).map((w) => w.visible)).toEqual([true]);
  }, 90_000);

  it('a corrupt store is never lost silently: the user is told that it was moved and where to', async () => {
    const p = await profile();
    await writeFile(path.join(p.userData, 'accounts.json'), '{"accounts": {"half-written', {
      mode: 0o600,
    }).catch(async () => {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(p.userData, { recursive: true });
      await writeFile(path.join(p.userData, 'accounts.json'), '{"accounts": {"half-written', { mode: 0o600 });
    });
    const app = await start({ profile: p });
    const moved = () => readdirSync(p.userData).filter((f) => f.startsWith('accounts.json.unreadable-'));
    await expect.poll(moved).toHaveLength(1);
    const aside = moved();
    expect(readFileSync(path.join(p.userData, aside[0]!), 'utf8')).toBe('{"accounts": {"half-written');
    const notice = await app.waitForEvent(isNotification);
    expect(notice.body).toContain(aside[0]);
    const ui = new AccountWindow(await app.window());
    await expect
      .poll(() => ui.page.getByTestId('startup-notices').textContent())
      .toContain(path.join(p.userData, aside[0]!));
  }, 60_000);

  it('a store written by the headless agent is kept as it is, and the user is told why its secrets cannot be read', async () => {
    const dirs = await makeTempDirs();
    const agent = await startAgent(dirs);
    const file = path.join(dirs.root, 'accounts-to-import.json');
    await writeFile(file, JSON.stringify({ accounts: [account('agent-acct')] }), { mode: 0o600 });
    const imported = await runCli(['import', file, '--data-dir', dirs.dataDir]);
    expect(imported.code).toBe(0);
    await agent.stop();
    const before = readFileSync(path.join(dirs.dataDir, 'accounts.json'), 'utf8');

    const p = await profile();
    const app = await start({ profile: { ...p, userData: dirs.dataDir } });
    const ui = new AccountWindow(await app.window());
    await expect.poll(() => app.menuLabels()).toContainEqual(expect.stringMatching(/^agent-acct — /));
    expect(existsSync(path.join(dirs.dataDir, 'accounts.json'))).toBe(true);
    expect(readdirSync(dirs.dataDir).filter((f) => f.includes('unreadable'))).toEqual([]);
    await ui.select('agent-acct');
    await expect.poll(() => ui.page.locator('article.details').textContent()).toContain('Needs you');
    await expect
      .poll(() => ui.page.getByTestId('startup-notices').textContent())
      .toMatch(/agent-acct.*stored by the headless agent.*kept in the file unchanged/);
    await quit(app);
    // Nothing the app could not read was rewritten.
    expect(
      JSON.parse(readFileSync(path.join(dirs.dataDir, 'accounts.json'), 'utf8')).accounts['agent-acct']
        .secrets,
    ).toEqual(JSON.parse(before).accounts['agent-acct'].secrets);
  }, 90_000);
});
