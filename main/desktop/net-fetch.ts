/**
 * The engine's fetch over Electron's network stack (`session.fetch`: the system proxy and the OS
 * certificate store, which corporate networks need), made safe for token requests: no cookies or
 * other credentials, no cache, no redirects unless asked, a timeout, and http(s) only (Electron's
 * fetch would otherwise also reach file: and custom protocols).
 */
import type { FetchLike } from '../engine/types.js';

/** `session.fetch`'s shape (it also takes Electron's non-standard `bypassCustomProtocolHandlers`). */
export type ElectronFetch = (
  input: string | Request,
  init?: RequestInit & { bypassCustomProtocolHandlers?: boolean },
) => Promise<Response>;

export class RefusedSchemeError extends Error {
  override readonly name = 'RefusedSchemeError';
}

/** Wraps Electron's fetch for token requests; `timeoutMs` bounds each request unless a signal is given too. */
export function tokenFetch(base: ElectronFetch, opts: { timeoutMs: number }): FetchLike {
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const scheme = new URL(url).protocol;
    if (scheme !== 'https:' && scheme !== 'http:')
      throw new RefusedSchemeError(`refused to fetch a ${scheme} URL`);
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return base(input instanceof URL ? input.toString() : input, {
      ...init,
      credentials: 'omit',
      cache: 'no-store',
      redirect: init.redirect ?? 'error',
      bypassCustomProtocolHandlers: true,
      signal,
    });
  };
}
