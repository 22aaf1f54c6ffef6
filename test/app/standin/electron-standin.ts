/**
 * A NAMED FAKE of Electron's main process, for running the real built Tokentray (package.json
 * `main`, i.e. dist/main/index.cjs) under Electron's own Node (24) where the Electron binary
 * cannot be downloaded. Started as `node24 electron-standin.cjs <app folder> [args]`, it does what
 * Electron's default_app does with `electron .`: reads the folder's package.json, sets the app
 * path to the folder, and requires `main` with `require('electron')` answered by this module.
 *
 * Strict where Electron is strict: Tray, safeStorage, protocol.handle, BrowserWindow, screen,
 * Notification and sessions throw before `ready`; schemes can be registered only before `ready`;
 * a tray image must exist (stricter: Electron shows an empty icon); Menu.buildFromTemplate
 * validates items as lib/browser/api/menu.ts does; `before-quit` and `will-quit` honour
 * preventDefault; `dialog.showErrorBox` is reported to the test, which fails.
 *
 * Windows are pages in real Chromium (playwright-core): a page asks for https://<host>.app.standin/
 * and the request is answered by the app's OWN protocol.handle('app') handler with app://<host>/…
 * (Chromium cannot load an unknown scheme, so this origin mapping is the one liberty taken). The
 * real preload runs here, in a sandbox-like module scope (only `electron`, `events`, `timers`,
 * `url` can be required, as in a sandboxed preload), and what it passes to
 * contextBridge.exposeInMainWorld is mirrored into the page: functions are proxied both ways,
 * values are structured-cloned as IPC does. ipcRenderer.invoke reaches the app's real ipcMain
 * handlers with a senderFrame whose url is the app:// URL of the page.
 *
 * The test drives it over the child-process IPC channel (protocol.ts) and drives the pages over
 * CDP (cdpEndpoint).
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type { BrowserContext, Page, Route } from 'playwright-core';
import type {
  ClipboardState,
  Command,
  MenuItemView,
  Reply,
  StandinConfig,
  StandinEvent,
  TrayState,
  WindowState,
} from './protocol.js';
import { CHROMIUM_TEST_FLAGS } from '../../ui/chromium-flags.js';
import { standinNetRequest } from './net-request-standin.js';

const config = JSON.parse(process.env.TOKENTRAY_STANDIN ?? 'null') as StandinConfig | null;
if (config === null) throw new Error('electron stand-in: TOKENTRAY_STANDIN is not set');
const cfg: StandinConfig = config;
delete process.env.TOKENTRAY_STANDIN;

const send = (event: StandinEvent): void => {
  process.send?.(event);
};

/** A misuse that real Electron would refuse or that the stand-in cannot honour: reported, thrown. */
class StandinStrictError extends Error {
  override readonly name = 'StandinStrictError';
}
function strict(message: string): never {
  send({ event: 'strictness', message });
  throw new StandinStrictError(message);
}

// ---------- ready ----------

let ready = false;
let resolveReady: () => void = () => undefined;
const readyPromise = new Promise<void>((resolve) => {
  resolveReady = resolve;
});
function requireReady(what: string): void {
  if (!ready) strict(`${what} cannot be used before the app is ready`);
}

interface PreventableEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
function preventable<T extends object>(fields: T = {} as T): T & PreventableEvent {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

// ---------- the app folder, as default_app reads it ----------

const appDir = path.resolve(process.argv[2] ?? '.');
const userArgs = process.argv.slice(3);
const appPackage = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')) as {
  name: string;
  productName?: string;
  version: string;
  main?: string;
};
process.argv = [process.execPath, appDir, ...userArgs];
Object.defineProperty(process, 'resourcesPath', {
  value: path.join(path.dirname(process.execPath), 'resources'),
});
Object.defineProperty(process, 'type', { value: 'browser' });

let chromium: BrowserContext | null = null;

// ---------- app ----------

class StandinApp extends EventEmitter {
  readonly isPackaged = false;
  readonly name = appPackage.productName ?? appPackage.name;
  readonly commandLine = {
    appendSwitch: (): void => undefined,
    hasSwitch: (): boolean => false,
    getSwitchValue: (): string => '',
  };
  private readonly paths = new Map<string, string>();
  private quitting = false;

  whenReady(): Promise<void> {
    return readyPromise;
  }
  isReady(): boolean {
    return ready;
  }
  getAppPath(): string {
    return appDir;
  }
  getName(): string {
    return this.name;
  }
  getVersion(): string {
    return appPackage.version;
  }
  getPath(name: string): string {
    const set = this.paths.get(name);
    if (set !== undefined) return set;
    const home = os.homedir();
    const appData = process.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
    switch (name) {
      case 'home':
        return home;
      case 'appData':
        return appData;
      case 'userData':
        return path.join(appData, this.name);
      case 'sessionData':
        return this.getPath('userData');
      case 'logs':
        return path.join(this.getPath('userData'), 'logs');
      case 'temp':
        return os.tmpdir();
      case 'exe':
        return process.execPath;
      case 'desktop':
      case 'documents':
      case 'downloads':
        return path.join(home, name[0]!.toUpperCase() + name.slice(1));
      default:
        throw new Error(`Failed to get '${name}' path`);
    }
  }
  setPath(name: string, value: string): void {
    if (!path.isAbsolute(value)) strict(`app.setPath(${name}) needs an absolute path, got ${value}`);
    this.paths.set(name, value);
  }
  requestSingleInstanceLock(): boolean {
    // One instance per test profile: a second instance is not emulated.
    return true;
  }
  setAppUserModelId(): void {}
  setLoginItemSettings(): void {}
  getLoginItemSettings(): { openAtLogin: boolean } {
    return { openAtLogin: false };
  }
  focus(): void {}
  /** Electron's order: before-quit (preventable), windows close, will-quit (preventable), quit, exit 0. */
  quit(): void {
    if (this.quitting) return;
    const before = preventable();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const win of [...StandinBrowserWindow.all]) {
      win.close();
      if (!win.isDestroyed()) return; // a window refused to close: the quit is cancelled
    }
    const will = preventable();
    this.emit('will-quit', will);
    if (will.defaultPrevented) return;
    this.quitting = true;
    this.emit('quit', preventable(), 0);
    void shutdown(0);
  }
  exit(code = 0): void {
    this.quitting = true;
    for (const win of [...StandinBrowserWindow.all]) win.destroy();
    void shutdown(code);
  }
}

