/**
 * Electron 45's Node (scripts/electron-node.mjs) is fetched for the tests that need it, and never
 * shadows the user's `node`: an npm dependency that ships a `node` bin would put Node 24 first on
 * the PATH of every npm script, so `npm test` would no longer test the Node users run the CLI on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ELECTRON_NODE_VERSION, electronNodePath } from '../../scripts/electron-node.mjs';
import { REPO_ROOT } from '../ui/browser.js';

describe("Electron's Node for the tests", () => {
  it('is no npm dependency, and no node sits in node_modules/.bin', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'])
      expect(
        Object.keys(pkg[field] ?? {}).filter((name) => /^node(-|$)/.test(name)),
        field,
      ).toEqual([]);
    expect(existsSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'node'))).toBe(false);
    expect(existsSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'node.exe'))).toBe(false);
  });

  it('is the version Electron 45 embeds, where it could be fetched', (context) => {
    const node = electronNodePath();
    if (!node.ok) return context.skip(node.reason);
    const version = execFileSync(node.path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
    expect(version).toBe(`v${ELECTRON_NODE_VERSION}`);
  });
});
