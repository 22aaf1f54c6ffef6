/**
 * Interactive sign-in in the account window (issue #11): Sign in… on a saved account and in the
 * form (where Test connection was), the device code with Copy code and Cancel, "waiting for the
 * browser" with Cancel and the page to open again, failures in the engine's and the server's
 * words, and "Sign-in needed" after a refused refresh. The real engine signs in against a real
 * oidc-provider whose own pages a second Chromium profile drives, as the person would.
 */
import { describe, expect, it } from 'vitest';
import { until } from './fixtures.js';
import { openWindow, type WindowOptions, type WindowUnderTest } from './harness.js';
import {
  browserAccount as browserAccountOn,
  deviceAccount as deviceAccountOn,
  enterDeviceCode,
  signInFromNode,
  signInPeers,
  systemBrowser as systemBrowserOn,
} from './sign-in-fixtures.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();
const { peer: thePeer, personsBrowser } = signInPeers(() => suite.browser());
const WAIT_MS = 15_000;

/** The file's peer, named as the tests read it. */
const peer = {
  get issuer() {
    return thePeer().issuer;
  },
  get faults() {
    return thePeer().faults;
  },
};
const deviceAccount = (name?: string) => deviceAccountOn(thePeer(), name);
const browserAccount = (name?: string) => browserAccountOn(thePeer(), name);
const systemBrowser = () => systemBrowserOn(personsBrowser);

/** Everything that crossed into the page (requests, answers, pushes) as one string. */
const crossed = (win: WindowUnderTest) => JSON.stringify([win.bridge.calls, win.bridge.pushes]);

async function open(opts: WindowOptions = {}): Promise<WindowUnderTest> {
  return openWindow(suite, opts);
}

