/** How the `_electron` suite launches the app where a binary exists (the suite itself skips here). */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_FOLDER, isolatedRuntimeEnv } from '../e2e/electron-app.js';

describe('the end-to-end launch', () => {
  it('starts the app folder, as npm start does, so the app path is the folder with dist/ and build/', () => {
    expect(APP_FOLDER).toBe(path.resolve('.'));
  });

  it('keeps a Wayland session reachable when XDG_RUNTIME_DIR is replaced', () => {
    const env = isolatedRuntimeEnv(
      { XDG_RUNTIME_DIR: '/run/user/1000', WAYLAND_DISPLAY: 'wayland-0', PATH: '/usr/bin' },
      '/tmp/e2e/run',
    );
    expect(env.XDG_RUNTIME_DIR).toBe('/tmp/e2e/run');
    expect(env.WAYLAND_DISPLAY).toBe('/run/user/1000/wayland-0');
    expect(env.PATH).toBe('/usr/bin');
  });

  it('leaves an absolute WAYLAND_DISPLAY and an X11-only session as they are', () => {
    expect(
      isolatedRuntimeEnv({ XDG_RUNTIME_DIR: '/run/user/1', WAYLAND_DISPLAY: '/x/w-1' }, '/r').WAYLAND_DISPLAY,
    ).toBe('/x/w-1');
    const x11 = isolatedRuntimeEnv({ DISPLAY: ':0' }, '/r');
    expect(x11.WAYLAND_DISPLAY).toBeUndefined();
    expect(x11.DISPLAY).toBe(':0');
  });
});
