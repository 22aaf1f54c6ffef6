/**
 * The CLI must start fast. Its entry (dist/cli/tokentray.cjs) holds only what `tokentray token
 * NAME` runs: the quick argument reader, the token command, the socket client and its checks, and
 * Node builtins; the rest of the CLI (commands.cjs) is required only when needed. Neither holds
 * engine, OAuth or store code: the agent is imported at run time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'ttbundle-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The same options as scripts/build.mjs uses for its two `cli` targets. */
async function bundle(
  entry: string,
  external: string,
): Promise<{ inputs: string[]; imports: string[]; bytes: number }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: join(out, `${entry.replaceAll('/', '_')}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: [external],
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0] as Metafile['outputs'][string];
  return {
    inputs: Object.keys(result.metafile.inputs).sort(),
    imports: output.imports.map((i) => i.path),
    bytes: output.bytes,
  };
}

describe('the CLI bundles', () => {
  it('the entry holds only what a token call runs', async () => {
    const { inputs, imports, bytes } = await bundle('main/cli/index.ts', './commands.cjs');
    expect(inputs).toEqual([
      'main/agent/pipe-auth.ts',
      'main/agent/socket-location.ts',
      'main/cli/args-quick.ts',
      'main/cli/client.ts',
      'main/cli/exit-codes.ts',
      'main/cli/index.ts',
      'main/cli/socket-trust.ts',
      'main/cli/start.ts',
      'main/cli/stdio.ts',
      'main/cli/token-command.ts',
    ]);
    expect(imports.filter((path) => !path.startsWith('node:'))).toEqual(['./commands.cjs']);
    expect(bytes).toBeLessThan(24 * 1024);
  });

  it('the rest of the CLI holds only main/cli, the socket helpers and node: builtins', async () => {
    const { inputs, imports, bytes } = await bundle('main/cli/main.ts', './agent.mjs');
    expect(inputs.filter((file) => !file.startsWith('main/cli/'))).toEqual([
      'main/agent/limits.ts',
      'main/agent/look-alikes.ts',
      'main/agent/pipe-auth.ts',
      'main/agent/socket-location.ts',
    ]);
    // The agent is imported through a variable at run time, so no static import at all.
    expect(imports.filter((path) => !path.startsWith('node:'))).toEqual([]);
    expect(bytes).toBeLessThan(64 * 1024);
  });
});
