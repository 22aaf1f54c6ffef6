import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The main bundle, built as scripts/build.mjs builds it, loaded under plain Node with a named
 * stand-in for `electron` (test/fakes/electron-module-fake.cjs): every runtime dependency
 * resolves, and the composition root takes the single-instance lock before anything else.
 */
let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-main-bundle-'));
  bundle = path.join(dir, 'index.cjs');
  await build({
    entryPoints: ['main/index.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    packages: 'external',
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>, args: string[] = []): string[] {
  const out = execFileSync(
    process.execPath,
    ['-r', path.resolve('test/fakes/electron-module-fake.cjs'), bundle, ...args],
    {
      env: { ...process.env, NODE_PATH: path.resolve('node_modules'), ...env },
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { call: string }).call);
}

describe('main bundle', () => {
  it('quits at once when another instance holds the lock, touching nothing else', () => {
    expect(run({ FAKE_ELECTRON_LOCK: 'held' })).toEqual(['requestSingleInstanceLock', 'quit']);
  });

  it('as the first instance: profile override before the lock, then the app scheme, then waits for ready', () => {
    const calls = run({ FAKE_ELECTRON_LOCK: 'free' }, ['--user-data-dir=/tmp/tokentray-profile']);
    expect(calls[0]).toBe('setPath:userData=/tmp/tokentray-profile');
    expect(calls[1]).toBe('requestSingleInstanceLock');
    expect(calls).toContain('on:second-instance');
    expect(calls).toContain('on:window-all-closed');
    expect(calls).toContain(
      'registerSchemesAsPrivileged:[{"scheme":"app","privileges":{"standard":true,"secure":true}}]',
    );
    expect(calls).not.toContain('quit');
  });
});