const app = new StandinApp();
// Electron never exits on its own: only app.quit()/app.exit() end it.
const keepAlive = setInterval(() => undefined, 1 << 30);

async function shutdown(code: number): Promise<void> {
  send({ event: 'exiting', code });
  clearInterval(keepAlive);
  const closing = chromium?.close().catch(() => undefined);
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  process.exit(code);
}

// ---------- protocol ----------

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const privilegedSchemes = new Map<string, { standard?: boolean; secure?: boolean }>();
const protocolHandlers = new Map<string, ProtocolHandler>();

const protocol = {
  registerSchemesAsPrivileged(
    schemes: { scheme: string; privileges?: { standard?: boolean; secure?: boolean } }[],
  ) {
    if (ready) strict('protocol.registerSchemesAsPrivileged should be called before app is ready');
    for (const s of schemes) privilegedSchemes.set(s.scheme, s.privileges ?? {});
  },
  handle(scheme: string, handler: ProtocolHandler) {
    requireReady('protocol.handle');
    if (protocolHandlers.has(scheme)) strict(`protocol.handle: ${scheme} is already handled`);
    protocolHandlers.set(scheme, handler);
  },
  unhandle(scheme: string) {
    protocolHandlers.delete(scheme);
  },
  isProtocolHandled(scheme: string) {
    return protocolHandlers.has(scheme);
  },
};

const STANDIN_SUFFIX = '.app.standin';

/** app://host/path → https://host.app.standin/path (only for a registered standard scheme). */
function toPageUrl(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme === 'https' || scheme === 'http' || scheme === 'about' || scheme === 'data') return url;
  const privileges = privilegedSchemes.get(scheme);
  if (!privileges?.standard)
    strict(`${scheme}: is not registered as a standard scheme; the stand-in cannot load ${url}`);
  return `https://${parsed.host}${STANDIN_SUFFIX}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

/** The reverse mapping; null for a URL that is not a mapped app URL. */
function toAppUrl(pageUrl: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(pageUrl);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || !parsed.hostname.endsWith(STANDIN_SUFFIX)) return null;
  const host = parsed.hostname.slice(0, -STANDIN_SUFFIX.length);
  const scheme = [...privilegedSchemes.keys()][0] ?? 'app';
  return `${scheme}://${host}${parsed.pathname}${parsed.search}${parsed.hash}`;
}

// ---------- sessions ----------

class StandinSession extends EventEmitter {
  readonly protocol = protocol;
  setPermissionRequestHandler(): void {}
  setPermissionCheckHandler(): void {}
  setDevicePermissionHandler(): void {}
  setProxy(): Promise<void> {
    return Promise.resolve();
  }
  /** Node's fetch stands in for Chromium's network stack (proxies, system certificates: not emulated). */
  fetch(
    input: string | Request,
    init?: RequestInit & { bypassCustomProtocolHandlers?: boolean },
  ): Promise<Response> {
    const rest: RequestInit = { ...(init ?? {}) };
    delete (rest as { bypassCustomProtocolHandlers?: boolean }).bypassCustomProtocolHandlers;
    return fetch(input, rest);
  }
}
const sessions = new Map<string, StandinSession>();
const session = {
  get defaultSession(): StandinSession {
    requireReady('session.defaultSession');
    return session.fromPartition('');
  },
  fromPartition(partition: string): StandinSession {
    requireReady('session.fromPartition');
    let s = sessions.get(partition);
    if (s === undefined) {
      s = new StandinSession();
      sessions.set(partition, s);
    }
    return s;
  },
};

// ---------- ipcMain and the preload ----------

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;
const invokeHandlers = new Map<string, InvokeHandler>();
const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel: string, handler: InvokeHandler) {
    if (invokeHandlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    invokeHandlers.set(channel, handler);
  },
  handleOnce(channel: string, handler: InvokeHandler) {
    ipcMain.handle(channel, (event, ...args) => {
      invokeHandlers.delete(channel);
      return handler(event, ...args);
    });
  },
  removeHandler(channel: string) {
    invokeHandlers.delete(channel);
  },
});

/** One document's preload: its ipcRenderer and what it exposed. */
interface PreloadInstance {
  exposed: Map<string, unknown>;
  ipcRenderer: EventEmitter;
  dispose(): void;
}

const SANDBOX_MODULES = new Set(['events', 'timers', 'url']);
const hostRequire = createRequire(__filename);

function runPreload(file: string, ipcRenderer: EventEmitter): Map<string, unknown> {
  const exposed = new Map<string, unknown>();
  const contextBridge = {
    exposeInMainWorld(key: string, api: unknown) {
      if (typeof key !== 'string' || key === '') throw new TypeError('exposeInMainWorld needs a key');
      if (exposed.has(key))
        throw new Error(`Cannot bind an API on top of an existing property on the window object`);
      exposed.set(key, api);
    },
  };
  const rendererElectron = { contextBridge, ipcRenderer };
  const source = readFileSync(file, 'utf8');
  const fn = vm.compileFunction(
    source,
    ['exports', 'require', 'module', '__filename', '__dirname', 'process'],
    {
      filename: file,
    },
  ) as (...args: unknown[]) => void;
  const module = { exports: {} };
  const sandboxRequire = (id: string): unknown => {
    if (id === 'electron') return rendererElectron;
    if (SANDBOX_MODULES.has(id) || SANDBOX_MODULES.has(id.replace(/^node:/, ''))) return hostRequire(id);
    throw new Error(`module not found: ${id}`);
  };
  const sandboxProcess = {
    platform: process.platform,
    arch: process.arch,
    versions: process.versions,
    env: {},
  };
  fn(module.exports, sandboxRequire, module, file, path.dirname(file), sandboxProcess);
  return exposed;
}

