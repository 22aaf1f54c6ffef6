import { describe, expect, it } from 'vitest';
import { createTrayController, currentTray, toTemplate, trayIconFile } from '../../main/desktop/tray.js';
import {
  trayModel,
  type TrayAction,
  type TrayModel,
  type TrayOptions,
} from '../../main/engine/tray-model.js';
import type { AccountView } from '../../main/engine/types.js';
import { fakeMenuModule, fakeTrayClass, FakeTray, type FakeMenu } from '../fakes/electron-fake.js';
import { accountView } from '../fixtures/account-view.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const OPTS: TrayOptions = {
  paused: false,
  startAtLogin: false,
  storage: { protection: 'os', persisting: true },
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
  const actions: TrayAction[] = [];
  const Tray = fakeTrayClass();
  const controller = createTrayController({
    Tray,
    Menu: fakeMenuModule,
    iconPath: (state) => `/res/tray/${trayIconFile(state, platform)}`,
    model: () => model,
    run: (action) => actions.push(action),
    platform,
  });
  const tray = FakeTray.instances[0] as FakeTray;
  return { controller, tray, actions, setModel: (next: TrayModel) => (model = next) };
}

describe('tray adapter', () => {
  it('creates the tray with the state icon, tooltip and menu, and keeps a reference to it', () => {
    const { tray } = setup();
    expect(tray.images).toEqual(['/res/tray/tray-ok.png']);
    expect(tray.tooltips).toEqual(['Tokentray: token valid']);
    expect(tray.menus).toHaveLength(1);
    expect(currentTray()).toBe(tray);
  });

  it('calls setContextMenu again when the state changes, and not when nothing changed', () => {
    const { controller, tray, setModel } = setup();
    controller.refresh();
    expect(tray.menus).toHaveLength(1);
    setModel(trayModel([view('acme', { state: 'refreshing' })], NOW, OPTS));
    controller.refresh();
    expect(tray.menus).toHaveLength(2);
    setModel(
      trayModel([view('acme', { state: 'error', errorCode: 'invalid_client', needsUser: true })], NOW, OPTS),
    );
    controller.refresh();
    expect(tray.menus).toHaveLength(3);
    expect(tray.images).toEqual(['/res/tray/tray-ok.png', '/res/tray/tray-needs-user.png']);
    controller.refresh();
    expect(tray.menus).toHaveLength(3);
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
    const { tray } = setup('win32');
    tray.emit('click');
    expect(tray.popUps).toBe(1);
    expect(tray.images).toEqual(['/res/tray/tray-ok.ico']);
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