describe('Sign in… on a saved account', () => {
  it('says "Sign-in needed" and signs in with a device code: the code large, Copy code, the link, the countdown', async () => {
    const win = await open({ seed: (engine) => engine.saveAccount(deviceAccount()).then(() => undefined) });
    const { ui, page, engine, clipboard } = win;
    await expect.poll(() => ui.row('graph').locator('.badge').textContent()).toBe('Sign-in needed');
    await expect.poll(() => ui.row('graph').locator('.row-time').textContent()).toBe('Not signed in yet');
    await ui.select('graph');
    await ui.waitForState('Sign-in needed');
    await expect.poll(() => page.getByTestId('sign-in-panel').textContent()).toMatch(/Not signed in yet/);
    expect(await ui.signInButton.getAttribute('class')).toContain('primary');

    await ui.signInButton.click();
    const code = await ui.shownUserCode();
    expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    // The button that started it is gone: the focus is on Copy code, what the person needs next.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.textContent?.trim()))
      .toBe('Copy code');
    const link = page.getByTestId('verification-uri');
    expect(await link.textContent()).toBe(`${peer.issuer}/device`);
    expect(await page.getByTestId('device-code-expiry').textContent()).toMatch(
      /^The code expires in (9|10) min\. Tokentray checks every 1 s/,
    );
    // Big and selectable: one click selects the whole code.
    const style = await ui.userCode.evaluate((el) => {
      const css = getComputedStyle(el);
      return { size: parseFloat(css.fontSize), select: css.userSelect };
    });
    expect(style.size).toBeGreaterThanOrEqual(24);
    expect(style.select).toBe('all');

    await page.getByRole('button', { name: 'Copy code' }).click();
    await page.getByRole('button', { name: 'Code copied' }).waitFor({ timeout: WAIT_MS });
    expect(clipboard.copies).toEqual([{ text: code, clearAfterSeconds: 0 }]);

    const heading = await enterDeviceCode(await personsBrowser(), `${peer.issuer}/device`, code, {
      kind: 'approve',
      login: 'alice',
    });
    expect(heading).not.toBe('');
    await ui.waitForState('Valid', WAIT_MS);
    await ui.signInProgress.waitFor({ state: 'detached', timeout: WAIT_MS });
    await expect
      .poll(() => page.getByTestId('sign-in-panel').textContent())
      .toMatch(/^Signed in: Tokentray renews/);
    await expect.poll(() => ui.toasts.textContent()).toContain('Signed in: graph');
    expect(engine.view('graph')).toMatchObject({
      signInNeeded: false,
      renewable: true,
      label: 'Contoso · delegated Graph',
    });

    // The token and the refresh token stay in main: nothing that crossed into the page holds them.
    const token = await engine.token('graph', { purpose: 'reveal' });
    expect(crossed(win)).not.toContain(token.accessToken);
  }, 60_000);

  it('Cancel ends a device code sign-in, and nothing changes', async () => {
    const win = await open({ seed: (engine) => engine.saveAccount(deviceAccount()).then(() => undefined) });
    const { ui, page, engine, handlers } = win;
    await ui.select('graph');
    await ui.signInButton.click();
    await ui.shownUserCode();
    await ui.cancelSignIn();
    await expect
      .poll(() => page.getByTestId('sign-in-panel').textContent())
      .toMatch(/Sign-in cancelled\. Nothing was changed\./);
    expect(await handlers.signInsInProgress()).toEqual([]);
    expect(engine.view('graph')).toMatchObject({ signInNeeded: true, lastRefreshAt: null, tokenType: null });
    await ui.waitForState('Sign-in needed');
    // It can start again at once.
    await ui.signInButton.click();
    await ui.shownUserCode();
    await ui.cancelSignIn();
  }, 45_000);

  it('waits for the browser with Cancel, opens the page again on request, then signs in through the browser', async () => {
    const browser = systemBrowser();
    const openedAgain: string[] = [];
    const win = await open({
      openBrowser: browser.openBrowser,
      openExternal: async (url) => {
        openedAgain.push(url);
      },
      seed: (engine) => engine.saveAccount(browserAccount()).then(() => undefined),
    });
    const { ui, page, engine } = win;
    await ui.select('portal');
    await ui.signInButton.click();
    await ui.browserWait.waitFor({ timeout: WAIT_MS });
    expect(await ui.browserWait.locator('.sign-in-step').textContent()).toBe('Waiting for the browser —');
    expect(await ui.browserWait.textContent()).toMatch(/It waits (4|5) min more\./);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Cancel');
    await until(() => browser.state.runs[0]?.url !== undefined, 'the browser to be sent to the sign-in page');
    const url = browser.state.runs[0]!.url!;
    expect(url.startsWith(`${peer.issuer}/auth?`)).toBe(true);

    await ui.browserWait.getByRole('button', { name: 'Open the page again' }).click();
    await until(() => openedAgain.length === 1, 'the page to be opened again');
    expect(openedAgain).toEqual([url]);
    await ui.browserWait.getByText('Or copy the address into a browser yourself').click();
    expect(await page.getByTestId('authorization-url').textContent()).toBe(url);

    await ui.cancelSignIn();
    await expect.poll(() => page.getByTestId('sign-in-panel').textContent()).toMatch(/Sign-in cancelled/);

    browser.state.script = { kind: 'approve', login: 'bob' };
    await ui.signInButton.click();
    await ui.waitForState('Valid', WAIT_MS);
    const tab = await browser.state.runs[1]!.finished();
    expect(tab.heading).toMatch(/signed in|close/i);
    expect(engine.view('portal')).toMatchObject({ signInNeeded: false, signIn: 'browser' });
  }, 60_000);

  it('a refused sign-in says what to do first, with the server’s own words', async () => {
    const browser = systemBrowser();
    browser.state.script = { kind: 'cancel' };
    const win = await open({
      openBrowser: browser.openBrowser,
      seed: (engine) => engine.saveAccount(browserAccount()).then(() => undefined),
    });
    const { ui, page } = win;
    await ui.select('portal');
    await ui.signInButton.click();
    const box = ui.errorBox;
    await box.waitFor({ timeout: WAIT_MS });
    expect(await box.locator('.callout-title').textContent()).toBe('Sign-in failed');
    expect(await box.getAttribute('role')).toBe('alert');
    expect(await box.locator('.error-meta code').textContent()).toBe('access_denied');
    expect(await box.locator('.error-message').textContent()).toMatch(/start sign-in again/);
    expect(await box.getByTestId('server-message').textContent()).toMatch(/The server said.*abort/i);
    // The general advice by code (it speaks of renewals) is not shown over the sign-in's own words.
    expect(await box.getByTestId('error-advice').count()).toBe(0);
    // Sign in… is still there to try again.
    expect(await ui.signInButton.isVisible()).toBe(true);
    await page.getByTestId('sign-in-panel').waitFor();
  }, 45_000);

  it('after a refused refresh: "Sign-in needed", the tray’s focus lands on Sign in…, which signs in again and keeps the settings', async () => {
    const win = await open({
      seed: async (engine) => {
        await engine.saveAccount(deviceAccount());
        await signInFromNode(engine, 'graph', await personsBrowser());
        peer.faults.push({
          kind: 'status',
          status: 400,
          body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
        });
        await engine.refresh('graph').catch(() => undefined);
      },
    });
    const { ui, page, engine, bridge } = win;
    expect(engine.view('graph')).toMatchObject({ signInNeeded: true, errorCode: 'signin_required' });
    await expect.poll(() => ui.row('graph').locator('.badge').textContent()).toBe('Sign-in needed');
    // The tray's "Sign in…" and the notification open the window on the account this way.
    await bridge.push('focusAccount', 'graph');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('sign-in-button');
    await ui.waitForState('Sign-in needed');
    expect(await ui.accountError.getByTestId('error-advice').textContent()).toMatch(
      /no longer accepts the saved sign-in: choose Sign in…/,
    );
    expect(await page.getByRole('button', { name: 'Update credentials' }).count()).toBe(0);
    expect(await page.getByTestId('sign-in-panel').textContent()).toMatch(
      /The server no longer accepts the saved sign-in/,
    );

    await page.keyboard.press('Enter');
    const code = await ui.shownUserCode();
    await enterDeviceCode(await personsBrowser(), `${peer.issuer}/device`, code, {
      kind: 'approve',
      login: 'alice',
    });
    await ui.waitForState('Valid', WAIT_MS);
    expect(engine.view('graph')).toMatchObject({
      signInNeeded: false,
      errorCode: null,
      label: 'Contoso · delegated Graph',
      settings: expect.objectContaining({ grantType: 'device_code', scope: 'openid offline_access' }),
    });
  }, 60_000);

  it('shows a sign-in the tray started before the window opened', async () => {
    const win = await open({
      open: false,
      seed: (engine) => engine.saveAccount(deviceAccount()).then(() => undefined),
    });
    const { ui, handlers } = win;
    // What the tray's Sign in… does in main: the sign-in runs, the window opens on the account.
    const started = handlers.signIn('graph');
    await until(async () => (await handlers.signInsInProgress())[0]?.prompt != null, 'the device code');
    await ui.open(suite.url());
    await ui.select('graph');
    const code = await ui.shownUserCode();
    const running = await handlers.signInsInProgress();
    expect(running[0]?.prompt).toMatchObject({ stage: 'device-code', userCode: code });
    await ui.cancelSignIn();
    expect(await started).toMatchObject({ ok: false, error: { code: 'aborted' } });
  }, 45_000);
});

