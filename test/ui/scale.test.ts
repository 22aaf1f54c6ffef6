/** 1,000 accounts: the list renders only what is in view, stays sorted by urgency, and filters by name. */
import { describe, expect, it } from 'vitest';
import { seedMany } from './fixtures.js';
import { openWindow } from './harness.js';
import { uiSuite } from './suite.js';

const suite = uiSuite();

describe('1,000 accounts', () => {
  it('lists them most urgent first, rendering only the rows in view, and filters by name', async () => {
    const win = await openWindow(suite, { seed: (engine) => seedMany(engine, 1000), open: false });
    const { ui, page } = win;
    const started = Date.now();
    await ui.open(suite.url());
    await ui.rows.first().waitFor();
    const firstPaintMs = Date.now() - started;
    console.log(`1,000 accounts: list shown ${firstPaintMs} ms after navigation`);
    expect(firstPaintMs).toBeLessThan(5000);

    expect(await ui.count.textContent()).toBe('1,000 accounts');
    const rendered = await ui.rows.count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(40);
    // Every 50th account was pasted already expired: those 20 come first.
    const names = await ui.renderedNames();
    expect(names[0]).toBe('tenant-0000');
    expect(names.slice(0, 3)).toEqual(['tenant-0000', 'tenant-0050', 'tenant-0100']);
    expect(await ui.rows.first().textContent()).toContain('Expired');

    await ui.filter('tenant-09');
    await expect.poll(() => ui.count.textContent()).toBe('100 of 1,000');
    await ui.filter('TENANT-0999');
    await expect.poll(() => ui.count.textContent()).toBe('1 of 1,000');
    expect(await ui.renderedNames()).toEqual(['tenant-0999']);
    await ui.filter('apac');
    await expect.poll(() => ui.count.textContent()).toBe('333 of 1,000');
    await ui.filter('no-such-tenant');
    await expect.poll(() => page.locator('.list-empty').textContent()).toContain('No account matches');
    await ui.filter('');
    await expect.poll(() => ui.count.textContent()).toBe('1,000 accounts');
  });

  it('moves through the list with the keyboard, rendering the rows it reaches', async () => {
    const win = await openWindow(suite, { seed: (engine) => seedMany(engine, 1000) });
    const { ui, page } = win;
    await ui.list.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => ui.list.getAttribute('aria-activedescendant')).toBe('account-tenant-0000');
    await page.keyboard.press('End');
    const last = await ui.rows.evaluateAll((rows) =>
      rows.find((r) => r.getAttribute('aria-selected') === 'true')?.getAttribute('aria-posinset'),
    );
    expect(last).toBe('1000');
    await expect.poll(() => ui.detailsTitle.textContent()).toMatch(/^tenant-\d{4}$/);
    expect(await ui.rows.count()).toBeLessThan(40);
    await page.keyboard.press('Home');
    await expect.poll(() => ui.detailsTitle.textContent()).toBe('tenant-0000');
  });

  it('applies a push of 1,000 changed accounts without a reload', async () => {
    const win = await openWindow(suite, { seed: (engine) => seedMany(engine, 1000) });
    const { ui, engine } = win;
    await engine.removeAccount('tenant-0000');
    await engine.saveAccount({ name: 'aaa-new', preset: 'static', token: 'opaque-token' });
    await expect.poll(() => ui.count.textContent()).toBe('1,000 accounts');
    await ui.filter('aaa-new');
    await expect.poll(() => ui.renderedNames()).toEqual(['aaa-new']);
    await ui.filter('tenant-0000');
    await expect.poll(() => ui.count.textContent()).toBe('0 of 1,000');
  });
});
