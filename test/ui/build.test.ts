/** The production build of the window: small, no inline code (the CSP forbids it), nothing of the build machine inside. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt, RENDERER_DIST, REPO_ROOT } from './browser.js';

const ASSETS = path.join(RENDERER_DIST, 'assets');

beforeAll(async () => {
  await ensureRendererBuilt();
}, 180_000);

describe('the renderer build', () => {
  it('ships under 150 KB of minified JavaScript', async () => {
    const scripts = (await readdir(ASSETS)).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = await Promise.all(scripts.map(async (f) => (await stat(path.join(ASSETS, f))).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`renderer JS: ${total} bytes minified in ${scripts.length} file(s)`);
    expect(total).toBeLessThan(150 * 1024);
  });

  it('has no inline script or style, and declares the strict CSP in the page', async () => {
    const html = await readFile(path.join(RENDERER_DIST, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).toContain("default-src 'none'; script-src 'self'; style-src 'self'");
    // Relative asset paths: the app serves the window from its own scheme.
    expect(html).toMatch(/src="\.\/assets\//);
  });

  it('embeds no path of the build machine and no development JSX runtime', async () => {
    for (const file of await readdir(ASSETS)) {
      const text = await readFile(path.join(ASSETS, file), 'utf8');
      expect(text).not.toContain(REPO_ROOT);
      expect(text).not.toContain('lineNumber');
    }
  });
});
