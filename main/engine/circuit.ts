/**
 * A circuit breaker per token endpoint (SECURITY-CHECKLIST C6). An MSP with 500 tenants on one
 * Acronis data center must not send 500 retries to it while it is down: after a few failures in a
 * row from any account, scheduled requests to that endpoint fail at once, without touching the
 * network, until a cool-down has passed; then one request probes it, and its answer closes the
 * circuit or opens it again for longer. A request a person asked for (Renew now, Test connection)
 * always goes out, and its outcome counts like any other.
 */
import { TokenError } from './errors.js';
import type { GuardedFetch } from './http.js';

/** Consecutive transient failures of one endpoint that open its circuit. */
export const OPEN_AFTER_FAILURES = 5;
export const COOLDOWN_BASE_MS = 30_000;
export const COOLDOWN_CAP_MS = 5 * 60_000;
/** A Retry-After beyond this is not honoured as a cool-down (a misconfigured server). */
const RETRY_AFTER_CAP_MS = 60 * 60_000;

interface EndpointHealth {
  failures: number;
  /** How many times in a row the circuit opened; the cool-down doubles with each. */
  opens: number;
  openUntil: number | null;
  probing: boolean;
  lastError: TokenError | null;
}

export interface CircuitBreakers {
  /** `fetch` that fails fast while the endpoint's circuit is open (`enforce`) or only observes. */
  wrap(fetch: GuardedFetch, mode: 'enforce' | 'observe'): GuardedFetch;
  /** Forgets every endpoint's failures: the network changed (resume, unlock, back online). */
  reset(): void;
}

/** The endpoint a request goes to: scheme, host and path, no query. */
export function endpointOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Creates the breakers of one engine. `now` is the engine's wall clock. */
export function createCircuitBreakers(now: () => number): CircuitBreakers {
  const endpoints = new Map<string, EndpointHealth>();

  const healthOf = (endpoint: string): EndpointHealth => {
    let health = endpoints.get(endpoint);
    if (!health) {
      health = { failures: 0, opens: 0, openUntil: null, probing: false, lastError: null };
      endpoints.set(endpoint, health);
    }
    return health;
  };

  /** Throws when a scheduled request must not go out now; marks the probe when one may. */
  function admit(endpoint: string, host: string): void {
    const health = endpoints.get(endpoint);
    if (!health || health.openUntil === null) return;
    const at = now();
    if (at >= health.openUntil && !health.probing) {
      health.probing = true;
      return;
    }
    const until = Math.max(health.openUntil, at + 1000);
    // Only the last failure's code and status: its message came from another account's attempt
    // and was redacted of that account's secrets only, so it must not travel to this one.
    const last = health.lastError;
    const lastText = last
      ? ` (last: ${last.code}${last.status === null ? '' : `, HTTP ${last.status}`})`
      : '';
    throw new TokenError(
      'circuit_open',
      `${host} failed ${health.failures} times in a row${lastText}; Tokentray asks it again after ${clock(until)} UTC`,
      'transient',
      { retryAfterMs: until - at },
    );
  }

  function failed(endpoint: string, error: TokenError): void {
    const health = healthOf(endpoint);
    const at = now();
    health.failures++;
    health.probing = false;
    health.lastError = error;
    // Failures while open (requests already under way, or sent in person) do not lengthen it.
    const opening =
      health.openUntil === null ? health.failures >= OPEN_AFTER_FAILURES : at >= health.openUntil;
    if (!opening) return;
    health.opens++;
    const cooldown = Math.min(COOLDOWN_CAP_MS, COOLDOWN_BASE_MS * 2 ** Math.min(health.opens - 1, 10));
    const asked = Math.min(error.retryAfterMs ?? 0, RETRY_AFTER_CAP_MS);
    health.openUntil = at + Math.max(cooldown, asked);
  }

  /** The endpoint answered (a token, or an answer only the user can act on): it is up. */
  function answered(endpoint: string): void {
    endpoints.delete(endpoint);
  }

  return {
    wrap(fetch, mode) {
      return async (url, init) => {
        const endpoint = endpointOf(url);
        if (mode === 'enforce') admit(endpoint, new URL(url).host);
        try {
          const response = await fetch(url, init);
          answered(endpoint);
          return response;
        } catch (error) {
          const cancelled = error instanceof TokenError && error.code === 'stopped';
          if (error instanceof TokenError && error.kind === 'transient' && !cancelled)
            failed(endpoint, error);
          else if (error instanceof TokenError && error.status !== null) answered(endpoint);
          else {
            // Refused before sending (an insecure URL), or cancelled by a stop: says nothing about the endpoint.
            const health = endpoints.get(endpoint);
            if (health) health.probing = false;
          }
          throw error;
        }
      };
    },
    reset() {
      endpoints.clear();
    },
  };
}
