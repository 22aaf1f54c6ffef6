import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, openSettingsStore, settingsFrom } from '../../main/desktop/settings.js';

describe('settings store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-settings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from the defaults: clear after 45 s, warn 10 min ahead, no start at login, no weak storage', () => {
    expect(openSettingsStore(dir).get()).toEqual({
      clipboardClearSeconds: 45,
      defaultNotifyBeforeSeconds: 600,
      startAtLogin: false,
      persistWeakSecrets: false,
    });
  });

  it('saves a patch atomically as an owner-only file and reads it back', async () => {
    const store = openSettingsStore(dir);
    store.set({ clipboardClearSeconds: 0, startAtLogin: true });
    const file = path.join(dir, 'settings.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      ...DEFAULT_SETTINGS,
      clipboardClearSeconds: 0,
      startAtLogin: true,
    });
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(openSettingsStore(dir).get().startAtLogin).toBe(true);
  });

  it('rejects an invalid patch without saving or telling listeners', () => {
    const store = openSettingsStore(dir);
    const changes: unknown[] = [];
    store.onChange((next) => changes.push(next));
    expect(() => store.set({ clipboardClearSeconds: 1.5 })).toThrow();
    expect(() => store.set({ unknownKey: true } as never)).toThrow();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(changes).toEqual([]);
  });

  it('tells listeners the new and previous settings', () => {
    const store = openSettingsStore(dir);
    const changes: [boolean, boolean][] = [];
    store.onChange((next, previous) => changes.push([previous.persistWeakSecrets, next.persistWeakSecrets]));
    store.set({ persistWeakSecrets: true });
    expect(changes).toEqual([[false, true]]);
  });

  it('keeps each valid field of a damaged file and defaults the rest', async () => {
    expect(
      settingsFrom({ clipboardClearSeconds: 10, startAtLogin: 'yes', defaultNotifyBeforeSeconds: -5 }),
    ).toEqual({
      ...DEFAULT_SETTINGS,
      clipboardClearSeconds: 10,
    });
    await writeFile(path.join(dir, 'settings.json'), '{not json');
    expect(openSettingsStore(dir).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('remembers the window bounds and ignores nonsense', async () => {
    const store = openSettingsStore(dir);
    expect(store.loadBounds()).toBeNull();
    store.saveBounds({ x: 5, y: 6, width: 700, height: 500 });
    expect(openSettingsStore(dir).loadBounds()).toEqual({ x: 5, y: 6, width: 700, height: 500 });
    await writeFile(path.join(dir, 'window-state.json'), '{"width":"wide"}');
    expect(store.loadBounds()).toBeNull();
  });
});
