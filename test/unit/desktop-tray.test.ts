import { describe, expect, it } from 'vitest';
import {
  createTrayController,
  currentTray,
  MENU_OPEN_MAX_MS,
  menuBusy,
  toTemplate,
  trayClick,
  trayIconFile,
} from '../../main/desktop/tray.js';
import {
  trayModel,
  type TrayAction,
  type TrayModel,
  type TrayOptions,
} from '../../main/engine/tray-model.js';
import type { AccountView } from '../../main/engine/types.js';
import {
  fakeTrayClass,
  FakeTray,
  fakeTrayMenuModule,
  type FakeMenu,
  type FakeTrayMenu,
} from '../fakes/electron-fake.js';
import { accountView } from '../fixtures/account-view.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const OPTS: TrayOptions = {
  paused: false,
  startAtLogin: false,
  storage: { protection: 'os', persisting: true },
  renewingSince: new Map(),
};

/** A healthy oauth2 account three days from expiry; each test changes what it looks at. */
function view(name: string, overrides: Partial<AccountView> = {}): AccountView {
  return accountView({
    name,
    expiresAt: new Date(NOW + 3 * 86_400_000).toISOString(),
    tokenType: 'Bearer',
    ...overrides,
  });
}

function setup(platform: NodeJS.Platform = 'linux') {
  let model: TrayModel = trayModel([view('acme')], NOW, OPTS);
  let now = NOW;
  const actions: TrayAction[] = [];
  const deferred: (() => void)[] = [];
  const Tray = fakeTrayClass();
  const controller = createTrayController({
    Tray,
    Menu: fakeTrayMenuModule,
    iconPath: (state) => `/res/tray/${trayIconFile(state, platform)}`,
    model: () => model,
    run: (action) => actions.push(action),
    platform,
    now: () => now,
    defer: (fn) => deferred.push(fn),
  });
  const tray = FakeTray.instances[0] as FakeTray;
  return {
    controller,
    tray,
    actions,
    deferred,
    setModel: (next: TrayModel) => (model = next),
    advance: (ms: number) => (now += ms),
    /** The menu the tray shows now. */
    menu: () => tray.menus[tray.menus.length - 1] as FakeTrayMenu,
    /** Runs what the controller deferred, as the event loop would after the current event. */
    flush: () => deferred.splice(0).forEach((fn) => fn()),
  };
}

/** The labels of a built menu's top level. */
const topLabels = (menu: FakeMenu) => menu.template.map((item) => item.label ?? '---');

