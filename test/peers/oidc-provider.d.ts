// Minimal typings for the parts of oidc-provider (which ships none) that the test peers use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcClient {
    clientId: string;
  }

  export interface OidcContext {
    path: string;
    method: string;
    status: number;
    body: unknown;
    oidc: { params?: Record<string, unknown>; client?: OidcClient };
  }

  export interface IssuedToken {
    save(): Promise<string>;
    readonly expiration: number;
    readonly tokenType: string;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: (ctx: OidcContext, next: () => Promise<void>) => Promise<void>): this;
    registerGrantType(name: string, handler: (ctx: OidcContext) => Promise<void>, params?: string[]): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    AccessToken: new (init: {
      accountId: string;
      client: OidcClient;
      grantId: string;
      gty: string;
      scope?: string;
    }) => IssuedToken;
  }

  export const errors: {
    InvalidGrant: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
  };
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** The built-in memory adapter with a store of its own (the default one shares a global store). */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
