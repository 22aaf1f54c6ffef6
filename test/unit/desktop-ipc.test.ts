import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRequestHandlers, type ClipboardPort, type CopyOutcome } from '../../main/app/handlers.js';
import { COPY_REFUSED } from '../../main/desktop/clipboard.js';
import { registerIpcHandlers, senderRejection } from '../../main/desktop/ipc.js';
import { openSettingsStore } from '../../main/desktop/settings.js';
import { createEngine, openPassphraseCipher } from '../../main/engine/index.js';
import type { Engine } from '../../main/engine/types.js';
import {
  requestChannels,
  type ActionResult,
  type SignInProgress,
  type TestResult,
} from '../../preload/contract.js';
import { FakeIpcMain, fakeTopFrame, type FakeFrame } from '../fakes/electron-fake.js';
import { makeJwt } from '../peers/index.js';
import { OIDC_PUBLIC_NATIVE_CLIENT, startOidcPeer, type OidcPeerHandle } from '../peers/oidc.js';
import { until } from '../ui/fixtures.js';

const APP = 'app://tokentray/index.html';

describe('sender checks', () => {
  const table: [string, FakeFrame | null, string | null][] = [
    ['the app top frame', fakeTopFrame(APP), null],
    ['a null frame (navigated away or destroyed)', null, 'the sending frame is gone'],
    ['a subframe of the app', { url: APP, parent: fakeTopFrame(APP) }, 'requests from subframes are refused'],
    [
      'a foreign https origin',
      fakeTopFrame('https://attacker.example/'),
      'requests from outside the app origin are refused',
    ],
    [
      'a look-alike host',
      fakeTopFrame('app://tokentray.attacker.com/'),
      'requests from outside the app origin are refused',
    ],
    ['a file: page', fakeTopFrame('file:///tmp/x.html'), 'requests from outside the app origin are refused'],
    ['about:blank', fakeTopFrame('about:blank'), 'requests from outside the app origin are refused'],
  ];
  it.each(table)('%s', (_name, frame, rejection) => {
    expect(senderRejection(frame)).toBe(rejection);
  });

  it('a frame disposed while still referenced (its getters throw, as in Electron): refused as gone', () => {
    const disposed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      get parent(): null {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(senderRejection(disposed)).toBe('the sending frame is gone');
  });
});

describe('IPC handlers over the real engine', () => {
  let dir: string;
  let engine: Engine;
  let ipc: FakeIpcMain;
  let copies: { text: string; seconds: number }[];
  /** What the fake clipboard port reports for each copy. */
  let copyOutcome: CopyOutcome;
  /** What the fake pausedChanged and quit ports were told. */
  let announced: boolean[];
  let quits: number;
  const log: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-ipc-'));
    engine = createEngine({ dataDir: dir, cipher: await openPassphraseCipher(dir, 'test passphrase') });
    await engine.start();
    await engine.saveAccount({
      name: 'acme',
      preset: 'static',
      token: makeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    });
    copies = [];
    announced = [];
    quits = 0;
    copyOutcome = { ok: true, verified: false };
    const fakeClipboard: ClipboardPort = {
      copySecret: async (text, seconds) => {
        copies.push({ text, seconds });
        return copyOutcome;
      },
    };
    const settings = openSettingsStore(dir);
    const handlers = createRequestHandlers({
      engine,
      clipboard: fakeClipboard,
      settings,
      saveExport: async () => null,
      appInfo: () => ({
        version: '0.0.0',
        platform: 'linux',
        storageProtection: 'os',
        storageWarning: null,
        cliCommand: 'tokentray',
        notices: [],
        setAsideAccounts: [],
      }),
      pausedChanged: (paused) => announced.push(paused),
      quit: () => quits++,
    });
    ipc = new FakeIpcMain();
    log.length = 0;
    registerIpcHandlers(ipc.asIpcMain(), handlers, (line) => log.push(line));
  });

  afterEach(async () => {
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers exactly one handler per contract channel', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.values(requestChannels).sort());
  });

  it('serves a request from the app top frame', async () => {
    const accounts = (await ipc.invoke(requestChannels.listAccounts, fakeTopFrame(APP))) as {
      name: string;
    }[];
    expect(accounts.map((a) => a.name)).toEqual(['acme']);
  });

  it.each([
    ['a null frame', null],
    ['a subframe', { url: APP, parent: fakeTopFrame(APP) }],
    ['a foreign origin', fakeTopFrame('https://attacker.example/')],
  ])('refuses %s before the handler runs', async (_name, frame) => {
    await expect(ipc.invoke(requestChannels.removeAccount, frame, 'acme')).rejects.toThrow(/removeAccount: /);
    expect(engine.view('acme')).toBeDefined();
    expect(log).toHaveLength(1);
  });

  it('rejects a bad payload naming the argument and field, without running the handler', async () => {
    await expect(ipc.invoke(requestChannels.copyToken, fakeTopFrame(APP), 'acme', 'pdf')).rejects.toThrow(
      /invalid arguments for copyToken: format: Invalid option/,
    );
    await expect(ipc.invoke(requestChannels.removeAccount, fakeTopFrame(APP), '../acme')).rejects.toThrow(
      /invalid arguments for removeAccount: name: not an account name/,
    );
    await expect(
      ipc.invoke(requestChannels.setSettings, fakeTopFrame(APP), {
        clipboardClearSeconds: -1,
        theme: 'dark',
      }),
    ).rejects.toThrow(/setSettings: patch\.clipboardClearSeconds: .*patch: Unrecognized key: "theme"/);
    await expect(ipc.invoke(requestChannels.listAccounts, fakeTopFrame(APP), 'extra')).rejects.toThrow(
      /listAccounts/,
    );
    await expect(
      ipc.invoke(requestChannels.saveAccount, fakeTopFrame(APP), 'not an object', null),
    ).rejects.toThrow(/saveAccount: input: /);
    expect(copies).toEqual([]);
    expect(engine.view('acme')).toBeDefined();
  });

  it('copies in main and returns metadata only', async () => {
    const result = await ipc.invoke(requestChannels.copyToken, fakeTopFrame(APP), 'acme', 'header');
    expect(result).toEqual({ ok: true, clearsInSeconds: 45 });
    expect(JSON.stringify(result)).not.toMatch(/eyJ/);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.text).toMatch(/^Authorization: Bearer eyJ/);
  });

  it('reports a copy the clipboard did not take as a failure with its message, not as copied', async () => {
    copyOutcome = { ok: false, problem: COPY_REFUSED };
    const result = await ipc.invoke(requestChannels.copyToken, fakeTopFrame(APP), 'acme', 'token');
    expect(result).toEqual({
      ok: false,
      error: { code: 'clipboard_refused', message: COPY_REFUSED, serverMessage: null, status: null },
    });
    expect(COPY_REFUSED).toMatch(
      /did not take the token .*Wayland.*use Copy in the window, or install wl-clipboard/,
    );
    expect(JSON.stringify(result)).not.toMatch(/eyJ/);
    expect(copies).toHaveLength(1);
  });

  it('pauses and resumes the engine’s renewals, announcing each change once', async () => {
    const top = fakeTopFrame(APP);
    expect(await ipc.invoke(requestChannels.getPaused, top)).toBe(false);
    expect(await ipc.invoke(requestChannels.setPaused, top, true)).toBe(true);
    expect(engine.paused).toBe(true);
    expect(await ipc.invoke(requestChannels.getPaused, top)).toBe(true);
    // Asking for the state it is in already changes nothing and announces nothing.
    expect(await ipc.invoke(requestChannels.setPaused, top, true)).toBe(true);
    expect(await ipc.invoke(requestChannels.setPaused, top, false)).toBe(false);
    expect(engine.paused).toBe(false);
    expect(announced).toEqual([true, false]);
  });

  it('refuses a pause that is not a boolean, and a quit with arguments, before the handler runs', async () => {
    const top = fakeTopFrame(APP);
    await expect(ipc.invoke(requestChannels.setPaused, top, 'yes')).rejects.toThrow(
      /invalid arguments for setPaused: paused: /,
    );
    await expect(ipc.invoke(requestChannels.setPaused, top)).rejects.toThrow(/setPaused/);
    await expect(ipc.invoke(requestChannels.quit, top, 'now')).rejects.toThrow(/invalid arguments for quit/);
    await expect(ipc.invoke(requestChannels.quit, fakeTopFrame('https://attacker.example/'))).rejects.toThrow(
      /quit: requests from outside the app origin are refused/,
    );
    expect(engine.paused).toBe(false);
    expect(announced).toEqual([]);
    expect(quits).toBe(0);
  });

  it('quits through the quit port', async () => {
    expect(await ipc.invoke(requestChannels.quit, fakeTopFrame(APP))).toBeUndefined();
    expect(quits).toBe(1);
  });

  it('passes account input on to the engine, whose own validation names the field', async () => {
    const result = (await ipc.invoke(
      requestChannels.saveAccount,
      fakeTopFrame(APP),
      { name: 'x', preset: 'static', colour: 'red' },
      null,
    )) as {
      ok: boolean;
      issues?: { field: string }[];
    };
    expect(result.ok).toBe(false);
    expect(result.issues?.map((i) => i.field)).toContain('colour');
  });
});

