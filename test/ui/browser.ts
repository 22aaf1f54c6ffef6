/** Builds the renderer once per test run and launches Debian's headless Chromium through playwright-core. */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_TEST_FLAGS } from './chromium-flags.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const RENDERER_DIST = path.join(REPO_ROOT, 'dist/renderer');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function sourcesNewest(): number {
  return Math.max(
    newestMtime(path.join(REPO_ROOT, 'renderer')),
    newestMtime(path.join(REPO_ROOT, 'preload')),
  );
}

function isFresh(): boolean {
  const index = path.join(RENDERER_DIST, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= sourcesNewest();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `node scripts/build.mjs renderer` unless dist/renderer is newer than every source. Test
 * files run in parallel workers of one vitest process: a lock directory named after that process
 * lets exactly one of them build while the others wait (bounded).
 */
export async function ensureRendererBuilt(): Promise<void> {
  if (isFresh()) return;
  const lock = path.join(os.tmpdir(), `tokentray-ui-build-${process.ppid}`);
  let owner = false;
  try {
    mkdirSync(lock);
    owner = true;
    // Late workers find the build fresh and never look for the lock, so it can go when we exit.
    process.once('exit', () => rmSync(lock, { recursive: true, force: true }));
  } catch {
    owner = false;
  }
  if (owner) {
    try {
      await promisify(execFile)(process.execPath, ['scripts/build.mjs', 'renderer'], {
        cwd: REPO_ROOT,
        timeout: 120_000,
      });
    } catch (error) {
      writeFileSync(path.join(lock, 'failed'), String(error));
      throw error;
    }
    writeFileSync(path.join(lock, 'done'), '');
    return;
  }
  const deadline = Date.now() + 120_000;
  while (!existsSync(path.join(lock, 'done'))) {
    if (existsSync(path.join(lock, 'failed'))) throw new Error('the renderer build failed in another worker');
    if (Date.now() > deadline) throw new Error('timed out waiting for another worker to build the renderer');
    await sleep(200);
  }
}

/** Debian's chromium when present (or CHROMIUM_PATH), else Playwright's own. */
export function chromiumPath(): string {
  const wanted = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(wanted) ? wanted : chromium.executablePath();
}

/** Launches headless Chromium with everything that phones home switched off. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_TEST_FLAGS],
    timeout: 30_000,
  });
}
