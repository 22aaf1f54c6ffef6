// Builds the account window into dist/renderer. Relative asset paths (`base: './'`) so the app can
// serve it from its own scheme, and no inline scripts or styles so the strict CSP holds.
import path from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  // jsxDev off even when NODE_ENV is not `production` (e.g. a build started from vitest): the dev
  // runtime would embed absolute source paths and double the bundle.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', jsxDev: false },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/renderer'),
    emptyOutDir: true,
    target: 'chrome140',
    // The polyfill would add code we never need in Electron's Chromium.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into CSS/JS we do not control; keep everything a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
