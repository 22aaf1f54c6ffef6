/** Screenshots of the main screens in light and dark, written to docs/screenshots/ (linked from the README). */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './browser.js';
import { formValuesFor, seedShowcase, until } from './fixtures.js';
import { openWindow } from './harness.js';
import { filePeers, uiSuite } from './suite.js';

const suite = uiSuite();
const OUT = path.join(REPO_ROOT, 'docs/screenshots');
const peers = filePeers();

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
