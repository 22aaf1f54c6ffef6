/**
 * routes.ts reads a request's query without `new URL` for plain paths (a per-request cost the
 * agent's profile showed); what it reads must be exactly what `new URL(target, 'http://localhost')`
 * reads, and a target that URL refuses must still be refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryOf } from '../../main/agent/routes.js';

function viaUrl(target: string): [string, string][] | null {
  try {
    return [...new URL(target, 'http://localhost').searchParams];
  } catch {
    return null;
  }
}

const read = (target: string) => {
  const params = queryOf(target);
  return params === null ? null : [...params];
};

describe('queryOf reads what new URL reads', () => {
  it.each([
    '/v1/accounts/acme/token',
    '/v1/accounts/acme/token?minValid=300',
    '/v1/accounts/acme/token?minValid=300&rejected=1',
    '/v1/accounts/acme/token?minValid=300&minValid=5',
    '/v1/accounts/acme/token?',
    '/v1/accounts/acme/token??minValid=1',
    '/v1/accounts/acme/token?a=1#b=2',
    '/v1/accounts/acme/token#?minValid=1',
    '/v1/accounts/acme/token?a=%20b+c&%zz=%E0%A4%A',
    '/v1/accounts/acme/token?q="<>\'`{}|^',
    '/v1/accounts/acme/token?q=\u00e9\u00ff',
    '/v1/accounts/%2e%2e/token?x',
    '/',
    '/?',
    '//evil.example/v1/accounts?x=1',
    '/\\evil.example/v1/accounts?x=1',
    '//[::1/v1',
    '//a b/',
    '/\t/evil?x=1',
    '/v1/accounts\n?x=1',
    ' /v1/accounts?x=1',
    'v1/accounts?x=1',
    '*',
    'http://localhost/v1/accounts?x=1',
    'http://[/',
  ])('%j', (target) => {
    expect(read(target)).toEqual(viaUrl(target));
  });

  it('for any target, path-like or not', () => {
    const target = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => `/${s}`),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${s}`),
      fc.string({
        unit: fc.constantFrom('/', '\\', '?', '#', '&', '=', '%', '+', 'a', '2', 'e', ' ', '\t', '[', ':'),
        maxLength: 30,
      }),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(target, (t) => {
        expect(read(t)).toEqual(viaUrl(t));
      }),
      { numRuns: 5_000 },
    );
  });
});
