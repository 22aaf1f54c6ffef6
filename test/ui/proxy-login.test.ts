/**
 * The proxy sign-in dialog (issue #9) in real headless Chromium: main's real prompts
 * (main/desktop/proxy-login.ts) behind the real request handlers, pushing to the page through the
 * test bridge as main pushes to the window. What the user types comes back as the prompt's answer;
 * Cancel, Escape and × answer null.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { describe, expect, it } from 'vitest';
import { createProxyLoginPrompts, type ProxyLoginPrompts } from '../../main/desktop/proxy-login.js';
import type { ProxyAuthInfo } from '../../main/desktop/net-fetch.js';
import { openWindow, type WindowUnderTest } from './harness.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();

const PROXY: ProxyAuthInfo = { host: 'proxy.corp.example', port: 3128, realm: 'Corp Squid', scheme: 'basic' };

/** A window whose handlers serve `prompts`, attached as main attaches the account window. */
async function windowWithPrompts(
  opts: { repeatMs?: number; open?: boolean } = {},
): Promise<{ win: WindowUnderTest; prompts: ProxyLoginPrompts; opened: (string | null)[] }> {
  const prompts = createProxyLoginPrompts({ repeatMs: opts.repeatMs ?? 500 });
  const win = await openWindow(suite, { proxyLogin: prompts, open: opts.open ?? true });
  const opened: (string | null)[] = [];
  prompts.attachWindow({
    open: (account) => void opened.push(account),
    push: (name, payload) => void win.bridge.push(name, payload),
  });
  return { win, prompts, opened };
}

function dialogOf(win: WindowUnderTest) {
  const dialog = win.page.getByRole('dialog', { name: 'Proxy sign-in' });
  return {
    dialog,
    username: dialog.getByLabel('User name', { exact: true }),
    password: dialog.getByLabel('Password', { exact: true }),
    signIn: dialog.getByRole('button', { name: 'Sign in', exact: true }),
    cancel: dialog.getByRole('button', { name: 'Cancel', exact: true }),
    close: dialog.getByRole('button', { name: 'Close', exact: true }),
  };
}

describe('proxy sign-in dialog', () => {
  it('appears on the push, labelled, names the proxy, starts empty, and returns what was typed', async () => {
    const { win, prompts, opened } = await windowWithPrompts();
    const answer = prompts.ask(PROXY);
    expect(opened).toEqual([null]);
    const d = dialogOf(win);
    await d.dialog.waitFor();
    expect(await d.dialog.evaluate((el) => (el as HTMLDialogElement).open && el.matches(':modal'))).toBe(
      true,
    );
    expect(await win.page.getByTestId('proxy-login-proxy').textContent()).toBe('proxy.corp.example:3128');
    expect(await win.page.getByTestId('proxy-login-realm').textContent()).toContain('Corp Squid');
    const [request] = prompts.pending();
    expect(await d.password.getAttribute('type')).toBe('password');
    expect(await d.username.inputValue()).toBe('');
    expect(await d.password.inputValue()).toBe('');
    // The focus starts in the first field.
    expect(await d.username.evaluate((el) => el === document.activeElement)).toBe(true);

    const axe = await new AxeBuilder({ page: win.page }).include('dialog').analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    await d.username.fill('CORP\\alice');
    await d.password.fill('pä55 wörd:with colon');
    await d.signIn.click();
    expect(await answer).toEqual({ username: 'CORP\\alice', password: 'pä55 wörd:with colon' });
    await d.dialog.waitFor({ state: 'detached' });
    expect(prompts.pending()).toEqual([]);
    // Main repeats a push that was in flight: an answered prompt does not come back.
    await win.bridge.push('proxyLogin', request!);
    await win.page.waitForTimeout(100);
    expect(await d.dialog.count()).toBe(0);
  });

  it('Cancel, Escape and the × button each answer null', async () => {
    const { win, prompts } = await windowWithPrompts();
    const d = dialogOf(win);

    const byButton = prompts.ask(PROXY);
    await d.dialog.waitFor();
    await d.username.fill('alice');
    await d.password.fill('typed but cancelled');
    await d.cancel.click();
    expect(await byButton).toBeNull();
    await d.dialog.waitFor({ state: 'detached' });

    const byEscape = prompts.ask(PROXY);
    await d.dialog.waitFor();
    // A new prompt for the same proxy never shows what was typed before.
    expect(await d.username.inputValue()).toBe('');
    expect(await d.password.inputValue()).toBe('');
    await win.page.keyboard.press('Escape');
    expect(await byEscape).toBeNull();
    await d.dialog.waitFor({ state: 'detached' });

    const byClose = prompts.ask(PROXY);
    await d.dialog.waitFor();
    await d.close.click();
    expect(await byClose).toBeNull();
    await d.dialog.waitFor({ state: 'detached' });
    const answers = win.bridge.calls.filter((c) => c.method === 'answerProxyLogin');
    expect(answers.map((c) => [c.args[1], c.result])).toEqual([
      [null, true],
      [null, true],
      [null, true],
    ]);
  });

  it('needs a user name: Sign in with none says so and answers nothing', async () => {
    const { win, prompts } = await windowWithPrompts();
    const d = dialogOf(win);
    const answer = prompts.ask(PROXY);
    await d.dialog.waitFor();
    await d.password.fill('secret');
    await d.signIn.click();
    expect(await d.username.getAttribute('aria-invalid')).toBe('true');
    expect(await d.dialog.textContent()).toContain('Enter the user name the proxy expects.');
    expect(win.bridge.calls.some((c) => c.method === 'answerProxyLogin')).toBe(false);
    await d.username.fill('alice');
    await d.password.press('Enter');
    expect(await answer).toEqual({ username: 'alice', password: 'secret' });
  });

  it('a prompt asked before the window loaded is shown when it opens; two proxies are asked one after the other', async () => {
    // No repeat within the test: the dialog must come from the window asking for pending prompts.
    const { win, prompts } = await windowWithPrompts({ repeatMs: 600_000, open: false });
    const first = prompts.ask(PROXY);
    const second = prompts.ask({ ...PROXY, host: 'fd00::3128', port: 8080, realm: '' });
    await win.ui.open(suite.url());
    const d = dialogOf(win);
    await d.dialog.waitFor();
    expect(await win.page.getByTestId('proxy-login-proxy').textContent()).toBe('proxy.corp.example:3128');
    await d.username.fill('alice');
    await d.password.fill('one');
    await d.signIn.click();
    expect(await first).toEqual({ username: 'alice', password: 'one' });
    await expect
      .poll(() => win.page.getByTestId('proxy-login-proxy').textContent())
      .toBe('[fd00::3128]:8080');
    expect(await win.page.getByTestId('proxy-login-realm').count()).toBe(0);
    await dialogOf(win).username.fill('bob');
    await dialogOf(win).password.fill('two');
    await dialogOf(win).signIn.click();
    expect(await second).toEqual({ username: 'bob', password: 'two' });
    await d.dialog.waitFor({ state: 'detached' });
    expect(win.bridge.calls.some((c) => c.method === 'pendingProxyLogins')).toBe(true);
  });
});