type Shape =
  | { kind: 'object'; members: Record<string, Shape> }
  | { kind: 'async' }
  | { kind: 'returnsFunction' }
  | { kind: 'value'; value: unknown };

/**
 * What the exposed API looks like, found by running the preload over an ipcRenderer whose
 * invoke never settles: a member that returns a promise is async in the page, one that returns a
 * function (a subscription) returns its unsubscribe function synchronously there too.
 */
function probeShape(preloadPath: string): Record<string, Shape> {
  const probeIpc = Object.assign(new EventEmitter(), {
    invoke: () => new Promise(() => undefined),
    send: () => undefined,
  });
  const exposed = runPreload(preloadPath, probeIpc);
  const describe = (value: unknown): Shape => {
    if (typeof value === 'function') {
      let out: unknown;
      try {
        out = (value as (...a: unknown[]) => unknown)(() => undefined);
      } catch {
        out = undefined;
      }
      return typeof out === 'function' ? { kind: 'returnsFunction' } : { kind: 'async' };
    }
    if (value !== null && typeof value === 'object') {
      return {
        kind: 'object',
        members: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v)])),
      };
    }
    return { kind: 'value', value };
  };
  return Object.fromEntries([...exposed].map(([k, v]) => [k, describe(v)]));
}

/** Runs in every frame of the page before its scripts: the main world's view of contextBridge. */
function pageBridge({ shapes }: { shapes: Record<string, Shape> }): void {
  if (window.top !== window) return; // a preload runs in the main frame only (nodeIntegrationInSubFrames: false)
  const w = window as unknown as Record<string, unknown>;
  const doc = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const callbacks = new Map<number, (...a: unknown[]) => unknown>();
  let next = 1;
  const encode = (value: unknown): unknown => {
    if (typeof value === 'function') {
      const id = next++;
      callbacks.set(id, value as (...a: unknown[]) => unknown);
      return { $fn: id };
    }
    if (value === undefined) return { $undefined: true };
    if (Array.isArray(value)) return value.map(encode);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
    }
    return value;
  };
  const bridge = (message: Record<string, unknown>): Promise<unknown> =>
    (w.__standinBridge as (json: string) => Promise<string>)(JSON.stringify({ doc, ...message })).then(
      (json) => {
        const reply = JSON.parse(json) as { ok: boolean; value?: unknown; message?: string };
        if (!reply.ok) throw new Error(reply.message);
        return decode(reply.value);
      },
    );
  const decode = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (value !== null && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      if (typeof v.$fn === 'number') {
        const id = v.$fn;
        return (...args: unknown[]) => bridge({ fn: id, args: encode(args) });
      }
      if (v.$undefined === true) return undefined;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
    }
    return value;
  };
  Object.defineProperty(window, '__standinCallback', {
    value: (id: number, json: string) => {
      const args = decode(JSON.parse(json)) as unknown[];
      callbacks.get(id)?.(...args);
    },
  });
  const build = (shape: Shape, at: string[]): unknown => {
    switch (shape.kind) {
      case 'async':
        return (...args: unknown[]) => bridge({ path: at, args: encode(args) });
      case 'returnsFunction':
        return (...args: unknown[]) => {
          const pending = bridge({ path: at, args: encode(args) });
          return (...inner: unknown[]) => {
            void pending.then((fn) =>
              typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown)(...inner) : undefined,
            );
          };
        };
      case 'object':
        return Object.freeze(
          Object.fromEntries(Object.entries(shape.members).map(([k, s]) => [k, build(s, [...at, k])])),
        );
      case 'value':
        return shape.value;
    }
  };
  for (const [key, shape] of Object.entries(shapes)) {
    Object.defineProperty(window, key, { value: build(shape, [key]), enumerable: true });
  }
}

// ---------- BrowserWindow and webContents ----------

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

class StandinWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = StandinWebContents.nextId++;
  readonly session: StandinSession;
  page: Page | null = null;
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  /** The current document's preload, by the page's document id. */
  current: { doc: string; instance: PreloadInstance } | null = null;
  /** Return values that are functions, kept for the page to call. */
  readonly returned = new Map<number, (...a: unknown[]) => unknown>();
  nextReturned = 1;

  constructor(readonly owner: StandinBrowserWindow) {
    super();
    this.session = session.defaultSession;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    const url = this.page?.url() ?? '';
    return toAppUrl(url) ?? url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isLoading(): boolean {
    return false;
  }
  focus(): void {}
  openDevTools(): void {}
  get mainFrame(): { url: string; parent: null } {
    return { url: this.getURL(), parent: null };
  }
  /** Delivers to the current document's ipcRenderer listeners, as IPC does (structured clone). */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) strict(`webContents.send(${channel}) on a destroyed webContents`);
    const instance = this.current?.instance;
    if (instance === undefined) return;
    const cloned = structuredClone(args);
    instance.ipcRenderer.emit(channel, { sender: instance.ipcRenderer, senderId: 0, ports: [] }, ...cloned);
  }
  /** A new preload for a new document. */
  instanceFor(doc: string, preloadPath: string): PreloadInstance {
    if (this.current?.doc === doc) return this.current.instance;
    this.current?.instance.dispose();
    this.returned.clear();
    const ipcRenderer = Object.assign(new EventEmitter(), {
      invoke: (channel: string, ...args: unknown[]) => this.invoke(channel, args),
      send: (channel: string, ...args: unknown[]) =>
        ipcMain.emit(channel, this.ipcEvent(), ...structuredClone(args)),
    });
    const exposed = runPreload(preloadPath, ipcRenderer);
    const instance: PreloadInstance = {
      exposed,
      ipcRenderer,
      dispose: () => ipcRenderer.removeAllListeners(),
    };
    this.current = { doc, instance };
    return instance;
  }
  private ipcEvent(): Record<string, unknown> {
    const frame = { url: this.getURL(), parent: null, routingId: 1, processId: 1 };
    return { sender: this, senderFrame: frame, frameId: 1, processId: 1, type: 'frame' };
  }
  private async invoke(channel: string, args: unknown[]): Promise<unknown> {
    const handler = invokeHandlers.get(channel);
    if (handler === undefined) {
      throw new Error(
        `Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`,
      );
    }
    try {
      const result = await handler(this.ipcEvent(), ...structuredClone(args));
      return structuredClone(result);
    } catch (error) {
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`);
    }
  }
}

class StandinBrowserWindow extends EventEmitter {
  static readonly all = new Set<StandinBrowserWindow>();
  private static nextId = 1;
  readonly id = StandinBrowserWindow.nextId++;
  readonly webContents: StandinWebContents;
  private visible = false;
  private minimized = false;
  private destroyed = false;
  private bounds: Rect;
  private title: string;
  private readonly preloadPath: string | null;
  private readonly pageReady: Promise<Page>;
  private readyShown = false;
  /** URLs the app itself asked for (loadURL, reload): not renderer-initiated, so no will-navigate. */
  private readonly ownLoads = new Set<string>();

  constructor(options: Record<string, unknown> = {}) {
    super();
    requireReady('new BrowserWindow');
    const prefs = (options.webPreferences ?? {}) as Record<string, unknown>;
    if (prefs.contextIsolation === false || prefs.sandbox === false || prefs.nodeIntegration === true) {
      strict(
        'the stand-in runs a sandboxed, context-isolated preload only (contextIsolation, sandbox, no nodeIntegration)',
      );
    }
    const preload = prefs.preload;
    if (preload !== undefined) {
      if (typeof preload !== 'string' || !path.isAbsolute(preload))
        strict(`webPreferences.preload must be an absolute path: ${String(preload)}`);
      if (!existsSync(preload)) strict(`Unable to load preload script: ${preload}`);
    }
    this.preloadPath = (preload as string | undefined) ?? null;
    this.bounds = {
      x: Number(options.x ?? 0),
      y: Number(options.y ?? 0),
      width: Number(options.width ?? 800),
      height: Number(options.height ?? 600),
    };
    this.title = String(options.title ?? appPackage.productName ?? appPackage.name);
    this.visible = options.show !== false;
    this.webContents = new StandinWebContents(this);
    StandinBrowserWindow.all.add(this);
    this.pageReady = this.createPage();
    // An unhandled failure here is a test failure, reported with its reason.
    this.pageReady.catch((error: unknown) =>
      send({ event: 'strictness', message: `window page: ${String(error)}` }),
    );
  }

  private async createPage(): Promise<Page> {
    if (chromium === null) strict('no browser');
    const page = await chromium.newPage();
    await page.setViewportSize({ width: this.bounds.width, height: this.bounds.height });
    if (this.preloadPath !== null) {
      const preloadPath = this.preloadPath;
      const shapes = probeShape(preloadPath);
      await page.exposeBinding('__standinBridge', (_source, json: string) => this.bridge(json, preloadPath));
      await page.addInitScript(pageBridge, { shapes });
    }
    page.on('load', () => {
      if (this.destroyed) return;
      this.webContents.emit('did-finish-load');
      if (!this.readyShown) {
        this.readyShown = true;
        this.emit('ready-to-show');
      }
    });
    page.on('popup', (popup) => {
      const url = popup.url();
      const decision = this.webContents.windowOpenHandler?.({ url }) ?? { action: 'allow' };
      if (decision.action !== 'deny')
        send({ event: 'strictness', message: `a window was opened and allowed: ${url}` });
      void popup.close();
    });
    this.webContents.page = page;
    pagesToWindows.set(page, this);
    return page;
  }

  /** One call from the page's contextBridge mirror. */
  private async bridge(json: string, preloadPath: string): Promise<string> {
    const message = JSON.parse(json) as { doc: string; path?: string[]; fn?: number; args: unknown };
    const contents = this.webContents;
    const instance = contents.instanceFor(message.doc, preloadPath);
    const args = (decodeFromPage(message.args, contents) as unknown[]) ?? [];
    try {
      let target: unknown;
      if (message.fn !== undefined) {
        target = contents.returned.get(message.fn);
      } else {
        const [key, ...rest] = message.path ?? [];
        target = rest.reduce<unknown>(
          (obj, k) => (obj as Record<string, unknown> | undefined)?.[k],
          instance.exposed.get(key ?? ''),
        );
      }
      if (typeof target !== 'function') throw new TypeError('not a function');
      const value = await (target as (...a: unknown[]) => unknown)(...args);
      return JSON.stringify({ ok: true, value: encodeForPage(value, contents) });
    } catch (error) {
      return JSON.stringify({ ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }

  async loadURL(url: string): Promise<void> {
    if (this.destroyed) strict('loadURL on a destroyed window');
    const page = await this.pageReady;
    const target = toPageUrl(url);
    this.ownLoads.add(target);
    try {
      const response = await page.goto(target, { waitUntil: 'load', timeout: 30_000 });
      if (response !== null && !response.ok())
        throw new Error(`ERR_HTTP_RESPONSE_CODE_FAILURE (${response.status()}) loading '${url}'`);
    } finally {
      this.ownLoads.delete(target);
    }
  }
  /** For the request router: whether a main-frame navigation was started by the app. */
  isOwnLoad(url: string): boolean {
    return this.ownLoads.has(url) || url === this.webContents.page?.url();
  }
  show(): void {
    this.visible = true;
    this.minimized = false;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.emit('hide');
  }
  focus(): void {
    this.visible = true;
    this.emit('focus');
  }
  blur(): void {}
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  minimize(): void {
    this.minimized = true;
  }
  restore(): void {
    this.minimized = false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(bounds: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...bounds };
  }
  getTitle(): string {
    return this.title;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  setMenuBarVisibility(): void {}
  setAutoHideMenuBar(): void {}
  removeMenu(): void {}
  /**
   * As Electron closes a window: 'close' first ("emitted before the beforeunload and unload event
   * of the DOM"), then the page's beforeunload; one that objects emits 'will-prevent-unload', and
   * the page goes only if a listener calls preventDefault, else the window stays as it is.
   */
  close(): void {
    if (this.destroyed) return;
    const event = preventable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    void this.unloadAsked().then((leave) => {
      if (leave) this.destroy();
    });
  }
  private async unloadAsked(): Promise<boolean> {
    const page = this.webContents.page;
    if (page === null || page.isClosed()) return true;
    const objects = await page
      .evaluate(() => {
        const unload = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(unload);
        return unload.defaultPrevented;
      })
      .catch(() => false);
    if (!objects || this.destroyed) return true;
    const prevent = preventable();
    this.webContents.emit('will-prevent-unload', prevent);
    return prevent.defaultPrevented;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.webContents.current?.instance.dispose();
    StandinBrowserWindow.all.delete(this);
    void this.pageReady.then((page) => page.close()).catch(() => undefined);
    this.emit('closed');
  }
  static getAllWindows(): StandinBrowserWindow[] {
    return [...StandinBrowserWindow.all];
  }
  static getFocusedWindow(): StandinBrowserWindow | null {
    return [...StandinBrowserWindow.all].find((w) => w.isVisible()) ?? null;
  }
  static fromWebContents(contents: StandinWebContents): StandinBrowserWindow | null {
    return contents.owner;
  }
}

const pagesToWindows = new WeakMap<Page, StandinBrowserWindow>();

function encodeForPage(value: unknown, contents: StandinWebContents): unknown {
  if (typeof value === 'function') {
    const id = contents.nextReturned++;
    contents.returned.set(id, value as (...a: unknown[]) => unknown);
    return { $fn: id };
  }
  if (value === undefined) return { $undefined: true };
  if (Array.isArray(value)) return value.map((v) => encodeForPage(v, contents));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(structuredClone(value) as object).map(([k, v]) => [k, encodeForPage(v, contents)]),
    );
  }
  return value;
}

function decodeFromPage(value: unknown, contents: StandinWebContents): unknown {
  if (Array.isArray(value)) return value.map((v) => decodeFromPage(v, contents));
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.$fn === 'number') {
      const id = v.$fn;
      // A page function handed to the preload: calling it runs it in the page, later.
      return (...args: unknown[]) => {
        const page = contents.page;
        if (page === null || page.isClosed()) return;
        const json = JSON.stringify(encodeForPage(args, contents));
        void page
          .evaluate(
            ({ id: fnId, payload }) => {
              const deliver = (window as unknown as Record<string, (i: number, j: string) => void>)
                .__standinCallback;
              deliver?.(fnId, payload);
            },
            { id, payload: json },
          )
          .catch(() => undefined);
      };
    }
    if (v.$undefined === true) return undefined;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeFromPage(x, contents)]));
  }
  return value;
}

/** Every request of every page: app URLs through the app's protocol handler, nothing else. */
async function routeRequest(route: Route): Promise<void> {
  const request = route.request();
  const url = request.url();
  let frameWindow: StandinBrowserWindow | undefined;
  try {
    const frame = request.frame();
    frameWindow = pagesToWindows.get(frame.page());
    if (
      request.isNavigationRequest() &&
      frame === frame.page().mainFrame() &&
      frameWindow !== undefined &&
      !frameWindow.isOwnLoad(url)
    ) {
      const appUrl = toAppUrl(url) ?? url;
      const event = preventable({ url: appUrl, isMainFrame: true });
      frameWindow.webContents.emit('will-navigate', event, appUrl);
      if (event.defaultPrevented) {
        await route.abort('aborted');
        return;
      }
      if (toAppUrl(url) === null)
        send({ event: 'strictness', message: `the app let its window navigate to ${url}` });
    }
  } catch {
    // A service worker request has no frame: fall through.
  }
  const appUrl = toAppUrl(url);
  if (appUrl === null) {
    if (!url.startsWith('data:') && !url.startsWith('about:')) {
      send({
        event: 'strictness',
        message: `a page asked for ${url}; the stand-in reaches no network from pages`,
      });
    }
    await route.abort('blockedbyclient');
    return;
  }
  const scheme = appUrl.slice(0, appUrl.indexOf(':'));
  const handler = protocolHandlers.get(scheme);
  if (handler === undefined) {
    await route.abort('failed');
    return;
  }
  const headers = request.headers();
  const response = await handler(new Request(appUrl, { method: request.method(), headers }));
  const body = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  await route.fulfill({ status: response.status, headers: out, body });
}

// ---------- screen ----------

const DISPLAY = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 32, width: 1920, height: 1048 },
  scaleFactor: 1,
};
const screenModule = Object.assign(new EventEmitter(), {
  getAllDisplays: () => [DISPLAY],
  getPrimaryDisplay: () => DISPLAY,
  getDisplayMatching: () => DISPLAY,
  getCursorScreenPoint: () => ({ x: 0, y: 0 }),
});

// ---------- Menu and Tray ----------

const MENU_ITEM_TYPES = ['normal', 'separator', 'submenu', 'checkbox', 'radio', 'header', 'palette'];

interface MenuItemOptions {
  label?: string;
  role?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  visible?: boolean;
  click?: (...args: unknown[]) => void;
  submenu?: MenuItemOptions[] | StandinMenu;
}

class StandinMenuItem {
  readonly label: string;
  readonly type: string;
  readonly enabled: boolean;
  readonly checked: boolean;
  readonly visible: boolean;
  readonly role: string | undefined;
  readonly submenu: StandinMenu | null;
  private readonly clickHandler: ((...args: unknown[]) => void) | undefined;
  constructor(options: MenuItemOptions) {
    this.role = typeof options.role === 'string' ? options.role.toLowerCase() : undefined;
    let submenu: StandinMenu | null = null;
    if (options.submenu !== undefined && options.submenu !== null) {
      submenu =
        options.submenu instanceof StandinMenu
          ? options.submenu
          : StandinMenu.buildFromTemplate(options.submenu);
    }
    let type = options.type;
    if (type === undefined && submenu !== null) type = 'submenu';
    if (type === 'submenu' && submenu === null) throw new Error('Invalid submenu');
    type ??= 'normal';
    if (!MENU_ITEM_TYPES.includes(type)) throw new Error(`Unknown menu item type: ${type}`);
    if (options.click !== undefined && typeof options.click !== 'function') {
      strict(`menu item "${options.label ?? ''}": click must be a function`);
    }
    this.type = type;
    this.submenu = submenu;
    this.label = options.label ?? this.role ?? '';
    this.enabled = options.enabled ?? true;
    this.checked = options.checked ?? false;
    this.visible = options.visible ?? true;
    this.clickHandler = options.click;
  }
  click(): void {
    if (!this.enabled) strict(`menu item "${this.label}" is disabled: a user cannot click it`);
    this.clickHandler?.({ triggeredByAccelerator: false }, undefined, undefined);
  }
  view(): MenuItemView {
    return {
      type: this.type,
      label: this.label,
      enabled: this.enabled,
      checked: this.checked,
      submenu: this.submenu?.view() ?? null,
    };
  }
}

let applicationMenu: StandinMenu | null = null;

class StandinMenu extends EventEmitter {
  readonly items: StandinMenuItem[] = [];
  append(item: StandinMenuItem): void {
    this.items.push(item);
  }
  popup(): void {}
  closePopup(): void {}
  view(): MenuItemView[] {
    return this.items.filter((i) => i.visible).map((i) => i.view());
  }
  static buildFromTemplate(template: unknown): StandinMenu {
    if (!Array.isArray(template))
      throw new TypeError('Invalid template for Menu: Menu template must be an array');
    const valid = template.every(
      (item: unknown) =>
        item !== null &&
        typeof item === 'object' &&
        (Object.hasOwn(item, 'label') ||
          Object.hasOwn(item, 'role') ||
          (item as MenuItemOptions).type === 'separator'),
    );
    if (!valid)
      throw new TypeError('Invalid template for MenuItem: must have at least one of label, role or type');
    const menu = new StandinMenu();
    // Electron's removeExtraSeparators: none leading, trailing or doubled.
    const items = (template as MenuItemOptions[]).filter((item, i, all) => {
      if (item.type !== 'separator') return true;
      const prev = all
        .slice(0, i)
        .filter((x) => x.visible !== false)
        .at(-1);
      const rest = all.slice(i + 1).filter((x) => x.visible !== false);
      return prev !== undefined && prev.type !== 'separator' && rest.some((x) => x.type !== 'separator');
    });
    for (const item of items) menu.append(new StandinMenuItem(item));
    return menu;
  }
  static setApplicationMenu(menu: StandinMenu | null): void {
    if (menu !== null && !(menu instanceof StandinMenu)) throw new TypeError('Invalid menu');
    applicationMenu = menu;
  }
  static getApplicationMenu(): StandinMenu | null {
    return applicationMenu;
  }
}

function checkImage(image: unknown, what: string): string {
  if (typeof image !== 'string') strict(`${what}: the stand-in takes an image path`);
  if (!existsSync(image))
    strict(`${what}: the image ${image} does not exist (Electron would show an empty icon)`);
  const fd = openSync(image, 'r');
  const head = Buffer.alloc(8);
  readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  const png = head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const ico = head[0] === 0 && head[1] === 0 && head[2] === 1 && head[3] === 0;
  if (!png && !ico) strict(`${what}: ${image} is neither a PNG nor an ICO image`);
  return image;
}

let liveTray: StandinTray | null = null;

class StandinTray extends EventEmitter {
  image: string;
  tooltip: string | null = null;
  menu: StandinMenu | null = null;
  menusSet = 0;
  menuOpen = false;
  private destroyed = false;
  constructor(image: unknown) {
    super();
    requireReady('new Tray');
    this.image = checkImage(image, 'new Tray');
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the tray the test inspects
    liveTray = this;
  }
  setImage(image: unknown): void {
    this.image = checkImage(image, 'tray.setImage');
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setTitle(): void {}
  setContextMenu(menu: StandinMenu | null): void {
    if (menu !== null && !(menu instanceof StandinMenu)) throw new TypeError('Invalid menu');
    this.menu = menu;
    this.menusSet++;
  }
  popUpContextMenu(): void {}
  getBounds(): Rect {
    return { x: 1800, y: 0, width: 24, height: 24 };
  }
  destroy(): void {
    this.destroyed = true;
    if (liveTray === this) liveTray = null;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

// ---------- Notification ----------

const notifications: StandinNotification[] = [];

class StandinNotification extends EventEmitter {
  readonly title: string;
  readonly body: string;
  constructor(options: { title?: string; body?: string } = {}) {
    super();
    requireReady('new Notification');
    this.title = options.title ?? '';
    this.body = options.body ?? '';
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    if (cfg.notifications === 'failed') {
      setImmediate(() =>
        this.emit('failed', preventable(), 'Notifications need a signed application (stand-in)'),
      );
      return;
    }
    const index = notifications.push(this) - 1;
    send({ event: 'notification', index, title: this.title, body: this.body });
    setImmediate(() => this.emit('show', preventable()));
  }
  close(): void {
    this.emit('close', preventable());
  }
}

// ---------- safeStorage (Chromium's Linux OSCrypt formats) ----------

const V10_KEY = pbkdf2Sync('peanuts', 'saltysalt', 1, 16, 'sha1');
const V10_IV = Buffer.alloc(16, ' ');

function keyringKey(): Buffer {
  const file = path.join(cfg.stateDir, 'keyring.key');
  if (!existsSync(file)) {
    mkdirSync(cfg.stateDir, { recursive: true });
    writeFileSync(file, randomBytes(32), { mode: 0o600 });
  }
  return readFileSync(file);
}

function hasKeyringKey(): boolean {
  return cfg.keyring === 'gnome_libsecret' || cfg.keyring === 'basic_text_with_key';
}

function encrypt(plain: string): Buffer {
  if (cfg.keyring === 'unavailable')
    throw new Error(
      'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
    );
  if (!hasKeyringKey()) {
    const cipher = createCipheriv('aes-128-cbc', V10_KEY, V10_IV);
    return Buffer.concat([Buffer.from('v10'), cipher.update(plain, 'utf8'), cipher.final()]);
  }
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyringKey(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from('v11'), iv, body, cipher.getAuthTag()]);
}

function decrypt(data: Buffer): string {
  const prefix = data.subarray(0, 3).toString('latin1');
  if (prefix === 'v10') {
    const decipher = createDecipheriv('aes-128-cbc', V10_KEY, V10_IV);
    return Buffer.concat([decipher.update(data.subarray(3)), decipher.final()]).toString('utf8');
  }
  if (prefix === 'v11' && hasKeyringKey()) {
    const iv = data.subarray(3, 15);
    const tag = data.subarray(data.length - 16);
    const decipher = createDecipheriv('aes-256-gcm', keyringKey(), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data.subarray(15, data.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }
  throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
}

const safeStorage = {
  isEncryptionAvailable(): boolean {
    requireReady('safeStorage.isEncryptionAvailable');
    return cfg.keyring !== 'unavailable';
  },
  isAsyncEncryptionAvailable(): Promise<boolean> {
    requireReady('safeStorage.isAsyncEncryptionAvailable');
    return Promise.resolve(cfg.keyring !== 'unavailable');
  },
  getSelectedStorageBackend(): string {
    requireReady('safeStorage.getSelectedStorageBackend');
    if (cfg.keyring === 'gnome_libsecret') return 'gnome_libsecret';
    return cfg.keyring === 'unavailable' ? 'unknown' : 'basic_text';
  },
  encryptString(plain: string): Buffer {
    requireReady('safeStorage.encryptString');
    return encrypt(plain);
  },
  decryptString(data: Buffer): string {
    requireReady('safeStorage.decryptString');
    return decrypt(data);
  },
  async encryptStringAsync(plain: string): Promise<Buffer> {
    requireReady('safeStorage.encryptStringAsync');
    return encrypt(plain);
  },
  async decryptStringAsync(data: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    requireReady('safeStorage.decryptStringAsync');
    return { shouldReEncrypt: false, result: decrypt(data) };
  },
  setUsePlainTextEncryption(): void {},
};

// ---------- clipboard ----------

let clipboardContents: { text: string; formats: Map<string, string | Uint8Array> } = {
  text: '',
  formats: new Map(),
};

class StandinClipboardItem {
  constructor(readonly items: Record<string, string | Blob | Promise<string | Blob>>) {}
  get types(): string[] {
    return Object.keys(this.items);
  }
}

const clipboard = {
  async write(items: StandinClipboardItem[]): Promise<void> {
    if (!Array.isArray(items) || !items.every((i) => i instanceof StandinClipboardItem)) {
      throw new TypeError('clipboard.write takes an array of ClipboardItem');
    }
    const formats = new Map<string, string | Uint8Array>();
    for (const item of items) {
      for (const [type, value] of Object.entries(item.items)) {
        const v = await value;
        formats.set(type, typeof v === 'string' ? v : new Uint8Array(await v.arrayBuffer()));
      }
    }
    const text = formats.get('text/plain');
    clipboardContents = { text: typeof text === 'string' ? text : '', formats };
  },
  async writeText(text: string): Promise<void> {
    clipboardContents = { text, formats: new Map([['text/plain', text]]) };
  },
  async readText(): Promise<string> {
    return clipboardContents.text;
  },
  clear(): void {
    clipboardContents = { text: '', formats: new Map() };
    send({ event: 'clipboardCleared' });
  },
};

// ---------- dialog, powerMonitor, net, shell, nativeTheme ----------

const dialog = {
  showErrorBox(title: string, content: string): void {
    process.stderr.write(`[stand-in] showErrorBox: ${title}: ${content}\n`);
    send({ event: 'errorBox', title, content });
  },
  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    requireReady('dialog.showSaveDialog');
    const parent = args.length > 1 ? args[0] : null;
    if (parent !== null && !(parent instanceof StandinBrowserWindow))
      strict('showSaveDialog: the parent is not a BrowserWindow');
    send({ event: 'saveDialog', parentWindowId: parent instanceof StandinBrowserWindow ? parent.id : null });
    return cfg.saveDialogPath === null
      ? { canceled: true }
      : { canceled: false, filePath: cfg.saveDialogPath };
  },
  async showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    requireReady('dialog.showMessageBox');
    const parent = args.length > 1 ? args[0] : null;
    if (parent !== null && !(parent instanceof StandinBrowserWindow))
      strict('showMessageBox: the parent is not a BrowserWindow');
    const options = (args.length > 1 ? args[1] : args[0]) as
      { message?: unknown; buttons?: unknown } | undefined;
    if (typeof options?.message !== 'string') strict('showMessageBox: options.message must be a string');
    const buttons = Array.isArray(options.buttons) ? options.buttons.map(String) : ['OK'];
    const response = cfg.messageBoxResponses.shift() ?? 0;
    if (response >= buttons.length)
      strict(`showMessageBox: no button ${response} in ${JSON.stringify(buttons)}`);
    send({
      event: 'messageBox',
      parentWindowId: parent instanceof StandinBrowserWindow ? parent.id : null,
      message: options.message,
      buttons,
      response,
    });
    return { response, checkboxChecked: false };
  },
};
const powerMonitor = new EventEmitter();
// net.request over Node's http (no proxy, no system certificates): a named fake too.
const net = { isOnline: (): boolean => true, request: standinNetRequest };
const shell = {
  // The system browser: the test is told the URL and opens it in Chromium, as a person's browser.
  // Only web pages: anything else would launch whatever handles its scheme.
  openExternal: async (url: string): Promise<void> => {
    requireReady('shell.openExternal');
    const protocol = URL.canParse(url) ? new URL(url).protocol : '';
    if (protocol !== 'https:' && protocol !== 'http:')
      send({ event: 'strictness', message: `shell.openExternal(${url}): not a web page` });
    else send({ event: 'openExternal', url });
  },
  showItemInFolder: (): void => undefined,
};
const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' });

const electron = {
  app,
  BrowserWindow: StandinBrowserWindow,
  clipboard,
  ClipboardItem: StandinClipboardItem,
  dialog,
  ipcMain,
  Menu: StandinMenu,
  MenuItem: StandinMenuItem,
  nativeTheme,
  net,
  Notification: StandinNotification,
  powerMonitor,
  protocol,
  safeStorage,
  get screen() {
    if (!ready) strict("The 'screen' module can't be used before the app 'ready' event");
    return screenModule;
  },
  session,
  shell,
  Tray: StandinTray,
};

// ---------- the test's commands ----------

function findItem(menu: StandinMenu | null, labels: string[]): StandinMenuItem {
  let current = menu;
  let item: StandinMenuItem | undefined;
  for (const label of labels) {
    // An account's submenu is named by the account, then its status: `acme — valid, 29 min left`.
    item = current?.items.find((i) => i.visible && (i.label === label || i.label.startsWith(`${label} — `)));
    if (item === undefined)
      throw new Error(
        `no menu item "${label}" (have: ${current?.items.map((i) => i.label).join(' | ') ?? 'no menu'})`,
      );
    current = item.submenu;
  }
  if (item === undefined) throw new Error('empty menu path');
  return item;
}

let cdpEndpoint = '';

async function run(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'trayState': {
      const state: TrayState = {
        exists: liveTray !== null,
        image: liveTray?.image ?? null,
        tooltip: liveTray?.tooltip ?? null,
        menu: liveTray?.menu?.view() ?? null,
        menusSet: liveTray?.menusSet ?? 0,
      };
      return state;
    }
    case 'trayOpenMenu':
      if (liveTray?.menu === null || liveTray === null) throw new Error('the tray has no menu to open');
      liveTray.menuOpen = true;
      liveTray.menu.emit('menu-will-show', preventable());
      return liveTray.menu.view();
    case 'trayCloseMenu':
      if (liveTray?.menu) {
        liveTray.menuOpen = false;
        liveTray.menu.emit('menu-will-close', preventable());
      }
      return null;
    case 'trayClickItem': {
      if (liveTray === null) throw new Error('no tray');
      const menu = liveTray.menu;
      menu?.emit('menu-will-show', preventable());
      const item = findItem(menu, command.path);
      // As on Linux and Windows: the menu closes, then the item's click runs.
      menu?.emit('menu-will-close', preventable());
      item.click();
      return null;
    }
    case 'trayClickIcon':
      if (liveTray === null) throw new Error('no tray');
      liveTray.emit('click', preventable(), liveTray.getBounds(), { x: 1810, y: 10 });
      return null;
    case 'notificationClick': {
      const n = notifications[command.index];
      if (n === undefined) throw new Error(`no notification #${command.index}`);
      n.emit('click', preventable());
      return null;
    }
    case 'clipboardRead': {
      const markers: Record<string, string> = {};
      for (const [format, value] of clipboardContents.formats) {
        markers[format] = typeof value === 'string' ? value : Buffer.from(value).toString('hex');
      }
      const state: ClipboardState = {
        text: clipboardContents.text,
        formats: [...clipboardContents.formats.keys()],
        markers,
      };
      return state;
    }
    case 'windows': {
      const windows: WindowState[] = StandinBrowserWindow.getAllWindows().map((w) => ({
        id: w.id,
        url: w.webContents.getURL(),
        visible: w.isVisible(),
        title: w.getTitle(),
      }));
      return windows;
    }
    case 'cdpEndpoint':
      return cdpEndpoint;
    case 'quit':
      app.quit();
      return null;
  }
}

