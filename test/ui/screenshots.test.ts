/**
 * Screenshots of the main screens in light and dark. `npm run screenshots` writes them to
 * docs/screenshots/ (linked from the README); any other run takes them all the same (every screen
 * must render), into a temp folder, so a test run leaves the checkout as it found it.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './browser.js';
import { formValuesFor, seedShowcase, until } from './fixtures.js';
import { openWindow } from './harness.js';
import {
  seedSignInShowcase,
  signInPeers,
  systemBrowser,
  walkSignInStates,
  type SignInState,
} from './sign-in-fixtures.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const OUT =
  process.env.TOKENTRAY_UPDATE_SCREENSHOTS === '1'
    ? path.join(REPO_ROOT, 'docs/screenshots')
    : path.join(os.tmpdir(), 'tokentray-screenshots');
const peers = filePeers();
const signIn = signInPeers(() => suite.browser());

/** The sign-in states that get a screenshot, and its file name (the rest are only walked through). */
const SIGN_IN_SHOTS: Partial<Record<SignInState, string>> = {
  'sign-in-needed': 'sign-in-needed',
  'device-code': 'sign-in-device-code',
  'browser-wait': 'sign-in-browser',
  'sign-in-failed': 'sign-in-failed',
  'form-device-code': 'sign-in-form',
  'form-signed-in': 'sign-in-form-signed-in',
};

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
});

describe.each(['light', 'dark'] as const)('screenshots (%s)', (scheme) => {
  it(`writes the list, add form, token details and error screens in ${scheme}`, async () => {
    const win = await openWindow(suite, {
      colorScheme: scheme,
      seed: async (engine) => {
        await seedShowcase(engine, peers);
        await until(
          () =>
            engine
              .list()
              .every(
                (view) =>
                  view.state !== 'refreshing' &&
                  (view.expiresAt !== null || view.error !== null || view.state === 'unknown-expiry'),
              ),
          'every showcase account to settle',
        );
      },
    });
    try {
      const { ui } = win;
      const shot = (name: string) => ui.screenshot(path.join(OUT, `${name}-${scheme}.png`));
      await expect.poll(() => ui.count.textContent()).toBe('8 accounts');
      await shot('list');

      await ui.select('acme-eu');
      await ui.waitForState('Valid');
      await ui.activity.waitFor();
      await shot('token-details');

      await ui.select('globex-oauth');
      await ui.accountError.waitFor();
      await shot('error');

      await ui.startAdd();
      await ui.choosePreset('Acronis');
      await ui.fill(formValuesFor(peers, 'northwind-dc2').Acronis!);
      await ui.fill({ label: 'Northwind · second data center' });
      await ui.testConnection();
      await ui.testResult.waitFor();
      await ui.page.evaluate(() => document.querySelector('.form-scroll')?.scrollTo(0, 0));
      await shot('add-form');
      await ui.testResult.scrollIntoViewIfNeeded();
      await shot('test-connection');
    } finally {
      await win.close();
    }
  }, 90_000);
});

describe.each(['light', 'dark'] as const)('sign-in screenshots (%s)', (scheme) => {
  it(`writes the sign-in needed, device code, browser wait, failure and form sign-in screens in ${scheme}`, async () => {
    const browser = systemBrowser(signIn.personsBrowser);
    const win = await openWindow(suite, {
      colorScheme: scheme,
      openBrowser: browser.openBrowser,
      seed: (engine) => seedSignInShowcase(engine, signIn.peer(), signIn.personsBrowser),
    });
    try {
      const { ui } = win;
      await walkSignInStates({
        ui,
        peer: signIn.peer(),
        browser,
        personsBrowser: signIn.personsBrowser,
        visit: async (state) => {
          const name = SIGN_IN_SHOTS[state];
          if (name === undefined) return;
          if (state === 'form-device-code') await ui.signInProgress.scrollIntoViewIfNeeded();
          if (state === 'form-signed-in') await ui.testResult.scrollIntoViewIfNeeded();
          await ui.screenshot(path.join(OUT, `${name}-${scheme}.png`));
        },
      });
    } finally {
      await win.close();
    }
  }, 90_000);
});
