/**
 * The CLI finds `--data-dir DIR`'s socket without loading socket-path.ts (a start-up cost); it
 * must be the very path the agent listens on.
 */
import { describe, expect, it } from 'vitest';
import { clientSocketPath, dataDirSocketPath } from '../../main/agent/socket-path.js';
import { socketPathFor } from '../../main/cli/commands.js';

describe('socketPathFor', () => {
  it.each(['/d', '/d/', 'rel', 'rel/../x', '.', '..', './a b', '/tmp/ttc-x/d', '~/d', 'C:x'])(
    '--data-dir %j is where the agent listens',
    async (dir) => {
      expect(await socketPathFor(dir)).toBe(dataDirSocketPath(dir));
      expect(await socketPathFor(dir)).toBe(clientSocketPath(dir));
    },
  );

  it('without --data-dir it is the tray app socket (or $TOKENTRAY_SOCKET), as before', async () => {
    expect(await socketPathFor(undefined)).toBe(clientSocketPath(undefined));
  });
});
