import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Pushes, RequestName, Requests, RevealResult } from '../../preload/contract.js';

/**
 * Type-level: no result crossing to the renderer has a field named like a secret, except the
 * token the user explicitly asks to reveal. `npx tsc --noEmit` fails this file if one appears.
 */
type SecretKey = 'accessToken' | 'refreshToken' | 'clientSecret' | 'password' | 'token' | 'secret';

/** Every property name anywhere inside T (through arrays, unions and nested objects). */
type DeepKeys<T> = T extends readonly (infer U)[]
  ? DeepKeys<U>
  : T extends object
    ? { [K in keyof T & string]: K | DeepKeys<T[K]> }[keyof T & string]
    : never;

type LeakedIn<T> = Extract<DeepKeys<T>, SecretKey>;
type RequestLeaks = { [K in Exclude<RequestName, 'revealToken'>]: LeakedIn<Requests[K]['result']> }[Exclude<
  RequestName,
  'revealToken'
>];
type PushLeaks = { [K in keyof Pushes]: LeakedIn<Pushes[K]> }[keyof Pushes];

describe('IPC contract secrecy (type-level)', () => {
  it('no request result carries a secret field, except revealToken', () => {
    expectTypeOf<RequestLeaks>().toEqualTypeOf<never>();
    expect(true).toBe(true);
  });

  it('no push carries a secret field', () => {
    expectTypeOf<PushLeaks>().toEqualTypeOf<never>();
    expect(true).toBe(true);
  });

  it('revealToken is the one that does, and only the access token', () => {
    expectTypeOf<LeakedIn<RevealResult>>().toEqualTypeOf<'accessToken'>();
    expect(true).toBe(true);
  });

  it('the check itself sees a secret field when there is one', () => {
    expectTypeOf<
      LeakedIn<{ ok: true; nested: { list: { clientSecret: string }[] } }>
    >().toEqualTypeOf<'clientSecret'>();
    expect(true).toBe(true);
  });
});