process.on('message', (message: { id: number; command: Command }) => {
  void run(message.command).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies Reply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies Reply),
  );
});
// The test went away: so does the app (no orphan holding the socket).
process.on('disconnect', () => {
  void shutdown(70);
});

// ---------- start: load the app, then become ready ----------

async function becomeReady(): Promise<void> {
  const { chromium: launcher } = hostRequire(cfg.playwright) as typeof import('playwright-core');
  const profile = path.join(cfg.stateDir, 'chromium');
  chromium = await launcher.launchPersistentContext(profile, {
    executablePath: cfg.chromium,
    headless: true,
    args: [...CHROMIUM_TEST_FLAGS, '--remote-debugging-port=0'],
    timeout: 30_000,
  });
  for (const page of chromium.pages()) await page.close();
  await chromium.route('**/*', (route) =>
    routeRequest(route).catch(() => route.abort().catch(() => undefined)),
  );
  const portFile = path.join(profile, 'DevToolsActivePort');
  const deadline = Date.now() + 10_000;
  while (!existsSync(portFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  cdpEndpoint = `http://127.0.0.1:${readFileSync(portFile, 'utf8').split('\n')[0]}`;
  app.emit('will-finish-launching');
  ready = true;
  app.emit('ready', preventable(), {});
  resolveReady();
  send({ event: 'ready' });
}

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function loadWithStandin(this: unknown, request: string, ...rest: unknown[]) {
  if (request === 'electron') return electron;
  return load.call(this, request, ...rest);
};

const main = path.resolve(appDir, appPackage.main ?? 'index.js');
hostRequire(main);
becomeReady().catch((error: unknown) => {
  process.stderr.write(`[stand-in] could not start Chromium: ${String(error)}\n`);
  void shutdown(71);
});
