/** `exec` with a token the OS cannot put in an environment: a clean "cannot run" (126), no internal error. */
import { describe, expect, it } from 'vitest';
import { runWithToken } from '../../main/cli/exec.js';

describe.skipIf(process.platform === 'win32')('tokentray exec', () => {
  it('exits 126 and says why when the token is longer than an environment may hold (E2BIG)', async () => {
    const lines: string[] = [];
    const token = 'x'.repeat(200_000); // over Linux's 128 KiB per string
    const code = await runWithToken(['true'], { TOKENTRAY_TOKEN: token }, (text) => void lines.push(text));
    expect(code).toBe(126);
    expect(lines.join('')).toMatch(/^tokentray: cannot run true: the token and the environment are longer/);
    expect(lines.join('')).not.toContain(token.slice(0, 100));
  });
});
