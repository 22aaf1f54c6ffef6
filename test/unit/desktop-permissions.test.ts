import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { denyAllPermissions } from '../../main/desktop/permissions.js';
import { fakeEvent, FakeSession } from '../fakes/electron-fake.js';

/** Every permission name Electron 45 declares for the request handler, read from electron.d.ts. */
function declaredPermissions(): string[] {
  const require = createRequire(import.meta.url);
  const dts = readFileSync(
    path.join(path.dirname(require.resolve('electron/package.json')), 'electron.d.ts'),
    'utf8',
  );
  const line = dts.split('\n').find((l) => l.includes('setPermissionRequestHandler(handler:'));
  const names = [...(line ?? '').matchAll(/'([a-zA-Z-]+)'/g)].map((m) => m[1] as string);
  return [...new Set(names)];
}

describe('permission handlers', () => {
  const permissions = declaredPermissions();

  it('knows the permission names (sanity check of the electron.d.ts parse)', () => {
    expect(permissions).toEqual(
      expect.arrayContaining(['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']),
    );
    expect(permissions.length).toBeGreaterThan(30);
  });

  it('registers a request, a check and a device handler on the session', () => {
    const session = new FakeSession();
    denyAllPermissions(session.asSession());
    expect(session.requestHandler).not.toBeNull();
    expect(session.checkHandler).not.toBeNull();
    expect(session.deviceHandler).not.toBeNull();
  });

  it('denies every permission request', () => {
    const session = new FakeSession();
    denyAllPermissions(session.asSession());
    for (const permission of permissions) {
      const answers: boolean[] = [];
      session.requestHandler?.({}, permission, (granted) => answers.push(granted), {
        requestingUrl: 'app://tokentray/',
      });
      expect(answers, permission).toEqual([false]);
    }
  });

  it('answers every permission check with false, even from the app origin', () => {
    const session = new FakeSession();
    denyAllPermissions(session.asSession());
    for (const permission of permissions) {
      expect(session.checkHandler?.(null, permission, 'app://tokentray', {}), permission).toBe(false);
    }
    expect(session.deviceHandler?.({ deviceType: 'usb', origin: 'app://tokentray' })).toBe(false);
  });

  it('refuses downloads', () => {
    const session = new FakeSession();
    denyAllPermissions(session.asSession());
    const event = fakeEvent({});
    session.emit('will-download', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });
});
