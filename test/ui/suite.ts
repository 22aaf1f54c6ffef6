/**
 * Per-file setup for UI tests: the renderer built and served on loopback, one Chromium, one bridged
 * page, the window each test opens closed after it, and (for the files that need them) the peers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { openPassphraseCipher } from '../../main/engine/index.js';
import type { Cipher } from '../../main/engine/types.js';
import { createBridgeHost, type BridgeHost } from './bridge.js';
import { ensureRendererBuilt, launchChromium, RENDERER_DIST } from './browser.js';
import { startPeers, type Peers } from './fixtures.js';
import { serveStatic, type StaticServer } from './static-server.js';

export interface UiSuite {
  browser(): Browser;
  url(): string;
  /** The file's page with the bridge installed; each test attaches its own engine and reloads it. */
  host(): BridgeHost;
  /** One passphrase cipher for the file: deriving its key (scrypt) costs half a second. */
  cipher(): Cipher;
  /** Closes this window after the current test (openWindow calls it). */
  closeAfterTest(window: { close(): Promise<void> }): void;
}

/** Call at the top of a test file; the getters work inside tests. A window a test opened is closed after it. */
export function uiSuite(): UiSuite {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  let context: BrowserContext | undefined;
  let host: BridgeHost | undefined;
  let keyDir: string | undefined;
  let cipher: Cipher | undefined;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-ui-key-'));
    cipher = await openPassphraseCipher(keyDir, 'ui-test-passphrase');
    await ensureRendererBuilt();
    server = await serveStatic(RENDERER_DIST);
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1180, height: 780 },
      reducedMotion: 'reduce',
      deviceScaleFactor: 1,
    });
    host = await createBridgeHost(await context.newPage());
  }, 180_000);
  afterEach(async () => {
    for (const window of open.splice(0)) await window.close();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} not started`);
    return value;
  };
  return {
    browser: () => need(browser, 'browser'),
    url: () => need(server, 'server').url,
    host: () => need(host, 'page'),
    cipher: () => need(cipher, 'cipher'),
    closeAfterTest: (window) => void open.push(window),
  };
}

/** The peers for a whole test file: started before its tests, closed after them. Call at the top of the file. */
export function filePeers(): Peers {
  let peers: Peers | undefined;
  beforeAll(async () => {
    peers = await startPeers();
  });
  afterAll(async () => peers?.close());
  const need = (): Peers => {
    if (!peers) throw new Error('peers not started');
    return peers;
  };
  return {
    get msp360() {
      return need().msp360;
    },
    get backupNet() {
      return need().backupNet;
    },
    get mpsMonitor() {
      return need().mpsMonitor;
    },
    get acronis() {
      return need().acronis;
    },
    get oauth2() {
      return need().oauth2;
    },
    close: () => need().close(),
  };
}