describe('interactive sign-in over IPC (issue #11)', () => {
  let dir: string;
  let engine: Engine;
  let ipc: FakeIpcMain;
  let peer: OidcPeerHandle;
  let pushes: SignInProgress[];
  let opened: string[];
  let copied: { text: string; seconds: number }[];
  const top = fakeTopFrame(APP);
  const log: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-ipc-signin-'));
    peer = await startOidcPeer({
      clients: [OIDC_PUBLIC_NATIVE_CLIENT],
      interactive: {},
      deviceAuthorizationPatch: { interval: 1 },
    });
    engine = createEngine({ dataDir: dir, cipher: await openPassphraseCipher(dir, 'test passphrase') });
    await engine.start();
    await engine.saveAccount({
      name: 'acme',
      preset: 'static',
      token: makeJwt({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    });
    await engine.saveAccount({
      name: 'graph',
      preset: 'oauth2',
      grantType: 'device_code',
      issuer: peer.issuer,
      clientId: OIDC_PUBLIC_NATIVE_CLIENT.client_id,
      clientAuth: 'none',
      scope: 'openid offline_access',
    });
    pushes = [];
    opened = [];
    copied = [];
    const handlers = createRequestHandlers({
      engine,
      clipboard: {
        copySecret: async (text, seconds) => {
          copied.push({ text, seconds });
          return { ok: true, verified: false };
        },
      },
      settings: openSettingsStore(dir),
      saveExport: async () => null,
      appInfo: () => ({
        version: '0.0.0',
        platform: 'linux',
        storageProtection: 'os',
        storageWarning: null,
        cliCommand: 'tokentray',
        notices: [],
        setAsideAccounts: [],
      }),
      pausedChanged: () => undefined,
      quit: () => undefined,
      signInProgress: (progress) => pushes.push(progress),
      openExternal: async (url) => {
        opened.push(url);
      },
    });
    ipc = new FakeIpcMain();
    log.length = 0;
    registerIpcHandlers(ipc.asIpcMain(), handlers, (line) => log.push(line));
  });

  afterEach(async () => {
    await engine.stop();
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a sign-in, a cancel or a Test connection sign-in from outside the app’s top frame', async () => {
    const foreign = fakeTopFrame('https://attacker.example/');
    const sub = { url: APP, parent: top };
    await expect(ipc.invoke(requestChannels.signIn, foreign, 'graph')).rejects.toThrow(
      /signIn: requests from outside the app origin are refused/,
    );
    await expect(ipc.invoke(requestChannels.cancelSignIn, sub, { account: 'graph' })).rejects.toThrow(
      /cancelSignIn: requests from subframes are refused/,
    );
    await expect(ipc.invoke(requestChannels.copySignInCode, null, { account: 'graph' })).rejects.toThrow(
      /copySignInCode: the sending frame is gone/,
    );
    await expect(ipc.invoke(requestChannels.openSignInPage, foreign, { account: 'graph' })).rejects.toThrow(
      /openSignInPage: /,
    );
    await expect(ipc.invoke(requestChannels.signInsInProgress, foreign)).rejects.toThrow(
      /signInsInProgress: /,
    );
    expect(pushes).toEqual([]);
    expect(log).toHaveLength(5);
  });

  it('rejects bad targets and sign-in ids naming the argument, before the handler runs', async () => {
    await expect(ipc.invoke(requestChannels.signIn, top, '../graph')).rejects.toThrow(
      /invalid arguments for signIn: name: not an account name/,
    );
    for (const target of [
      { account: '../graph' },
      { test: 'not-a-uuid' },
      { account: 'graph', test: crypto.randomUUID() },
      {},
      'graph',
    ]) {
      await expect(ipc.invoke(requestChannels.cancelSignIn, top, target)).rejects.toThrow(
        /invalid arguments for cancelSignIn: target/,
      );
    }
    await expect(
      ipc.invoke(requestChannels.testConnection, top, { name: 'x', preset: 'static' }, null, 'id-1'),
    ).rejects.toThrow(/invalid arguments for testConnection: signInId: not a sign-in id/);
    // The sign-in id is not optional: a renderer that forgets it gets told, not a silent default.
    await expect(
      ipc.invoke(requestChannels.testConnection, top, { name: 'x', preset: 'static' }, null),
    ).rejects.toThrow(/invalid arguments for testConnection/);
    expect(pushes).toEqual([]);
  });

  it('answers a grant that needs no person with what to do instead, and nothing runs', async () => {
    const result = (await ipc.invoke(requestChannels.signIn, top, 'acme')) as ActionResult;
    expect(result).toMatchObject({ ok: false, error: { code: 'not_interactive' } });
    expect(!result.ok && result.error.message).toMatch(
      /"acme" holds a pasted token, which needs no sign-in: paste a new one/,
    );
    expect(await ipc.invoke(requestChannels.signInsInProgress, top)).toEqual([]);
    expect(await ipc.invoke(requestChannels.cancelSignIn, top, { account: 'acme' })).toBe(false);
    expect(await ipc.invoke(requestChannels.copySignInCode, top, { account: 'acme' })).toMatchObject({
      ok: false,
      error: { code: 'no_sign_in' },
    });
  });

  it('pushes the device code, copies it in main, opens its page, and cancels: no secret crosses', async () => {
    const done = ipc.invoke(requestChannels.signIn, top, 'graph') as Promise<ActionResult>;
    await until(() => pushes.some((p) => p.prompt?.stage === 'device-code'), 'the device code push');
    const running = (await ipc.invoke(requestChannels.signInsInProgress, top)) as SignInProgress[];
    expect(running).toHaveLength(1);
    const prompt = running[0]?.prompt;
    if (prompt?.stage !== 'device-code') throw new Error('no device code');
    expect(prompt.verificationUri).toBe(`${peer.issuer}/device`);
    expect(prompt.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);

    expect(await ipc.invoke(requestChannels.copySignInCode, top, { account: 'graph' })).toEqual({ ok: true });
    expect(copied).toEqual([{ text: prompt.userCode, seconds: 0 }]);
    expect(await ipc.invoke(requestChannels.openSignInPage, top, { account: 'graph' })).toEqual({ ok: true });
    expect(opened).toEqual([prompt.verificationUriComplete ?? prompt.verificationUri]);

    expect(await ipc.invoke(requestChannels.cancelSignIn, top, { account: 'GRAPH' })).toBe(true);
    const result = await done;
    expect(result).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(pushes.at(-1)).toMatchObject({ target: { account: 'graph' }, status: 'cancelled' });
    expect(engine.view('graph')?.signInNeeded).toBe(true);
    // The device code itself (what the token endpoint is polled with) never left main.
    const deviceCodes = peer.requests.flatMap((r) => (r.form?.device_code ? [r.form.device_code] : []));
    for (const code of deviceCodes) expect(JSON.stringify(pushes)).not.toContain(code);
  });

  it('a Test connection of an interactive form pushes under its id and is cancelled by it', async () => {
    const id = crypto.randomUUID();
    const form = { ...engine.view('graph')!.settings, name: 'graph-test', preset: 'oauth2' };
    const answer = ipc.invoke(requestChannels.testConnection, top, form, null, id) as Promise<TestResult>;
    await until(() => pushes.some((p) => p.prompt?.stage === 'device-code'), 'the device code push');
    expect(pushes.every((p) => 'test' in p.target && p.target.test === id)).toBe(true);
    expect(await ipc.invoke(requestChannels.cancelSignIn, top, { test: id })).toBe(true);
    expect(await answer).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(pushes.at(-1)).toMatchObject({ status: 'cancelled' });
  });

  it('a Test connection without a sign-in id runs as before and pushes nothing', async () => {
    const result = (await ipc.invoke(
      requestChannels.testConnection,
      top,
      { name: 'pasted', preset: 'static', token: makeJwt({ exp: Math.floor(Date.now() / 1000) + 600 }) },
      null,
      null,
    )) as TestResult;
    expect(result.ok).toBe(true);
    expect(pushes).toEqual([]);
  });
});
