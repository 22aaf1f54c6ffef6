/**
 * The `tokentray` CLI entry, bundled to dist/cli/tokentray.cjs: Node builtins, the token command
 * and the socket client only (start.ts). The rest of the CLI is dist/cli/commands.cjs beside it,
 * loaded when needed; test/unit/cli-bundle.test.ts keeps the two apart.
 */
import { start, type WholeCli } from './start.js';

// The bundler leaves this require alone (scripts/build.mjs marks it external); require, not
// import(), so a CommonJS file is loaded without the ES module loader.
start(process.argv.slice(2), async () => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./commands.cjs') as WholeCli;
  } catch (error) {
    // A copy of tokentray.cjs without the file beside it: say so rather than "Cannot find module".
    throw new Error(
      `the rest of the CLI, commands.cjs beside ${__filename}, could not be loaded (reinstall): ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  }
});
