/**
 * The pasted-token flow refuses a token it could not hand on safely even when it comes from a
 * store written before the import check existed (the check at save time is in schema.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../main/engine/errors.js';
import { staticToken } from '../../main/engine/presets/static.js';
import type { FlowContext } from '../../main/engine/providers/types.js';

/** The flow never fetches: a context whose fetch fails the test if called. */
const context: FlowContext = {
  fetch: () => Promise.reject(new Error('the static flow must not fetch')),
  now: () => Date.parse('2026-12-07T12:00:00Z'),
  discoveryCache: new Map(),
};
const obtain = (token: string) =>
  staticToken.flow.obtain(context, {
    settings: { preset: 'static' },
    secret: async () => token,
    refreshToken: null,
  });

describe('the static flow', () => {
  it('refuses a stored token with a line break, never naming it', async () => {
    const error = await obtain('abc\r\nX-Injected: y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'invalid_token_value', kind: 'config' });
    expect((error as Error).message).not.toContain('Injected');
  });

  it('hands on a visible-ASCII token as it is', async () => {
    await expect(obtain('opaque+/=~token')).resolves.toMatchObject({ accessToken: 'opaque+/=~token' });
  });
});
