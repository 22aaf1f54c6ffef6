/**
 * Launches the unpackaged Tokentray (the app folder, as `npm start` runs `electron .`) under Playwright's `_electron` with an
 * isolated profile, or explains why it cannot run here. The unpackaged app is used because
 * Playwright needs the inspect arguments the release build's fuses turn off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';

export const MAIN_BUNDLE = path.resolve('dist/main/index.cjs');
/** The app folder: Electron reads its package.json `main`, and app.getAppPath() is this folder. */
export const APP_FOLDER = path.resolve('.');

/**
 * The Electron binary, or the reason the suite must skip. Resolved the way `require('electron')`
 * does (path.txt, ELECTRON_OVERRIDE_DIST_PATH) but without its side effect: requiring it when the
 * binary is missing starts a download.
 */
export function electronBinary(): { ok: true; path: string } | { ok: false; reason: string } {
  const packageDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (executable === null && !override) {
    return {
      ok: false,
      reason: `the Electron binary was never downloaded (${pathFile} is missing; run "npx install-electron")`,
    };
  }
  const binary = override
    ? path.join(override, executable ?? 'electron')
    : path.join(packageDir, 'dist', executable ?? '');
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary is missing at ${binary}` };
  if (!existsSync(MAIN_BUNDLE))
    return { ok: false, reason: `${MAIN_BUNDLE} is not built (run npm run build)` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { ok: false, reason: 'no display (run under xvfb-run)' };
  }
  return { ok: true, path: binary };
}

export interface LaunchedApp {
  app: ElectronApplication;
  window: Page;
  userData: string;
  close(): Promise<void>;
}

/** Starts the app on a fresh profile; on Linux with the basic password store, as CI must (no keyring). */
export async function launchApp(binary: string): Promise<LaunchedApp> {
  const userData = await mkdtemp(path.join(os.tmpdir(), 'tokentray-e2e-'));
  const runtime = path.join(userData, 'run');
  await mkdir(runtime, { mode: 0o700 });
  // The folder, not the bundle: given dist/main/index.cjs, Electron takes dist/main as the app path
  // and every resource the app resolves from it (preload, renderer, tray icons) is missing.
  const args = [APP_FOLDER, `--user-data-dir=${userData}`];
  if (process.platform === 'linux') args.push('--password-store=basic');
  const app = await _electron.launch({
    executablePath: binary,
    args,
    // Its own socket directory, so a tray app the developer runs is never touched.
    env: isolatedRuntimeEnv(process.env, runtime),
    timeout: 30_000,
  });
  // With no accounts the app opens its window on start.
  const window = await app.firstWindow({ timeout: 30_000 });
  await window.locator('.app').waitFor({ timeout: 15_000 });
  return {
    app,
    window,
    userData,
    async close() {
      await app.close().catch(() => undefined);
      await rm(userData, { recursive: true, force: true });
    },
  };
}

/** Records every desktop notification the main process shows from now on (title and body). */
export async function captureNotifications(
  app: ElectronApplication,
): Promise<() => Promise<{ title: string; body: string }[]>> {
  await app.evaluate(({ Notification }) => {
    const shown: { title: string; body: string }[] = [];
    (globalThis as { __tokentrayShown?: unknown }).__tokentrayShown = shown;
    Notification.prototype.show = function show(this: { title: string; body: string }) {
      shown.push({ title: this.title, body: this.body });
    };
  });
  return () =>
    app.evaluate(
      () =>
        (globalThis as unknown as { __tokentrayShown: { title: string; body: string }[] }).__tokentrayShown,
    );
}

/**
 * The environment with XDG_RUNTIME_DIR replaced (the app's socket goes there, away from a tray app
 * the developer runs) while the desktop session stays reachable: a relative WAYLAND_DISPLAY names a
 * socket in the OLD runtime dir, so it is made absolute (libwayland accepts a path), and the D-Bus
 * session bus keeps its address.
 */
export function isolatedRuntimeEnv(env: NodeJS.ProcessEnv, runtime: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  const oldRuntime = env.XDG_RUNTIME_DIR;
  const wayland = env.WAYLAND_DISPLAY;
  if (wayland && !path.isAbsolute(wayland) && oldRuntime)
    out.WAYLAND_DISPLAY = path.join(oldRuntime, wayland);
  if (!env.DBUS_SESSION_BUS_ADDRESS && oldRuntime && existsSync(path.join(oldRuntime, 'bus'))) {
    out.DBUS_SESSION_BUS_ADDRESS = `unix:path=${path.join(oldRuntime, 'bus')}`;
  }
  out.XDG_RUNTIME_DIR = runtime;
  return out;
}
