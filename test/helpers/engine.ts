/** Test set-up for the engine: a temp data dir, a real cipher, and a manual clock. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type EngineOptions } from '../../main/engine/index.js';
import { openWithKey, sealWithKey } from '../../main/engine/passphrase-cipher.js';
import type { Cipher, Clock, Engine } from '../../main/engine/types.js';

/** A real AES-256-GCM cipher with a random key and no key derivation (fast; for tests). */
export function testCipher(id = 'test-cipher'): Cipher {
  const key = randomBytes(32);
  return {
    id,
    authenticated: true,
    encrypt: async (plain) => sealWithKey(key, plain),
    decrypt: async (data) => openWithKey(key, data),
  };
}

/** A clock the test moves by hand; `at` callbacks fire only from `advance`/`set`. */
export class ManualClock implements Clock {
  private timers: { at: number; run: () => void; id: number }[] = [];
  private nextId = 1;
  /** How many timer callbacks fired (wake-ups). */
  wakeups = 0;
  constructor(public current = Date.parse('2026-11-24T09:00:00Z')) {}
  now = () => this.current;
  at = (ms: number, run: () => void) => {
    const id = this.nextId++;
    this.timers.push({ at: ms, run, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  };
  /** Moves time forward, firing every due callback in order (bounded). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      this.wakeups++;
      next.run();
      await settle();
    }
    this.current = target;
  }
  /** Jumps the wall clock without firing anything (a suspend). */
  jump(ms: number): void {
    this.current += ms;
  }
  pending(): number {
    return this.timers.length;
  }
}

/** Lets promise chains and loopback I/O run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface EngineFixture {
  engine: Engine;
  dataDir: string;
  cipher: Cipher;
  restart(overrides?: Partial<EngineOptions>): Promise<Engine>;
  cleanup(): Promise<void>;
}

/** Starts an engine on a fresh temp dir; `cleanup` stops it and removes the dir. */
export async function startEngine(overrides: Partial<EngineOptions> = {}): Promise<EngineFixture> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'tokentray-test-')));
  const cipher = overrides.cipher ?? testCipher();
  let engine = createEngine({ dataDir, cipher, ...overrides });
  await engine.start();
  const fixture: EngineFixture = {
    engine,
    dataDir,
    cipher,
    async restart(more = {}) {
      await engine.stop();
      engine = createEngine({ dataDir, cipher, ...overrides, ...more });
      await engine.start();
      fixture.engine = engine;
      return engine;
    },
    async cleanup() {
      await engine.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Waits until `check` is true, polling every 10 ms, for at most `ms`. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
