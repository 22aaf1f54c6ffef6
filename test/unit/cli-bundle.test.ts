/**
 * The CLI must start fast: its bundle may hold only its own files, the builtin-only agent
 * helpers it shares (socket location, pipe handshake, body limits) and Node builtins: no engine, OAuth or store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the CLI bundle', () => {
  it('contains only main/cli, the socket helpers and node: builtins', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ttbundle-'));
    try {
      // The same options as scripts/build.mjs uses for the `cli` target.
      const result = await build({
        absWorkingDir: ROOT,
        entryPoints: ['main/cli/index.ts'],
        outfile: join(out, 'tokentray.cjs'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['./agent.mjs'],
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile.inputs).sort();
      expect(inputs.filter((file) => !file.startsWith('main/cli/'))).toEqual([
        'main/agent/limits.ts',
        'main/agent/pipe-auth.ts',
        'main/agent/socket-path.ts',
      ]);
      const output = Object.values(result.metafile.outputs)[0];
      const imports = (output?.imports ?? []).map((i) => i.path);
      // The agent is imported through a variable at run time, so no static import at all.
      expect(imports.filter((path) => !path.startsWith('node:'))).toEqual([]);
      expect(output?.bytes ?? Infinity).toBeLessThan(64 * 1024);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
