import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * SECURITY-CHECKLIST A8: the Electron major must be one that still gets security fixes. Electron
 * supports the latest three stable majors; update this list when a new major ships (and upgrade).
 */
const SUPPORTED_MAJORS = [43, 44, 45];

describe('the Electron version', () => {
  it('is a major that still receives security fixes', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const installed = JSON.parse(
      readFileSync(new URL('../../node_modules/electron/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const declaredMajor = Number(/\d+/.exec(pkg.devDependencies.electron ?? '')?.[0]);
    const installedMajor = Number(installed.version.split('.')[0]);
    expect(SUPPORTED_MAJORS).toContain(declaredMajor);
    expect(installedMajor).toBe(declaredMajor);
  });
});
