/**
 * The window offers what the tray menu offers (issue #9: GNOME without the AppIndicator extension
 * shows no tray icon): pause or resume renewals, start at login, quit. The requests go to the real
 * handlers over the real engine; quitting goes to a fake port that only counts.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { describe, expect, it } from 'vitest';
import { openWindow, type WindowUnderTest } from './harness.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();

function controls(win: WindowUnderTest) {
  const bar = win.page.locator('footer.appbar');
  return {
    bar,
    status: win.page.getByTestId('renewal-status'),
    pause: bar.getByRole('button', { name: 'Pause renewals', exact: true }),
    resume: bar.getByRole('button', { name: 'Resume renewals', exact: true }),
    startAtLogin: bar.getByRole('checkbox', { name: 'Start at login', exact: true }),
    quit: bar.getByRole('button', { name: 'Quit Tokentray', exact: true }),
  };
}

describe('window controls (what the tray menu offers)', () => {
  it('pauses and resumes renewals in the engine; the button and the status line say which', async () => {
    const win = await openWindow(suite);
    const { engine } = win;
    const c = controls(win);
    await c.pause.waitFor();
    expect(await c.status.textContent()).toBe('Tokens are renewed automatically.');
    expect(engine.paused).toBe(false);

    await c.pause.click();
    await expect.poll(() => engine.paused).toBe(true);
    await c.resume.waitFor();
    expect(await c.pause.count()).toBe(0);
    await expect.poll(() => c.status.textContent()).toContain('Renewals are paused');

    await c.resume.click();
    await expect.poll(() => engine.paused).toBe(false);
    await c.pause.waitFor();
    await expect.poll(() => c.status.textContent()).toBe('Tokens are renewed automatically.');
    // Each change was announced once, for the tray to show it too.
    expect(win.pausedAnnounced).toEqual([true, false]);
    expect(win.bridge.calls.filter((call) => call.method === 'setPaused').map((call) => call.args)).toEqual([
      [true],
      [false],
    ]);
  });

  it('opens showing renewals paused when they are, and follows a pause or resume made in the tray', async () => {
    const win = await openWindow(suite, {
      seed: async (engine) => engine.setPaused(true),
    });
    const { engine, bridge } = win;
    const c = controls(win);
    await c.resume.waitFor();
    await expect.poll(() => c.status.textContent()).toContain('Renewals are paused');

    // The tray resumes: the app pushes the new state.
    engine.setPaused(false);
    await bridge.push('pausedChanged', false);
    await c.pause.waitFor();
    await expect.poll(() => c.status.textContent()).toBe('Tokens are renewed automatically.');
    engine.setPaused(true);
    await bridge.push('pausedChanged', true);
    await c.resume.waitFor();
  });

  it('keeps the focus on the pause button when its label changes, so Enter toggles again', async () => {
    const win = await openWindow(suite);
    const { page, engine } = win;
    const c = controls(win);
    await c.pause.focus();
    await page.keyboard.press('Enter');
    await c.resume.waitFor();
    expect(await c.resume.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await c.pause.waitFor();
    await expect.poll(() => engine.paused).toBe(false);
    expect(await c.pause.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('turns start at login on and off in the settings, the same setting the Settings dialog shows', async () => {
    const win = await openWindow(suite);
    const { ui, settings } = win;
    const c = controls(win);
    expect(await c.startAtLogin.isChecked()).toBe(false);
    await c.startAtLogin.check();
    await expect.poll(() => settings.current.startAtLogin).toBe(true);
    expect(settings.current).toMatchObject({ clipboardClearSeconds: 30, defaultNotifyBeforeSeconds: 600 });

    const dialog = await ui.openSettings();
    expect(await dialog.getByRole('checkbox', { name: 'Start Tokentray when I log in' }).isChecked()).toBe(
      true,
    );
    await dialog.getByRole('checkbox', { name: 'Start Tokentray when I log in' }).uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => settings.current.startAtLogin).toBe(false);
    await expect.poll(() => c.startAtLogin.isChecked()).toBe(false);

    await c.startAtLogin.check();
    await expect.poll(() => settings.current.startAtLogin).toBe(true);
    await c.startAtLogin.uncheck();
    await expect.poll(() => settings.current.startAtLogin).toBe(false);
  });

  it('follows start at login changed in the tray, when the app pushes the settings', async () => {
    const win = await openWindow(suite, { settings: { startAtLogin: true } });
    const { bridge, settings } = win;
    const c = controls(win);
    await expect.poll(() => c.startAtLogin.isChecked()).toBe(true);
    await bridge.push('settingsChanged', settings.set({ startAtLogin: false }));
    await expect.poll(() => c.startAtLogin.isChecked()).toBe(false);
  });

  it('shows start at login as it is saved when saving it fails', async () => {
    const win = await openWindow(suite);
    const { page, settings } = win;
    const c = controls(win);
    const set = settings.set;
    settings.set = () => {
      throw new Error('the settings file is read-only');
    };
    try {
      // click, not check: check() insists the box stays ticked.
      await c.startAtLogin.click();
      await expect
        .poll(() => page.locator('.toasts').textContent())
        .toContain('the settings file is read-only');
      await expect.poll(() => c.startAtLogin.isChecked()).toBe(false);
      expect(settings.current.startAtLogin).toBe(false);
    } finally {
      settings.set = set;
    }
  });

  it('asks the app to quit with Quit Tokentray', async () => {
    const win = await openWindow(suite);
    const c = controls(win);
    expect(win.fakeQuit.calls).toBe(0);
    await c.quit.click();
    await expect.poll(() => win.fakeQuit.calls).toBe(1);
    expect(win.bridge.calls.filter((call) => call.method === 'quit')).toEqual([
      { method: 'quit', args: [], result: undefined },
    ]);
  });

  it.each(['light', 'dark'] as const)(
    'has no serious axe finding in the foot bar, running and paused (%s)',
    async (colorScheme) => {
      const win = await openWindow(suite, { colorScheme });
      const c = controls(win);
      const findings = async () =>
        (
          await new AxeBuilder({ page: win.page })
            .include('footer.appbar')
            .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
            .analyze()
        ).violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id}: ${v.help}`);
      await c.pause.waitFor();
      expect(await findings()).toEqual([]);
      await c.pause.click();
      await c.resume.waitFor();
      expect(await findings()).toEqual([]);
    },
  );
});
