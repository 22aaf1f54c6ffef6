/** Shared plumbing for loopback peers: listening, request log, fault injection, clean shutdown. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyFault, FaultQueue } from './faults.js';

/** One token request as the peer received it. */
export interface PeerRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The raw body, exactly as sent. */
  body: string;
  /** The body parsed as application/x-www-form-urlencoded, when it was sent as such. */
  form?: Record<string, string>;
  /** The body parsed as JSON, when it was sent as such and parses. */
  json?: unknown;
  /** Date.now() when the request was complete. */
  time: number;
}

export interface PeerHandle {
  /** e.g. http://127.0.0.1:43123 (no trailing slash). */
  url: string;
  /** Every token request received, faulted ones included. */
  requests: PeerRequest[];
  /** Closes the server and every open socket (hung requests included). Idempotent. */
  close(): Promise<void>;
  faults: FaultQueue;
}

export interface HttpPeerOptions {
  /** Which requests count as token requests (logged and subject to faults). */
  isTokenRequest(method: string, path: string): boolean;
  /** Serves one request; `logged` is its log entry (the body is already read). */
  handle(req: IncomingMessage, res: ServerResponse, logged: PeerRequest): void | Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** Starts an HTTP server on 127.0.0.1, port 0, with logging and fault injection for token requests. */
export async function startHttpPeer(opts: HttpPeerOptions): Promise<PeerHandle> {
  const requests: PeerRequest[] = [];
  const faults = new FaultQueue();

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { error: 'server_error', error_description: String(err) });
      } else {
        res.destroy();
      }
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const logged = await readRequest(req);
    if (opts.isTokenRequest(logged.method, logged.path)) {
      requests.push(logged);
      const fault = faults.take();
      if (fault && (await applyFault(fault, req, res))) return;
    }
    await opts.handle(req, res, logged);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return { url: `http://127.0.0.1:${port}`, requests, close, faults };
}

async function readRequest(req: IncomingMessage): Promise<PeerRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const contentType = headers['content-type'] ?? '';
  const logged: PeerRequest = {
    method: req.method ?? 'GET',
    path: new URL(req.url ?? '/', 'http://peer').pathname,
    headers,
    body,
    time: Date.now(),
  };
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    logged.form = Object.fromEntries(new URLSearchParams(body));
  } else if (contentType.startsWith('application/json')) {
    try {
      logged.json = JSON.parse(body) as unknown;
    } catch {
      // left undefined: the peer answers a malformed body itself
    }
  }
  return logged;
}

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}

/** Decodes an `Authorization: Basic` header to its raw (not form-decoded) text, or undefined. */
export function decodeBasic(header: string | undefined): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/=_-]+) *$/i.exec(header ?? '');
  return match?.[1] === undefined ? undefined : Buffer.from(match[1], 'base64').toString('utf8');
}

/** RFC 6749 §2.3: a client must not use more than one authentication method in one request. */
export function twoClientAuthMethods(logged: PeerRequest): boolean {
  return logged.headers.authorization !== undefined && logged.form?.client_secret !== undefined;
}
