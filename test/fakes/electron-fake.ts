/**
 * Fakes of the Electron APIs the desktop adapters use, for plain-Node unit tests (Electron cannot
 * run here). Each fake records what the adapter did and lets a test fire the events Electron
 * would. They are passed to the adapters directly (no module mocking); the `as*` helpers give them
 * the Electron types the adapters are declared with.
 */
import { EventEmitter } from 'node:events';
import type {
  App,
  BrowserWindowConstructorOptions,
  Clipboard,
  ClipboardItem,
  IpcMain,
  IpcMainInvokeEvent,
  Menu,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
  PowerMonitor,
  Protocol,
  Rectangle,
  SafeStorage,
  Session,
  Tray,
} from 'electron';
import type { BrowserWindowClass } from '../../main/desktop/window.js';
import type { NotificationClass } from '../../main/desktop/notifications.js';

type Listener = (...args: never[]) => unknown;

/** An event as Electron passes it to `will-navigate` and friends. */
export function fakeEvent<T extends object>(
  params: T,
): T & { preventDefault(): void; defaultPrevented: boolean } {
  const event = {
    ...params,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  reloads = 0;
  reload(): void {
    this.reloads++;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loadedUrls: string[] = [];
  destroyed = false;
  minimized = false;
  visible = false;
  focusCount = 0;
  normalBounds: Rectangle = { x: 10, y: 20, width: 900, height: 700 };
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focusCount++;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds(): Rectangle {
    return this.normalBounds;
  }
  /** Electron's destroy(): no 'close', only 'closed'. */
  destroy(): void {
    this.destroyed = true;
    this.emit('closed');
  }
  /** The page's beforeunload objects to leaving (a form with unsaved changes); null: it hangs. */
  pageObjects: boolean | null = false;
  /**
   * Electron's close(): the page's beforeunload runs first; one that objects emits
   * 'will-prevent-unload', and the window closes only if a listener calls preventDefault. A hung
   * page answers nothing.
   */
  close(): void {
    if (this.destroyed || this.pageObjects === null) return;
    if (this.pageObjects) {
      const event = fakeEvent({});
      this.webContents.emit('will-prevent-unload', event);
      if (!event.defaultPrevented) return;
    }
    this.userCloses();
  }
  /** What Electron does when the user closes the window. */
  userCloses(): void {
    this.emit('close', fakeEvent({}));
    this.destroyed = true;
    this.emit('closed');
  }
  /** Electron's sequence once the page has loaded. */
  finishLoading(): void {
    this.webContents.emit('did-finish-load');
    this.emit('ready-to-show');
  }
}

/** The fake window class, typed as the factory expects. */
export function fakeBrowserWindowClass(): BrowserWindowClass {
  FakeBrowserWindow.instances = [];
  return FakeBrowserWindow as unknown as BrowserWindowClass;
}

type PermissionRequestHandler = (
  contents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details: unknown,
) => void;
type PermissionCheckHandler = (
  contents: unknown,
  permission: string,
  origin: string,
  details: unknown,
) => boolean;

export class FakeSession extends EventEmitter {
  requestHandler: PermissionRequestHandler | null = null;
  checkHandler: PermissionCheckHandler | null = null;
  deviceHandler: ((details: unknown) => boolean) | null = null;
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void {
    this.deviceHandler = handler;
  }
  asSession(): Session {
    return this as unknown as Session;
  }
}

type InvokeHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls the handler the way Electron would for a renderer's `invoke`. */
  async invoke(channel: string, senderFrame: FakeFrame | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for ${channel}`);
    const event = { senderFrame } as unknown as IpcMainInvokeEvent;
    return handler(event, ...args);
  }
  asIpcMain(): Pick<IpcMain, 'handle' | 'removeHandler'> {
    return this as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
  }
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

/** A top-level frame at `url`. */
export function fakeTopFrame(url: string): FakeFrame {
  return { url, parent: null };
}

export class FakeMenu {
  constructor(readonly template: MenuItemConstructorOptions[]) {}
}

export const fakeMenuModule = {
  built: [] as FakeMenu[],
  buildFromTemplate(template: MenuItemConstructorOptions[]): Menu {
    const menu = new FakeMenu(template);
    fakeMenuModule.built.push(menu);
    return menu as unknown as Menu;
  },
};

/** A built Menu that, like Electron's, emits `menu-will-show` and `menu-will-close`. */
export class FakeTrayMenu extends FakeMenu {
  private readonly events = new EventEmitter();
  on(event: 'menu-will-show' | 'menu-will-close', listener: () => void): this {
    this.events.on(event, listener);
    return this;
  }
  /** What Electron emits when the user opens the menu. */
  userOpens(): void {
    this.events.emit('menu-will-show', fakeEvent({}));
  }
  /** What Electron emits when the menu closes (an item chosen or dismissed). */
  userCloses(): void {
    this.events.emit('menu-will-close', fakeEvent({}));
  }
}

/** `Menu` for the tray adapter: its menus emit open and close events. */
export const fakeTrayMenuModule = {
  built: [] as FakeTrayMenu[],
  buildFromTemplate(template: MenuItemConstructorOptions[]): Menu {
    const menu = new FakeTrayMenu(template);
    fakeTrayMenuModule.built.push(menu);
    return menu as unknown as Menu;
  },
};

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  readonly images: string[] = [];
  readonly tooltips: string[] = [];
  readonly menus: FakeMenu[] = [];
  destroyed = false;
  popUps = 0;
  constructor(image: string) {
    super();
    this.images.push(image);
    FakeTray.instances.push(this);
  }
  setImage(image: string): void {
    this.images.push(image);
  }
  setToolTip(text: string): void {
    this.tooltips.push(text);
  }
  setContextMenu(menu: FakeMenu): void {
    this.menus.push(menu);
  }
  popUpContextMenu(): void {
    this.popUps++;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** The fake Tray class, typed as the tray adapter expects. */
export function fakeTrayClass(): new (image: string) => Tray {
  FakeTray.instances = [];
  return FakeTray as unknown as new (image: string) => Tray;
}

export class FakeNotification extends EventEmitter {
  static supported = true;
  static instances: FakeNotification[] = [];
  shown = false;
  constructor(readonly options: NotificationConstructorOptions) {
    super();
    FakeNotification.instances.push(this);
  }
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  show(): void {
    this.shown = true;
  }
}

/** The fake Notification class (supported unless told otherwise). */
export function fakeNotificationClass(supported = true): NotificationClass {
  FakeNotification.supported = supported;
  FakeNotification.instances = [];
  return FakeNotification as unknown as NotificationClass;
}

export class FakeClipboardItem {
  constructor(readonly entries: Record<string, string | Blob>) {}
}

/** A clipboard holding one text; records multi-format writes. */
export class FakeClipboard {
  text = '';
  readonly writes: FakeClipboardItem[][] = [];
  clears = 0;
  failMultiFormat = false;
  async write(items: FakeClipboardItem[]): Promise<void> {
    if (this.failMultiFormat) throw new Error('raw formats not supported');
    this.writes.push(items);
    const plain = items[0]?.entries['text/plain'];
    this.text = typeof plain === 'string' ? plain : '';
  }
  async writeText(text: string): Promise<void> {
    this.text = text;
  }
  async readText(): Promise<string> {
    return this.text;
  }
  clear(): void {
    this.clears++;
    this.text = '';
  }
  asClipboard(): Pick<Clipboard, 'write' | 'writeText' | 'readText' | 'clear'> {
    return this as unknown as Pick<Clipboard, 'write' | 'writeText' | 'readText' | 'clear'>;
  }
}

export const fakeClipboardItemClass = FakeClipboardItem as unknown as new (
  items: Record<string, string | Blob>,
) => ClipboardItem;

export type LinuxBackendName = ReturnType<SafeStorage['getSelectedStorageBackend']>;

/** safeStorage with a configurable backend, availability, ciphertext prefix and hangs. */
export class FakeSafeStorage {
  backend: LinuxBackendName = 'gnome_libsecret';
  available = true;
  /** Chromium's Linux prefix: v11 with a keyring key, v10 with the fixed key. */
  prefix = 'v11';
  hang = false;
  failDecrypt = false;
  shouldReEncrypt = false;
  calls: string[] = [];
  private never<T>(): Promise<T> {
    return new Promise<T>(() => undefined);
  }
  getSelectedStorageBackend(): LinuxBackendName {
    this.calls.push('getSelectedStorageBackend');
    return this.backend;
  }
  private waiting: (() => void)[] = [];
  /** A hung keyring answers at last (Electron answers every pending availability check then). */
  answer(): void {
    this.hang = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  isAsyncEncryptionAvailable(): Promise<boolean> {
    this.calls.push('isAsyncEncryptionAvailable');
    if (!this.hang) return Promise.resolve(this.available);
    return new Promise<boolean>((resolve) => this.waiting.push(() => resolve(this.available)));
  }
  encryptStringAsync(plain: string): Promise<Buffer> {
    this.calls.push('encryptStringAsync');
    if (this.hang) return this.never();
    return Promise.resolve(Buffer.concat([Buffer.from(this.prefix), Buffer.from(plain, 'utf8').reverse()]));
  }
  decryptStringAsync(data: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    this.calls.push('decryptStringAsync');
    if (this.hang) return this.never();
    if (this.failDecrypt) return Promise.reject(new Error('Error while decrypting the ciphertext provided'));
    const result = Buffer.from(data.subarray(3)).reverse().toString('utf8');
    return Promise.resolve({ result, shouldReEncrypt: this.shouldReEncrypt });
  }
  asSafeStorage(): Pick<
    SafeStorage,
    'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
  > {
    return this;
  }
}

export class FakePowerMonitor extends EventEmitter {
  asPowerMonitor(): Pick<PowerMonitor, 'on'> {
    return this as unknown as Pick<PowerMonitor, 'on'>;
  }
}

export class FakeProtocol {
  readonly privileged: unknown[] = [];
  readonly handlers = new Map<string, (request: Request) => Promise<Response> | Response>();
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void {
    this.handlers.set(scheme, handler);
  }
  asProtocol(): Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'> {
    return this as unknown as Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  }
}

/** The few `app` members the single-instance and autostart adapters use. */
export class FakeApp extends EventEmitter {
  lockGranted = true;
  readonly loginItemSettings: unknown[] = [];
  requestSingleInstanceLock(): boolean {
    return this.lockGranted;
  }
  setLoginItemSettings(settings: unknown): void {
    this.loginItemSettings.push(settings);
  }
  asApp(): Pick<App, 'requestSingleInstanceLock' | 'on' | 'setLoginItemSettings'> {
    return this as unknown as Pick<App, 'requestSingleInstanceLock' | 'on' | 'setLoginItemSettings'>;
  }
}

/** `contextBridge` as the sandboxed preload sees it: records what the preload exposes. */
export class FakeContextBridge {
  readonly exposed = new Map<string, unknown>();
  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key)) throw new Error(`${key} exposed twice`);
    this.exposed.set(key, api);
  }
}

/** `ipcRenderer` as the preload sees it: records invokes and lets a test push from main. */
export class FakeIpcRenderer {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  private readonly emitter = new EventEmitter();
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return { channel, args };
  }
  on(channel: string, listener: Listener): this {
    this.emitter.on(channel, listener as (...args: unknown[]) => void);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.emitter.removeListener(channel, listener as (...args: unknown[]) => void);
    return this;
  }
  listenerCount(channel: string): number {
    return this.emitter.listenerCount(channel);
  }
  /** What main's `webContents.send(channel, payload)` looks like in the renderer. */
  pushFromMain(channel: string, payload: unknown): void {
    const event = { sender: this, senderId: 0, ports: [] };
    this.emitter.emit(channel, event, payload);
  }
}
