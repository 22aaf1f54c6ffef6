/** `tokentray --version` names the version package.json gives (main/cli/version.ts keeps a copy). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOKENTRAY_CLI_VERSION } from '../../main/cli/version.js';
import { main } from '../../main/cli/main.js';

describe('tokentray --version', () => {
  it("is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(TOKENTRAY_CLI_VERSION).toBe(pkg.version);
  });

  it('prints it with the Node it runs on, exit 0; with another argument it is a usage error', async () => {
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
    expect(await main(['--version'], io)).toBe(0);
    expect(out).toBe(`tokentray ${TOKENTRAY_CLI_VERSION} (Node ${process.versions.node})\n`);
    expect(await main(['--version', 'extra'], io)).toBe(2);
    expect(err).toMatch(/--version takes no arguments/);
  });
});
