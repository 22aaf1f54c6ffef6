import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The main bundle as scripts/build.mjs built it (npm test builds first), loaded under plain Node
 * with a named stand-in for `electron` (test/fakes/electron-module-fake.cjs): the composition root
 * takes the single-instance lock before anything else. Its whole start-up, under Electron's own
 * Node, is run by test/app/.
 */
const bundle = path.resolve('dist/main/index.cjs');

describe('the built main bundle', () => {
  it('requires nothing but electron and Node builtins: every dependency is bundled in', () => {
    const source = readFileSync(bundle, 'utf8');
    // esbuild emits each remaining import as require("name") at the top level of a module wrapper.
    const required = new Set([...source.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
    const outside = [...required].filter(
      (name) => name !== 'electron' && !name.startsWith('node:') && !builtinModules.includes(name),
    );
    // ajv's code generator keeps require("ajv/dist/runtime/…") inside strings of generated code.
    expect(outside.filter((name) => !name.startsWith('ajv'))).toEqual([]);
    expect(required.has('conf')).toBe(false);
    // A UMD package's inner requires go through its factory's own parameter (require2("./impl/…")
    // in the bundle), which esbuild cannot follow: any relative require left is a missing file.
    const relative = [...source.matchAll(/\brequire\d*\("(\.{1,2}\/[^"]+)"\)/g)].map((m) => m[1]);
    expect(relative).toEqual([]);
  });
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
