import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSwitchableEngine } from '../../main/desktop/engine-switch.js';
import { openSafeStorage } from '../../main/desktop/safe-storage-cipher.js';
import { createEngine } from '../../main/engine/index.js';
import type { EngineEvent } from '../../main/engine/types.js';
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
});
