/**
 * One account window under test: a temporary data dir, the real engine with a passphrase cipher
 * and real fetch, the real request handlers with in-memory settings, a fake clipboard, exports
 * written to files and a fake quit that only counts, a fresh browser page bridged to them, and the
 * built renderer served on loopback.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createRequestHandlers, type ProxyLoginPort, type SettingsPort } from '../../main/app/handlers.js';
import { namesTheWindowMaySend } from '../../main/desktop/ipc-schemas.js';
import { createEngine, type EngineOptions } from '../../main/engine/index.js';
import type { Engine } from '../../main/engine/types.js';
import type { AppInfo, RequestHandlers, Settings, StorageProtection } from '../../preload/contract.js';
import { AccountWindow } from './account-window.js';
import type { Bridge } from './bridge.js';
import { createFakeClipboard, type FakeClipboard } from './fake-clipboard.js';
import type { UiSuite } from './suite.js';

export const DEFAULT_SETTINGS: Settings = {
  clipboardClearSeconds: 30,
  defaultNotifyBeforeSeconds: 600,
  startAtLogin: false,
  persistWeakSecrets: false,
};

/** Settings kept in memory, as the app's store would keep them on disk. */
export function createMemorySettings(initial: Partial<Settings> = {}): SettingsPort & { current: Settings } {
  const port = {
    current: { ...DEFAULT_SETTINGS, ...initial },
    get: () => ({ ...port.current }),
    set: (patch: Partial<Settings>) => {
      port.current = { ...port.current, ...patch };
      return { ...port.current };
    },
  };
  return port;
}

export interface WindowUnderTest {
  page: Page;
  ui: AccountWindow;
  engine: Engine;
  handlers: RequestHandlers;
  bridge: Bridge;
  clipboard: FakeClipboard;
  settings: SettingsPort & { current: Settings };
  dataDir: string;
  /** Paths the export port wrote, in order. */
  exports: string[];
  /** What the pausedChanged port was told (the app pushes it to the window and the tray), in order. */
  pausedAnnounced: boolean[];
  /** How often the fake quit port was asked to quit the app (it quits nothing). */
  fakeQuit: { calls: number };
  close(): Promise<void>;
}

export interface WindowOptions {
  colorScheme?: 'light' | 'dark';
  storageProtection?: StorageProtection;
  settings?: Partial<Settings>;
  viewport?: { width: number; height: number };
  /** Runs on the empty data dir before the window's engine opens it (e.g. write a store from another machine). */
  prepare?: (dataDir: string) => Promise<void>;
  /** Runs against the engine before the page loads (e.g. import accounts). */
  seed?: (engine: Engine) => Promise<void>;
  /** Navigate and wait for the list (default true). */
  open?: boolean;
  /** The proxy sign-in prompts the handlers serve (main/desktop/proxy-login.ts); none by default. */
  proxyLogin?: ProxyLoginPort;
  /** The engine's system browser for a browser sign-in (a scripted Chromium tab, say); none by default. */
  openBrowser?: EngineOptions['openBrowser'];
  /** Bound on a browser sign-in (default 5 min). */
  signInTimeoutMs?: number;
  /** "Open the page again": the handlers' shell.openExternal. */
  openExternal?: (url: string) => Promise<void>;
}

/**
 * Starts an engine and attaches it to the suite's page; `close()` undoes it all (engine, temp dir).
 * The suite closes the window after the test; closing it earlier is fine, the second close does nothing.
 */
export async function openWindow(suite: UiSuite, opts: WindowOptions = {}): Promise<WindowUnderTest> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-ui-'));
  const exportDir = path.join(dataDir, 'exports');
  const engine = createEngine({
    dataDir,
    cipher: suite.cipher(),
    requestTimeoutMs: 5_000,
    ...(opts.openBrowser ? { openBrowser: opts.openBrowser } : {}),
    ...(opts.signInTimeoutMs === undefined ? {} : { signInTimeoutMs: opts.signInTimeoutMs }),
  });
  const attachedTo: { bridge?: Bridge } = {};
  const page = suite.host().page;
  const closeOnce = async () => {
    attachedTo.bridge?.dispose();
    // Leave the page blank so nothing from this test can reach the next test's engine.
    await page.goto('about:blank').catch(() => {});
    await engine.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeOnce());
  try {
    await mkdir(exportDir);
    if (opts.prepare) await opts.prepare(dataDir);
    await engine.start();
    if (opts.seed) await opts.seed(engine);
  } catch (error) {
    await close();
    throw error;
  }

  const clipboard = createFakeClipboard();
  const settings = createMemorySettings(opts.settings);
  const exports: string[] = [];
  const pausedAnnounced: boolean[] = [];
  const fakeQuit = { calls: 0 };
  const protection = opts.storageProtection ?? 'passphrase';
  const appInfo: AppInfo = {
    version: '0.1.0',
    platform: process.platform,
    storageProtection: protection,
    storageWarning:
      protection === 'weak'
        ? 'This system has no key store (Electron reports basic_text), so secrets could only be obfuscated, not encrypted.'
        : null,
    cliCommand: 'tokentray',
    notices: [],
    setAsideAccounts: [],
  };
  const handlers = createRequestHandlers({
    engine,
    clipboard,
    settings,
    // As setup.ts builds it: what the engine found at start, as it is now.
    appInfo: () => ({
      ...appInfo,
      notices: [...engine.notices],
      setAsideAccounts: namesTheWindowMaySend(engine.setAside),
    }),
    async saveExport(contents, suggestedName) {
      const file = path.join(exportDir, `${exports.length + 1}-${suggestedName}`);
      await writeFile(file, contents, { mode: 0o600 });
      exports.push(file);
      return file;
    },
    pausedChanged(paused) {
      pausedAnnounced.push(paused);
      // As the app does: the window (and the tray) hear of it.
      void attachedTo.bridge?.push('pausedChanged', paused);
    },
    quit() {
      fakeQuit.calls++;
    },
    proxyLogin: opts.proxyLogin,
    // As the app does: each step of an interactive sign-in is pushed to the window.
    signInProgress(progress) {
      void attachedTo.bridge?.push('signInProgress', progress);
    },
    ...(opts.openExternal ? { openExternal: opts.openExternal } : {}),
  });

  await page.setViewportSize(opts.viewport ?? { width: 1180, height: 780 });
  await page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light', reducedMotion: 'reduce' });
  const attached = suite.host().attach(handlers, engine);
  attachedTo.bridge = attached;
  const ui = new AccountWindow(page);
  if (opts.open !== false) {
    try {
      await ui.open(suite.url());
    } catch (error) {
      await close();
      throw error;
    }
  }

  suite.closeAfterTest({ close });
  return {
    page,
    ui,
    engine,
    handlers,
    bridge: attached,
    clipboard,
    settings,
    dataDir,
    exports,
    pausedAnnounced,
    fakeQuit,
    close,
  };
}
