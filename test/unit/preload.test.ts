import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { pushChannels, pushSubscriberNames, requestChannels } from '../../preload/contract.js';
import { FakeContextBridge, FakeIpcRenderer } from '../fakes/electron-fake.js';

/**
 * The preload is bundled as the build does (one CommonJS file, only `electron` external) and run
 * the way a sandboxed preload runs: a function given a `require` that offers only `electron`.
 */
let bundle: string;
beforeAll(async () => {
  const result = await build({
    entryPoints: ['preload/index.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]?.text ?? '';
});

function runPreload() {
  const contextBridge = new FakeContextBridge();
  const ipcRenderer = new FakeIpcRenderer();
  const required: string[] = [];
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', bundle)(sandboxRequire, module, module.exports);
  const api = contextBridge.exposed.get('tokentray') as Record<string, (...args: unknown[]) => unknown>;
  return { contextBridge, ipcRenderer, required, api };
}

describe('preload', () => {
  it('requires nothing but electron', () => {
    expect(runPreload().required).toEqual(['electron']);
  });

  it('exposes exactly window.tokentray with the contract keys, all functions, frozen', () => {
    const { contextBridge, api } = runPreload();
    expect([...contextBridge.exposed.keys()]).toEqual(['tokentray']);
    const expected = [...Object.keys(requestChannels), ...Object.values(pushSubscriberNames)].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    for (const key of expected) expect(typeof api[key], key).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect(api).not.toHaveProperty('ipcRenderer');
    expect(api).not.toHaveProperty('invoke');
  });

  it('turns each request into an invoke on its contract channel with the arguments as given', async () => {
    const { ipcRenderer, api } = runPreload();
    await api.copyToken?.('acme', 'curl');
    await api.listAccounts?.();
    expect(ipcRenderer.invoked).toEqual([
      { channel: requestChannels.copyToken, args: ['acme', 'curl'] },
      { channel: requestChannels.listAccounts, args: [] },
    ]);
  });

  it('hands push listeners the payload only, never the IPC event', () => {
    const { ipcRenderer, api } = runPreload();
    const received: unknown[][] = [];
    const unsubscribe = api.onFocusAccount?.((...args: unknown[]) => received.push(args)) as () => void;
    ipcRenderer.pushFromMain(pushChannels.focusAccount, 'acme');
    expect(received).toEqual([['acme']]);
    unsubscribe();
    expect(ipcRenderer.listenerCount(pushChannels.focusAccount)).toBe(0);
    ipcRenderer.pushFromMain(pushChannels.focusAccount, 'beta');
    expect(received).toHaveLength(1);
  });

  it('carries the window’s pause, quit and settings channels', async () => {
    const { ipcRenderer, api } = runPreload();
    await api.setPaused?.(true);
    await api.quit?.();
    expect(ipcRenderer.invoked).toEqual([
      { channel: 'tokentray:setPaused', args: [true] },
      { channel: 'tokentray:quit', args: [] },
    ]);
    const paused: unknown[] = [];
    const settings: unknown[] = [];
    api.onPausedChanged?.((value: unknown) => paused.push(value));
    api.onSettingsChanged?.((value: unknown) => settings.push(value));
    ipcRenderer.pushFromMain('tokentray:pausedChanged', true);
    ipcRenderer.pushFromMain('tokentray:settingsChanged', { startAtLogin: true });
    expect(paused).toEqual([true]);
    expect(settings).toEqual([{ startAtLogin: true }]);
  });

  it('refuses a subscription without a listener function', () => {
    const { api } = runPreload();
    expect(() => api.onAccountsChanged?.('not a function')).toThrow(TypeError);
  });
});
