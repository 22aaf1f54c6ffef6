/**
 * OAuth 2.0 requests through oauth4webapi: discovery (with RFC 8414 issuer equality), client
 * authentication, client_credentials, password (a generic grant) and refresh_token. Every HTTP call
 * goes through the engine's guarded fetch.
 */
import * as oauth from 'oauth4webapi';
import { TokenError } from '../errors.js';
import { expiryFromResponse } from '../expiry.js';
import { assertSecureUrl } from '../http.js';
import { isLoopbackHost } from '../url-policy.js';
import { describeIssuerRule, issuerToExpect, type IssuerRule } from './issuer.js';
import type { FlowContext, ObtainedToken } from './types.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | 'raw_basic';

function requestOptions(ctx: FlowContext, url: string) {
  const parsed = new URL(url);
  return {
    [oauth.customFetch]: ctx.fetch as unknown as typeof fetch,
    // Plain http is allowed only to loopback hosts; the guarded fetch enforces the same rule.
    [oauth.allowInsecureRequests]: parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname),
  };
}

/**
 * Authorization server metadata for an issuer, discovered once per engine and issuer. The document
 * must name that issuer (RFC 8414 §3.3) unless `rule` says which other one it names (issuer.ts).
 */
export function discover(
  ctx: FlowContext,
  issuer: string,
  rule: IssuerRule = { kind: 'exact' },
): Promise<oauth.AuthorizationServer> {
  const key = rule.kind === 'exact' ? issuer : `${issuer} (${rule.kind})`;
  const cached = ctx.discoveryCache.get(key);
  if (cached) return cached;
  const pending = (async () => {
    assertSecureUrl(issuer, 'issuer');
    const issuerUrl = new URL(issuer);
    const response = await oauth.discoveryRequest(issuerUrl, {
      algorithm: 'oidc',
      ...requestOptions(ctx, issuer),
    });
    const named = rule.kind === 'exact' ? undefined : await namedIssuer(response);
    const expected = issuerToExpect(rule, issuer, named);
    if (!expected) {
      throw new TokenError(
        'discovery',
        `discovery at ${issuer} failed: the document names the issuer ${JSON.stringify(named)}, not ${describeIssuerRule(rule, issuer)}`,
        'config',
      );
    }
    try {
      return await oauth.processDiscoveryResponse(new URL(expected.expected), response);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new TokenError('discovery', `discovery at ${issuer} failed: ${detail}`, 'config');
    }
  })();
  ctx.discoveryCache.set(key, pending);
  // A failed discovery is not cached: the next attempt asks again.
  pending.catch(() => ctx.discoveryCache.delete(key));
  return pending;
}

/** The `issuer` a discovery answer names, read from a copy (oauth4webapi reads the original). */
async function namedIssuer(response: Response): Promise<unknown> {
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null ? (body as { issuer?: unknown }).issuer : undefined;
  } catch {
    return undefined;
  }
}

/** Metadata for a fixed token endpoint (no discovery). */
export function staticServer(tokenUrl: string): oauth.AuthorizationServer {
  assertSecureUrl(tokenUrl);
  return { issuer: new URL(tokenUrl).origin, token_endpoint: tokenUrl };
}

/** The client authentication a flow asks for. */
export function clientAuth(
  method: ClientAuthMethod,
  clientId: string,
  clientSecret: string | undefined,
): oauth.ClientAuth {
  switch (method) {
    case 'none':
      return oauth.None();
    case 'client_secret_post':
      return oauth.ClientSecretPost(clientSecret ?? '');
    case 'client_secret_basic':
      // RFC 6749 §2.3.1: both parts form-encoded, then base64.
      return oauth.ClientSecretBasic(clientSecret ?? '');
    case 'raw_basic':
      // Acronis's own sample: base64(clientId:clientSecret) with no form-encoding.
      return (_as, _client, _body, headers) => {
        headers.set(
          'authorization',
          `Basic ${Buffer.from(`${clientId}:${clientSecret ?? ''}`, 'utf8').toString('base64')}`,
        );
      };
  }
}

export interface GrantRequest {
  server: oauth.AuthorizationServer;
  clientId: string;
  auth: oauth.ClientAuth;
  grant: 'client_credentials' | 'password' | 'refresh_token';
  parameters: Record<string, string>;
  /** For refresh_token: the token to present. */
  refreshToken?: string;
}

function toObtained(
  ctx: FlowContext,
  response: oauth.TokenEndpointResponse,
  date: string | null,
  grant: string,
  defaultLifetimeSeconds?: number,
): ObtainedToken {
  const obtainedAt = ctx.now();
  const expiry = expiryFromResponse(response as Record<string, unknown>, obtainedAt, {
    dateHeader: date,
    defaultLifetimeSeconds,
  });
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    refreshToken:
      typeof response.refresh_token === 'string' && response.refresh_token ? response.refresh_token : null,
    scope: typeof response.scope === 'string' ? response.scope : null,
    expiresAt: expiry.expiresAt,
    expirySource: expiry.source,
    obtainedAt,
    grant,
    ...(expiry.clampedFromSeconds === undefined ? {} : { clampedFromSeconds: expiry.clampedFromSeconds }),
  };
}

/** Sends one token request and returns the token, or throws a TokenError. */
export async function tokenRequest(ctx: FlowContext, request: GrantRequest): Promise<ObtainedToken> {
  const { server, clientId, auth, grant, parameters } = request;
  if (!server.token_endpoint)
    throw new TokenError('discovery', `${server.issuer} lists no token_endpoint`, 'config');
  assertSecureUrl(server.token_endpoint);
  const client: oauth.Client = { client_id: clientId };
  const options = requestOptions(ctx, server.token_endpoint);
  let response: Response;
  if (grant === 'client_credentials') {
    response = await oauth.clientCredentialsGrantRequest(server, client, auth, parameters, options);
  } else if (grant === 'refresh_token') {
    response = await oauth.refreshTokenGrantRequest(server, client, auth, request.refreshToken ?? '', {
      ...options,
      additionalParameters: parameters,
    });
  } else {
    response = await oauth.genericTokenEndpointRequest(server, client, auth, grant, parameters, options);
  }
  const date = response.headers.get('date');
  try {
    const body =
      grant === 'client_credentials'
        ? await oauth.processClientCredentialsResponse(server, client, response)
        : grant === 'refresh_token'
          ? await oauth.processRefreshTokenResponse(server, client, response)
          : await oauth.processGenericTokenEndpointResponse(server, client, response);
    return toObtained(ctx, body, date, grant);
  } catch (error) {
    if (error instanceof TokenError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new TokenError(
      'invalid_response',
      `the token server's answer is not a usable token response: ${detail}`,
      'config',
    );
  }
}
