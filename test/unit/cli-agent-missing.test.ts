/**
 * `tokentray agent` from a copy of the CLI that lacks the agent or a library it needs says so in a
 * line (main/cli/main.ts); this is how it tells that case from any other failure: Node's own
 * errors for a module that is not there, from import() and from require() alike.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isMissingModule } from '../../main/cli/main.js';

const require = createRequire(import.meta.url);

async function thrownBy(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

describe('isMissingModule', () => {
  it('is true for a file or package import() cannot find, and for one require() cannot find', async () => {
    const specifier = './no-such-agent.mjs';
    expect(isMissingModule(await thrownBy(() => import(specifier)))).toBe(true);
    const bare = 'tokentray-no-such-package';
    expect(isMissingModule(await thrownBy(() => import(bare)))).toBe(true);
    expect(isMissingModule(await thrownBy(() => require(bare)))).toBe(true);
  });

  it('is false for anything else: a module that fails while it runs, a plain error, no error', async () => {
    const failing = 'data:text/javascript,throw new Error("boom")';
    expect(isMissingModule(await thrownBy(() => import(failing)))).toBe(false);
    expect(isMissingModule(new Error('Cannot find module x'))).toBe(false);
    expect(isMissingModule(null)).toBe(false);
    expect(isMissingModule(undefined)).toBe(false);
  });
});
