/** What every flow gets and gives back. */
import type { ExpirySource } from '../expiry.js';
import type { GuardedFetch } from '../http.js';

export interface ObtainedToken {
  accessToken: string;
  tokenType: string;
  /** A new refresh token, or null when the answer had none (the old one is then kept). */
  refreshToken: string | null;
  scope: string | null;
  expiresAt: number | null;
  expirySource: ExpirySource | null;
  obtainedAt: number;
  /** Which grant produced it: shown in the activity log. */
  grant: string;
  /** The lifetime the server stated, in seconds, when it was over a year and clamped to one. */
  clampedFromSeconds?: number;
}

/** Reads one secret field on demand (decrypted at the moment of use). */
export type SecretReader = (
  field: 'password' | 'clientSecret' | 'refreshToken' | 'token',
) => Promise<string | undefined>;

export interface FlowContext {
  fetch: GuardedFetch;
  now: () => number;
  /** Authorization server metadata by issuer, cached for the engine's life (RFC 8414 issuer checked). */
  discoveryCache: Map<string, Promise<import('oauth4webapi').AuthorizationServer>>;
}

export interface FlowInput {
  settings: Record<string, unknown>;
  secret: SecretReader;
  /** The refresh token kept from the last answer, if any (takes precedence over a configured one). */
  refreshToken: string | null;
}

/** How a preset gets its tokens; the engine's renewal (single flight, rotation, fallback) is the same for all. */
export interface Flow {
  /** False for `static`: nothing to renew. */
  renewable: boolean;
  /** Uses the refresh token when there is one; otherwise (or when it is refused) the primary grant. */
  obtain(ctx: FlowContext, input: FlowInput): Promise<ObtainedToken>;
}