describe('Sign in… in the form (what Test connection is for a grant that needs a person)', () => {
  /** Fills the add form for an account on the file's peer with this grant. */
  async function fillInteractive(win: WindowUnderTest, name: string, grantType: string): Promise<void> {
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('OAuth 2.0');
    await ui.fill({
      name,
      issuer: peer.issuer,
      grantType,
      clientAuth: 'none',
      clientId: 'fake-native-client',
      scope: 'openid offline_access',
    });
  }
  const tokenRequests = () => thePeer().requests.length;

  it('replaces Test connection, signs in with a device code, and a save within 15 minutes keeps the sign-in', async () => {
    const win = await open();
    const { ui, page, engine } = win;
    await fillInteractive(win, 'graph-new', 'device_code');
    const footer = ui.form.locator('.form-actions');
    await expect.poll(() => footer.getByRole('button', { name: 'Sign in…' }).count()).toBe(1);
    expect(await footer.getByRole('button', { name: 'Test connection' }).count()).toBe(0);
    expect(await page.getByTestId('sign-in-hint').textContent()).toMatch(
      /shows a code to enter .* saves nothing\. Save the account within 15 minutes and it keeps this sign-in/,
    );
    // A grant that needs no person has its Test connection back.
    await ui.fill({ grantType: 'client_credentials' });
    await footer.getByRole('button', { name: 'Test connection' }).waitFor();
    await ui.fill({ grantType: 'device_code' });

    await footer.getByRole('button', { name: 'Sign in…' }).click();
    const code = await ui.shownUserCode();
    expect(await footer.getByRole('button', { name: 'Signing in…' }).getAttribute('aria-disabled')).toBe(
      'true',
    );
    await enterDeviceCode(await personsBrowser(), `${peer.issuer}/device`, code, {
      kind: 'approve',
      login: 'carol',
    });
    await ui.testResult.waitFor({ timeout: WAIT_MS });
    expect(await ui.testResult.locator('#test-result-title').textContent()).toMatch(
      /Signed in: a token was issued/,
    );
    expect(await page.getByTestId('signed-in-kept').textContent()).toMatch(
      /within 15 minutes.*no second sign-in/,
    );
    expect(await ui.testResult.locator('[data-fact="refreshToken"]').textContent()).toBe('Yes');
    expect(engine.view('graph-new')).toBeUndefined();
    const requestsSignedIn = tokenRequests();

    await ui.save();
    await ui.detailsTitle.filter({ hasText: 'graph-new' }).waitFor({ timeout: WAIT_MS });
    await ui.waitForState('Valid', WAIT_MS);
    expect(engine.view('graph-new')).toMatchObject({
      signInNeeded: false,
      signIn: 'device',
      renewable: true,
    });
    // Kept from Sign in…: saving asked the server for nothing, and the log says where the token came from.
    expect(tokenRequests()).toBe(requestsSignedIn);
    expect(engine.activity('graph-new').map((e) => e.detail)).toContain('token from Test connection kept');
  }, 60_000);

  it('waits for the browser in the form, and Cancel says nothing was saved', async () => {
    const browser = systemBrowser();
    const win = await open({ openBrowser: browser.openBrowser });
    const { ui, page, handlers } = win;
    await fillInteractive(win, 'portal-new', 'authorization_code');
    expect(await page.getByTestId('sign-in-hint').textContent()).toMatch(/opens your browser/);
    await ui.form.locator('.form-actions').getByRole('button', { name: 'Sign in…' }).click();
    await ui.browserWait.waitFor({ timeout: WAIT_MS });
    expect(await ui.browserWait.locator('.sign-in-step').textContent()).toBe('Waiting for the browser —');
    await ui.cancelSignIn();
    await page.getByTestId('sign-in-cancelled').waitFor({ timeout: WAIT_MS });
    expect(await page.getByTestId('sign-in-cancelled').textContent()).toBe(
      'Sign-in cancelled. Nothing was saved.',
    );
    expect(await handlers.signInsInProgress()).toEqual([]);
  }, 45_000);

  it('a code refused at the server: "Sign-in failed", what to do first, and the server’s words', async () => {
    const win = await open();
    const { ui, page } = win;
    await fillInteractive(win, 'graph-denied', 'device_code');
    await ui.form.locator('.form-actions').getByRole('button', { name: 'Sign in…' }).click();
    const code = await ui.shownUserCode();
    await enterDeviceCode(await personsBrowser(), `${peer.issuer}/device`, code, { kind: 'abort' });
    await ui.errorBox.waitFor({ timeout: WAIT_MS });
    expect(await ui.errorBox.locator('.callout-title').textContent()).toBe('Sign-in failed');
    expect(await ui.errorBox.locator('.error-meta code').textContent()).toBe('access_denied');
    expect(await ui.errorBox.locator('.error-message').textContent()).toMatch(/start sign-in again/);
    await expect.poll(() => page.getByTestId('test-status').textContent()).toBe('Sign-in failed.');
  }, 45_000);
});