describe('tray adapter', () => {
  it('creates the tray with the state icon, tooltip and menu, and keeps a reference to it', () => {
    const { tray } = setup();
    expect(tray.images).toEqual(['/res/tray/tray-ok.png']);
    expect(tray.tooltips).toEqual(['Tokentray: token valid']);
    expect(tray.menus).toHaveLength(1);
    expect(currentTray()).toBe(tray);
  });

  it('calls setContextMenu again when what the menu shows changes, and not when nothing changed', () => {
    const { controller, tray, setModel } = setup();
    controller.refresh();
    expect(tray.menus).toHaveLength(1);
    setModel(
      trayModel([view('acme', { state: 'error', errorCode: 'invalid_client', needsUser: true })], NOW, OPTS),
    );
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
    expect(tray.images).toEqual(['/res/tray/tray-ok.png', '/res/tray/tray-needs-user.png']);
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
  });

  it('does not rebuild the menu for a countdown that stays within its coarse step, or a short renewal', () => {
    const { controller, tray, setModel } = setup();
    const HOUR = 3_600_000;
    const at = (
      hours: number,
      overrides: Partial<AccountView> = {},
      renewingSince = new Map<string, number>(),
    ) => setModel(trayModel([view('acme', overrides)], NOW + hours * HOUR, { ...OPTS, renewingSince }));
    at(1); // 2 d 23 h left: "2 d"
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
    at(20); // 2 d 4 h left: still "2 d"
    controller.refresh();
    at(21, { state: 'refreshing' }, new Map([['acme', NOW + 21 * HOUR - 1_000]]));
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
    at(49); // 23 h left
    controller.refresh();
    expect(tray.menus).toHaveLength(3);
    expect(topLabels(tray.menus[2] as FakeMenu)[0]).toBe('acme — valid · 23 h left');
  });

  it('defers a rebuild while the menu is open and applies it once it has closed', () => {
    const { controller, tray, setModel, menu, deferred, flush } = setup();
    const open = menu();
    open.userOpens();
    setModel(trayModel([view('acme'), view('beta', { state: 'expired', renewable: false })], NOW, OPTS));
    controller.refresh();
    expect(tray.menus).toEqual([open]);
    // Icon and tooltip do not replace the menu, so they follow at once.
    expect(tray.images).toEqual(['/res/tray/tray-ok.png', '/res/tray/tray-needs-user.png']);
    expect(tray.tooltips.at(-1)).toBe('Tokentray: 1 needs you');
    open.userCloses();
    // Not inside menu-will-close: the chosen item's click comes after it, on this menu.
    expect(tray.menus).toEqual([open]);
    expect(deferred).toHaveLength(1);
    flush();
    expect(tray.menus).toHaveLength(2);
    expect(topLabels(menu())).toContain('beta — expired');
  });

  it('applies the latest state when the menu closes, not the one first deferred', () => {
    const { controller, tray, setModel, menu, flush } = setup();
    menu().userOpens();
    setModel(trayModel([view('beta')], NOW, OPTS));
    controller.refresh();
    setModel(trayModel([view('gamma')], NOW, OPTS));
    controller.refresh();
    menu().userCloses();
    flush();
    expect(tray.menus).toHaveLength(2);
    expect(topLabels(menu())[0]).toBe('gamma — valid · 3 d left');
  });

  it('does nothing on close when no rebuild waited, or when the state came back to what is shown', () => {
    const { controller, tray, setModel, menu, deferred } = setup();
    menu().userOpens();
    menu().userCloses();
    expect(deferred).toHaveLength(0);
    menu().userOpens();
    const first = trayModel([view('acme')], NOW, OPTS);
    setModel(trayModel([view('beta')], NOW, OPTS));
    controller.refresh();
    setModel(first);
    controller.refresh();
    menu().userCloses();
    expect(deferred).toHaveLength(0);
    expect(tray.menus).toHaveLength(1);
  });

  it('stops waiting for a menu whose close was never reported', () => {
    const { controller, tray, setModel, menu, advance } = setup();
    menu().userOpens();
    setModel(trayModel([view('beta')], NOW, OPTS));
    advance(MENU_OPEN_MAX_MS - 1);
    controller.refresh();
    expect(tray.menus).toHaveLength(1);
    advance(1);
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
  });

  it('runs the entry action when a menu item is clicked', () => {
    const { tray, actions } = setup();
    const template = (tray.menus[0] as FakeMenu).template;
    const account = template.find((item) => item.label?.startsWith('acme'));
    const copyCurl = (account?.submenu as { label?: string; click?: () => void }[]).find(
      (i) => i.label === 'Copy as curl',
    );
    copyCurl?.click?.();
    template
      .find((item) => item.label === 'Quit Tokentray')
      ?.click?.(undefined as never, undefined, undefined as never);
    expect(actions).toEqual([{ kind: 'copy', account: 'acme', format: 'curl' }, { kind: 'quit' }]);
  });

  it('opens the menu on a left click on Windows', () => {
    const { tray, actions } = setup('win32');
    tray.emit('click');
    expect(tray.popUps).toBe(1);
    expect(actions).toEqual([]);
    expect(tray.images).toEqual(['/res/tray/tray-ok.ico']);
  });

  it('opens the account window on a left click on Linux (KDE Plasma and other StatusNotifierItem hosts)', () => {
    const { tray, actions } = setup('linux');
    tray.emit('click');
    expect(actions).toEqual([{ kind: 'open-window', account: null }]);
    expect(tray.popUps).toBe(0);
  });

  it('leaves a click on macOS to the system, which shows the menu', () => {
    const { tray } = setup('darwin');
    expect(tray.listenerCount('click')).toBe(0);
    expect(trayClick('darwin')).toBe('native');
    expect(trayClick('freebsd')).toBe('window');
  });

  it('opens the account window from the "N more" item of a capped menu', () => {
    const { controller, tray, actions, setModel, menu } = setup();
    setModel(
      trayModel(
        Array.from({ length: 12 }, (_, i) => view(`acct-${String(i).padStart(2, '0')}`)),
        NOW,
        OPTS,
      ),
    );
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
    const more = menu().template.find((item) => item.label === '2 more — Manage accounts…');
    more?.click?.(undefined as never, undefined, undefined as never);
    expect(actions).toEqual([{ kind: 'open-window', account: null }]);
  });

  it('releases the tray on destroy', () => {
    const { controller, tray } = setup();
    controller.destroy();
    expect(tray.destroyed).toBe(true);
    expect(currentTray()).toBeNull();
    controller.refresh();
    expect(tray.menus).toHaveLength(1);
  });
});

describe('tray template', () => {
  it('maps labels to disabled items, checkboxes to checked items, submenus recursively', () => {
    const template = toTemplate(
      [
        { type: 'label', label: 'info' },
        { type: 'separator' },
        { type: 'checkbox', label: 'Pause renewals', checked: true, action: { kind: 'toggle-pause' } },
        {
          type: 'submenu',
          label: 'acme',
          entries: [
            {
              type: 'action',
              label: 'Renew now',
              enabled: false,
              action: { kind: 'renew', account: 'acme' },
            },
          ],
        },
      ],
      () => undefined,
    );
    expect(
      template.map(({ click: _click, submenu, ...rest }) => ({
        ...rest,
        submenu: Array.isArray(submenu) ? submenu.map(({ click: _c, ...r }) => r) : undefined,
      })),
    ).toEqual([
      { label: 'info', enabled: false, submenu: undefined },
      { type: 'separator', submenu: undefined },
      { type: 'checkbox', label: 'Pause renewals', checked: true, submenu: undefined },
      { label: 'acme', submenu: [{ label: 'Renew now', enabled: false }] },
    ]);
  });

  it('counts a menu as open only between its open event and MENU_OPEN_MAX_MS later', () => {
    expect(menuBusy(null, NOW)).toBe(false);
    expect(menuBusy(NOW, NOW + MENU_OPEN_MAX_MS - 1)).toBe(true);
    expect(menuBusy(NOW, NOW + MENU_OPEN_MAX_MS)).toBe(false);
  });

  it('uses macOS template images, .ico on Windows and PNG on Linux', () => {
    expect(['ok', 'attention', 'needs-user', 'empty'].map((s) => trayIconFile(s as never, 'darwin'))).toEqual(
      [
        'tray-okTemplate.png',
        'tray-attentionTemplate.png',
        'tray-needs-userTemplate.png',
        'tray-emptyTemplate.png',
      ],
    );
    expect(trayIconFile('ok', 'win32')).toBe('tray-ok.ico');
    expect(trayIconFile('ok', 'linux')).toBe('tray-ok.png');
  });
});
