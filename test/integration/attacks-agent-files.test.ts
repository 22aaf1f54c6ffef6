/**
 * Attacks through the files a real `tokentray agent` child reads and writes (issue #12): a
 * passphrase file that others may read or write is refused before anything else happens.
 */
import { chmodSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeTempDirs, snapshotDir, spawnAgent, type TempDirs } from './cli-harness.js';

const posix = process.platform !== 'win32';
const cleanups: (() => Promise<unknown>)[] = [];

async function freshDirs(): Promise<TempDirs> {
  const dirs = await makeTempDirs();
  cleanups.push(() => dirs.cleanup());
  return dirs;
}

/** Runs the agent on `dirs` and expects it to refuse to start (bounded by the harness). */
async function refusedStart(dirs: TempDirs): Promise<string> {
  const agent = spawnAgent(dirs);
  cleanups.push(() => agent.stop('SIGKILL').catch(() => undefined));
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`the agent kept running: ${agent.stderr()}`)), 20_000).unref(),
  );
  const { code } = await Promise.race([agent.exited, timeout]);
  expect(code, agent.stderr()).toBe(1);
  return agent.stderr();
}

beforeAll(async () => {
  await ensureBuilt();
}, 90_000);

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe.skipIf(!posix)('the passphrase file', () => {
  it.each(['0644', '0640', '0620', '0604'])(
    'mode %s is refused: the agent exits 1 naming the mode and the chmod, and touches nothing',
    async (octal) => {
      const dirs = await freshDirs();
      chmodSync(dirs.passFile, Number.parseInt(octal, 8));
      const log = await refusedStart(dirs);
      expect(log).toContain(`refusing the passphrase file ${dirs.passFile}: its mode is ${octal}`);
      expect(log).toContain(`chmod 600 ${dirs.passFile}`);
      expect(log).not.toContain(dirs.passphrase);
      expect(snapshotDir(dirs.dataDir)).toEqual({});
    },
  );
});
