/** Getting real tokens from the real peers through the window: add, test connection, renew, failures with the server's words. */
import { describe, expect, it } from 'vitest';
import { ACRONIS_DEFAULTS, MPS_MONITOR_DEFAULTS } from '../peers/index.js';
import { formValuesFor, startPeers } from './fixtures.js';
import { openWindow } from './harness.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const peers = filePeers();

const PRESETS = ['MSP360', 'backup.net', 'MPS Monitor', 'Acronis', 'OAuth 2.0', 'Pasted token'] as const;

describe('adding accounts', () => {
  it('adds an MPS Monitor account through the form, obtains a token from the peer, and renews it with the rotated refresh token', async () => {
    const win = await openWindow(suite);
    const { ui, engine } = win;
    const peer = peers.mpsMonitor;
    const requestsBefore = peer.requests.length;
    await ui.startAdd();
    await ui.choosePreset('MPS Monitor');
    await ui.fill(formValuesFor(peers, 'acme-eu')['MPS Monitor']!);
    await ui.save();

    await ui.detailsTitle.filter({ hasText: 'acme-eu' }).waitFor();
    await ui.waitForState('Valid');
    await expect.poll(() => ui.page.locator('.time-left').textContent()).toMatch(/(29|30) min left/);
    const first = peer.requests.slice(requestsBefore);
    expect(first.map((r) => r.form?.grant_type)).toEqual(['password']);
    expect(await ui.row('acme-eu').textContent()).toContain('Valid');

    await ui.renew();
    await expect
      .poll(() => peer.requests.slice(requestsBefore).map((r) => r.form?.grant_type))
      .toEqual(['password', 'refresh_token']);
    await ui.waitForState('Valid');
    // The renewal used the refresh token the peer rotated in the first answer.
    expect(peer.requests.at(-1)?.form?.refresh_token).toBe(peer.issued.refreshTokens.at(-2));
    await expect.poll(() => ui.activity.textContent()).toContain('renewed');
    expect(engine.view('acme-eu')?.state).toBe('valid');
  });

  it.each(PRESETS)(
    'adds a new %s account, tests its connection, saves it and reveals the token it got',
    async (title) => {
      const win = await openWindow(suite);
      const { ui, engine } = win;
      const name = `new-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      await ui.startAdd();
      await ui.choosePreset(title);
      await ui.fill(formValuesFor(peers, name)[title]!);

      const answer = await ui.testConnection();
      expect(await answer.getAttribute('data-testid')).toBe('test-result');
      expect(await ui.testResult.locator('[data-fact="tokenType"]').textContent()).toMatch(/bearer/i);
      expect(engine.list()).toEqual([]); // testing saves nothing

      await ui.save();
      await ui.detailsTitle.filter({ hasText: name }).waitFor();
      await ui.waitForState('Valid');
      const shown = await ui.reveal();
      const issued = await engine.token(name, { purpose: 'manual' });
      expect(shown).toBe(issued.accessToken);
    },
  );
});

describe('test connection', () => {
  it('shows token type, expiry, lifetime, scopes, refresh token and a JWT decoded, not verified', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    await ui.fill(formValuesFor(peers, 'acronis-jwt').Acronis!);
    await ui.testConnection();
    const result = ui.testResult;
    expect(await result.locator('[data-fact="tokenType"]').textContent()).toBe('bearer');
    expect(await result.locator('[data-fact="expiresAt"]').textContent()).toMatch(/in (1 h 59 min|2 h)/);
    expect(await result.locator('[data-fact="lifetime"]').textContent()).toMatch(/^(2 h|1 h 59 min)$/);
    expect(await result.locator('[data-fact="refreshToken"]').textContent()).toBe('No');
    const jwt = result.getByTestId('jwt');
    expect(await jwt.textContent()).toContain('decoded, not verified');
    expect(await jwt.textContent()).toContain('"kid": "fake-kid-1"');
    expect(await jwt.textContent()).toContain(`"sub": "${ACRONIS_DEFAULTS.clientId}"`);
  });

  it('says when the token came with a refresh token and which scopes it has', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('MPS Monitor');
    await ui.fill(formValuesFor(peers, 'mps')['MPS Monitor']!);
    await ui.testConnection();
    expect(await ui.testResult.locator('[data-fact="refreshToken"]').textContent()).toBe('Yes');
    expect(await ui.testResult.locator('[data-fact="lifetime"]').textContent()).toMatch(/^(29|30) min$/);
    expect(await ui.testResult.getByTestId('jwt').count()).toBe(0);
  });

  it('shows the server’s own text when the Acronis client secret is wrong', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    await ui.fill({ ...formValuesFor(peers, 'acronis-bad').Acronis!, clientSecret: 'wrong-secret' });
    const answer = await ui.testConnection();
    expect(await answer.getAttribute('data-testid')).toBe('error-box');
    expect(await answer.textContent()).toContain('Connection failed');
    expect(await answer.getByTestId('server-message').textContent()).toContain(
      'Client authentication failed.',
    );
    expect(await answer.textContent()).toContain('HTTP 401');
    expect(await answer.textContent()).not.toContain('wrong-secret');
    // What to do comes first; the server's words are quoted once, not repeated in the message.
    expect(await answer.getByTestId('error-advice').textContent()).toMatch(/Check both/);
    expect((await answer.textContent())?.split('Client authentication failed.').length).toBe(2);
    // The answer has the focus (the button kept its place while busy; the result took over).
    await expect.poll(() => answer.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('names the URL that was not found, and suggests the other Acronis token path', async () => {
    const win = await openWindow(suite);
    const { ui, page } = win;
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    const suggested = await page.$$eval('#field-tokenPath-suggestions option', (options) =>
      options.map((o) => (o as HTMLOptionElement).value),
    );
    expect(suggested).toEqual(['/bc/idp/token', '/api/2/idp/token']);
    await ui.fill({ ...formValuesFor(peers, 'acr-404').Acronis!, tokenPath: '/no/such/token' });
    const answer = await ui.testConnection();
    expect(await answer.textContent()).toContain(`nothing at ${peers.acronis.url}/no/such/token (HTTP 404)`);
    expect(await answer.getByTestId('error-advice').textContent()).toMatch(/token path/);
  });

  it('shows the server’s own text when the MPS Monitor password is wrong', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('MPS Monitor');
    await ui.fill({ ...formValuesFor(peers, 'mps-bad')['MPS Monitor']!, password: 'not-the-password' });
    const answer = await ui.testConnection();
    expect(await answer.getByTestId('server-message').textContent()).toContain(
      'The user name or password is incorrect.',
    );
  });

  it('says plainly when nothing answers at the URL', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    const closed = await startPeers();
    const url = closed.acronis.url;
    await closed.close();
    await ui.startAdd();
    await ui.choosePreset('Acronis');
    await ui.fill({ ...formValuesFor(peers, 'gone').Acronis!, baseUrl: url });
    const answer = await ui.testConnection();
    expect(await answer.textContent()).toMatch(/could not reach|refused|ECONNREFUSED/i);
  });
});

describe('a failed save', () => {
  it('shows the account as needing the user, with the server’s text, and recovers after the password is replaced', async () => {
    const win = await openWindow(suite);
    const { ui } = win;
    await ui.startAdd();
    await ui.choosePreset('MPS Monitor');
    await ui.fill({ ...formValuesFor(peers, 'mps-wrong')['MPS Monitor']!, password: 'not-the-password' });
    await ui.save();
    await ui.waitForState('Needs you');
    await expect
      .poll(() => ui.accountError.textContent())
      .toContain('The user name or password is incorrect.');
    expect(await ui.row('mps-wrong').textContent()).toContain('Sign-in rejected');

    await ui.accountError.getByRole('button', { name: 'Update credentials' }).click();
    await ui.replaceSecret('password');
    await ui.fill({ password: MPS_MONITOR_DEFAULTS.password });
    await ui.save();
    await ui.waitForState('Valid');
    expect(await ui.accountError.count()).toBe(0);
  });
});
