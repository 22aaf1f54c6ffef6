/**
 * The `app://tokentray` scheme: the account window's files from dist/renderer with a strict CSP,
 * through `protocol.handle` (no file://, no remote URLs). Path traversal is refused.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/** The account window's Content-Security-Policy (also a `<meta>` in renderer/index.html). */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Registers `app:` as a standard, secure scheme; must run before the app is ready. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

export type AppRequestTarget =
  { ok: true; file: string; contentType: string } | { ok: false; status: 400 | 403 | 404 };

/** Maps an `app://tokentray/...` URL to a file under `root`, or refuses it (other hosts, traversal, odd bytes). */
export function resolveAppRequest(url: string, root: string): AppRequestTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400 };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.hostname !== APP_HOST || parsed.port !== '') {
    return { ok: false, status: 403 };
  }
  const rawSegments = parsed.pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400 };
    }
    // An encoded separator, a dot segment or a NUL byte never names one of our files.
    if (segment === '.' || segment === '..' || /[/\\\0:]/.test(segment)) return { ok: false, status: 403 };
    segments.push(segment);
  }
  if (segments.length === 0) segments.push('index.html');
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  if (!file.startsWith(base + path.sep)) return { ok: false, status: 403 };
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (contentType === undefined) return { ok: false, status: 404 };
  return { ok: true, file, contentType };
}

/** The headers every response of the app scheme carries. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': APP_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export type ReadFileFn = (file: string) => Promise<Uint8Array>;

/** The protocol handler: GET/HEAD of files under `root`, everything else refused. */
export function createAppRequestHandler(
  root: string,
  read: ReadFileFn = readFile,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: appResponseHeaders('text/plain; charset=utf-8') });
    }
    const target = resolveAppRequest(request.url, root);
    if (!target.ok)
      return new Response(null, {
        status: target.status,
        headers: appResponseHeaders('text/plain; charset=utf-8'),
      });
    let body: Uint8Array;
    try {
      body = await read(target.file);
    } catch {
      return new Response(null, { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
    }
    const payload = request.method === 'HEAD' ? null : new Blob([body as Uint8Array<ArrayBuffer>]);
    return new Response(payload, { status: 200, headers: appResponseHeaders(target.contentType) });
  };
}

/** Serves the account window from `root` on the app scheme; call once the app is ready. */
export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, root: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(root));
}
