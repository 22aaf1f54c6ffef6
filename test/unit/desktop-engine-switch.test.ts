import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSwitchableEngine } from '../../main/desktop/engine-switch.js';
import { openSafeStorage } from '../../main/desktop/safe-storage-cipher.js';
import { createEngine } from '../../main/engine/index.js';
import type { Engine, EngineEvent } from '../../main/engine/types.js';
import { testCipher } from '../helpers/engine.js';
import { FakeSafeStorage } from '../fakes/electron-fake.js';

describe('accepting weak storage while running', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-switch-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('carries accounts and their in-memory secrets into an engine that persists them', async () => {
    const fake = new FakeSafeStorage();
    fake.backend = 'basic_text';
    fake.prefix = 'v10';
    const storage = await openSafeStorage({
      safeStorage: fake.asSafeStorage(),
      platform: 'linux',
      isReady: () => true,
      timeoutMs: 1000,
    });
    const make = (persistSecrets: boolean) =>
      createEngine({ dataDir: dir, cipher: storage.cipher, persistSecrets });
    const engine = createSwitchableEngine(make(false), () => undefined);
    const events: EngineEvent['type'][] = [];
    engine.on((event) => events.push(event.type));
    await engine.start();
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: 'memory-only-token-value' });
    engine.setPaused(true);
    const file = path.join(dir, 'accounts.json');
    expect(await readFile(file, 'utf8')).not.toContain('safeStorage:basic_text');

    events.length = 0;
    await engine.switchTo(make(true));
    expect(engine.paused).toBe(true);
    expect(engine.view('pasted')?.storedSecrets).toEqual(['token']);
    expect((await engine.token('pasted')).accessToken).toBe('memory-only-token-value');
    expect(await readFile(file, 'utf8')).toContain('safeStorage:basic_text');
    expect(events.length).toBeGreaterThan(0);
    await engine.stop();

    // A new session with the acceptance in place finds the secret on disk.
    const next = make(true);
    await next.start();
    expect((await next.token('pasted')).accessToken).toBe('memory-only-token-value');
    await next.stop();
  });

  /** Engines over `dir` whose running ones (started, not yet stopped) are counted. */
  function trackedEngines() {
    const running = new Set<string>();
    const make = (id: string): Engine => {
      const engine = createEngine({ dataDir: dir, cipher: testCipher('os:switch') });
      return new Proxy(engine, {
        get(target, key, receiver) {
          if (key === 'start') return async () => (await target.start(), running.add(id));
          if (key === 'stop') return async () => (await target.stop(), running.delete(id));
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    };
    return { running, make };
  }

  it('runs two switches asked for at once one after the other: one engine runs at the end', async () => {
    const { running, make } = trackedEngines();
    const engine = createSwitchableEngine(make('a'), () => undefined);
    await engine.start();
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: 'kept-across-switches' });
    await Promise.all([engine.switchTo(make('b')), engine.switchTo(make('c'))]);
    expect([...running]).toEqual(['c']);
    expect((await engine.token('pasted')).accessToken).toBe('kept-across-switches');
    await engine.stop();
    expect([...running]).toEqual([]);
  });

  it('a stop during a switch: the engine switched to is never started, and nothing runs after', async () => {
    const { running, make } = trackedEngines();
    const engine = createSwitchableEngine(make('a'), () => undefined);
    await engine.start();
    const switching = engine.switchTo(make('b'));
    const stopping = engine.stop();
    await Promise.all([switching, stopping]);
    expect([...running]).toEqual([]);
    await engine.switchTo(make('c')); // asked for after the stop: not done
    expect([...running]).toEqual([]);
  });

  it('keeps the engine before when the new one cannot start: its accounts are served again', async () => {
    const { running, make } = trackedEngines();
    const engine = createSwitchableEngine(make('a'), () => undefined);
    await engine.start();
    await engine.saveAccount({ name: 'pasted', preset: 'static', token: 'still-served' });
    const broken = new Proxy(make('b'), {
      get(target, key, receiver) {
        if (key === 'start') return async () => Promise.reject(new Error('the store could not be opened'));
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    await expect(engine.switchTo(broken)).rejects.toThrow('the store could not be opened');
    expect([...running]).toEqual(['a']);
    expect((await engine.token('pasted')).accessToken).toBe('still-served');
    await engine.stop();
  });
});
