/**
 * The loopback redirect listener of a browser sign-in (RFC 8252 §7.3 and §8.3).
 *
 *   const listener = await openLoopbackListener({ redirectUri, expectedState });
 *   // send listener.redirectUri as redirect_uri, open the browser…
 *   const callback = await listener.callback;   // the first answer carrying our state
 *   callback.respond(successPage());            // the tab shows it; the listener then closes
 *   await listener.close();
 *
 * It listens on 127.0.0.1 (or [::1]) only, on a port the system picks at sign-in unless
 * `redirectUri` names one. It is one-shot: the first request on the redirect path whose `state`
 * is ours is handed over and held open until `respond`; requests with another state (an older tab,
 * a forged redirect) are refused with a page saying so, counted, and the genuine one still works.
 * A Host header naming anything but the loopback address is refused (DNS rebinding). Pages carry
 * no script, load nothing, and are sent with no-store and no-referrer (the URL holds the code).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignInError } from './errors.js';

/** The redirect path when no redirectUri fixes one: register `http://127.0.0.1/callback` (any port). */
export const DEFAULT_REDIRECT_PATH = '/callback';

/** A page for the browser tab. */
export interface LoopbackPage {
  status: number;
  title: string;
  /** Plain text paragraphs (escaped here). */
  paragraphs: string[];
}

/** The genuine redirect, held open until answered. */
export interface LoopbackCallback {
  /** The query the server redirected with (code, state, iss, or error…). */
  params: URLSearchParams;
  /** Answers the browser tab; later calls do nothing. */
  respond(page: LoopbackPage): void;
}

export interface LoopbackListener {
  /** What to send as `redirect_uri`, e.g. http://127.0.0.1:53121/callback. */
  readonly redirectUri: string;
  readonly port: number;
  /** Resolves with the first request carrying our state; rejects if the listener fails. */
  readonly callback: Promise<LoopbackCallback>;
  /** How many redirects with another (or no) state were refused so far. */
  readonly refused: number;
  /** Answers a held callback if nobody did, then stops listening and drops every connection. */
  close(): Promise<void>;
}

export interface LoopbackOptions {
  /** A fixed redirect URI (http, loopback host); its port, when given, is the one listened on. */
  redirectUri?: string;
  /** The `state` sent with the authorization request. */
  expectedState: string;
  /** Called for each refused redirect (a wrong or missing state). */
  onRefused?: () => void;
}

interface RedirectTarget {
  /** Host as written in the URI (127.0.0.1, localhost, [::1]). */
  host: string;
  /** Addresses to listen on: the first is required, the others are tried. */
  addresses: string[];
  /** 0: choose at sign-in. */
  port: number;
  path: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Checks a redirectUri setting: http, a loopback host, no credentials, query or fragment. */
export function parseRedirectUri(value: string | undefined): RedirectTarget {
  if (value === undefined)
    return { host: '127.0.0.1', addresses: ['127.0.0.1'], port: 0, path: DEFAULT_REDIRECT_PATH };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SignInError(
      'bad_settings',
      `redirectUri ${value} is not an absolute URL; write it as http://127.0.0.1:PORT/path`,
    );
  }
  const problem =
    url.protocol !== 'http:'
      ? 'must be an http: URL (RFC 8252 §7.3 loopback redirect)'
      : !LOOPBACK_HOSTS.has(url.hostname)
        ? 'must name 127.0.0.1, [::1] or localhost'
        : url.username || url.password
          ? 'must not hold a user name or password'
          : url.search || url.hash || /[?#]/.test(value)
            ? 'must not have a query or a fragment'
            : null;
  if (problem)
    throw new SignInError('bad_settings', `redirectUri ${value} ${problem}; correct it in the settings`);
  const addresses =
    url.hostname === '[::1]' ? ['::1'] : url.hostname === 'localhost' ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
  // The URL parser drops a default port (":80"); a server matching redirect URIs exactly needs it kept.
  const written = /^http:\/\/(?:\[[^\]]*\]|[^/:?#@]+):(\d+)(?=[/?#]|$)/i.exec(value.trim());
  const port = url.port ? Number(url.port) : written ? Number(written[1]) : 0;
  return { host: url.hostname, addresses, port, path: url.pathname || '/' };
}

function listen(server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, host: address, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;' +
  'background:#f6f7f9;color:#1c1e21}main{max-width:32rem;padding:2rem}h1{font-size:1.4rem;margin:0 0 .5rem}' +
  '@media (prefers-color-scheme:dark){body{background:#1c1e21;color:#e4e6eb}}';

/** The whole HTML document for a page. */
export function renderPage(page: LoopbackPage): string {
  const paragraphs = page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(page.title)} · Tokentray</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(page.title)}</h1>${paragraphs}</main></body></html>`
  );
}

export const successPage = (): LoopbackPage => ({
  status: 200,
  title: 'Signed in — you can close this tab',
  paragraphs: ['Tokentray has received the sign-in and keeps the token fresh from here.'],
});

export const failurePage = (message: string): LoopbackPage => ({
  status: 400,
  title: 'Sign-in failed',
  paragraphs: [message, 'You can close this tab; Tokentray shows the same message.'],
});

const wrongStatePage = (): LoopbackPage => ({
  status: 400,
  title: 'This sign-in answer was refused',
  paragraphs: [
    'It does not belong to the sign-in Tokentray is waiting for (its state does not match).',
    'If you started sign-in more than once, finish it in the tab Tokentray opened last.',
  ],
});

const PLAIN_PAGES = {
  notFound: {
    status: 404,
    title: 'Not found',
    paragraphs: ['Tokentray is waiting for a sign-in answer elsewhere.'],
  },
  busy: { status: 409, title: 'Sign-in answer already received', paragraphs: ['You can close this tab.'] },
  method: { status: 405, title: 'Method not allowed', paragraphs: [] },
  host: { status: 421, title: 'Wrong host', paragraphs: [] },
} satisfies Record<string, LoopbackPage>;

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, page: LoopbackPage, onDone?: () => void): void {
  if (res.headersSent || res.destroyed) {
    onDone?.();
    return;
  }
  const html = renderPage(page);
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    connection: 'close',
  });
  if (onDone) res.once('close', onDone);
  res.end(html);
}

/** Starts the listener; fails with `listener_failed` (port in use…) or `bad_settings` (redirectUri). */
export async function openLoopbackListener(options: LoopbackOptions): Promise<LoopbackListener> {
  const target = parseRedirectUri(options.redirectUri);
  let refused = 0;
  let held: { res: ServerResponse; answered: boolean; done: Promise<void> } | undefined;
  let resolveCallback!: (callback: LoopbackCallback) => void;
  let rejectCallback!: (error: Error) => void;
  const callback = new Promise<LoopbackCallback>((resolve, reject) => {
    resolveCallback = resolve;
    rejectCallback = reject;
  });
  callback.catch(() => undefined); // whoever awaits it sees the failure; nobody may, after a cancel
  let port = target.port;
  const allowedHosts = () => new Set([...LOOPBACK_HOSTS].map((host) => `${host}:${port}`));

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return send(res, PLAIN_PAGES.method);
    if (!allowedHosts().has((req.headers.host ?? '').toLowerCase())) return send(res, PLAIN_PAGES.host);
    const url = new URL(req.url ?? '/', `http://${target.host}:${port}`);
    if (url.pathname !== target.path) return send(res, PLAIN_PAGES.notFound);
    if (held) return send(res, PLAIN_PAGES.busy);
    const state = url.searchParams.get('state');
    if (state === null || !sameText(state, options.expectedState)) {
      refused += 1;
      options.onRefused?.();
      return send(res, wrongStatePage());
    }
    let markDone!: () => void;
    const entry = { res, answered: false, done: new Promise<void>((resolve) => (markDone = resolve)) };
    res.once('close', () => markDone());
    held = entry;
    resolveCallback({
      params: url.searchParams,
      respond(page) {
        if (entry.answered) return;
        entry.answered = true;
        send(res, page, markDone);
      },
    });
  };

  const servers: Server[] = [];
  const makeServer = () => {
    const server = createServer(handle);
    // A slow or idle client cannot hold the listener: every request is bounded.
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    server.keepAliveTimeout = 1_000;
    servers.push(server);
    return server;
  };
  const [first, ...others] = target.addresses;
  try {
    port = await listen(makeServer(), target.port, first ?? '127.0.0.1');
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    const code = (error as { code?: unknown }).code;
    const where = `${first}:${target.port || 'any port'}`;
    throw new SignInError(
      'listener_failed',
      code === 'EADDRINUSE'
        ? `port ${target.port} on ${first} is in use (another sign-in or another program): finish or close it, or set another port in redirectUri (the server must list that redirect URI too)`
        : `could not listen for the sign-in answer on ${where} (${String(code ?? error)}); check redirectUri`,
      {},
      { cause: error },
    );
  }
  for (const address of others) {
    // localhost may reach either address. Without IPv6 the second one is not needed; but if
    // another program holds it, the browser may take the answer there: fail rather than risk that.
    const extra = makeServer();
    const failure = await listen(extra, port, address).then(
      () => null,
      (error: unknown) => error,
    );
    if (failure === null) continue;
    servers.splice(servers.indexOf(extra), 1);
    const code = (failure as { code?: unknown }).code;
    if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') continue;
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    throw new SignInError(
      'listener_failed',
      code === 'EADDRINUSE'
        ? `port ${port} on ${address} is in use by another program, which would receive the sign-in answer sent to localhost: close it, start sign-in again, or set redirectUri to 127.0.0.1 (the server must list that redirect URI too)`
        : `could not listen for the sign-in answer on ${address}:${port} (${String(code ?? failure)}); check redirectUri`,
      {},
      { cause: failure },
    );
  }
  for (const server of servers) {
    server.on('error', (error) =>
      rejectCallback(new SignInError('listener_failed', `the sign-in listener failed: ${error.message}`)),
    );
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (held && !held.answered) {
        held.answered = true;
        send(held.res, failurePage('Sign-in was stopped before it finished.'));
      }
      if (held) {
        // Let the page reach the tab before the connection goes (bounded: a stuck client is dropped).
        await Promise.race([held.done, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      }
      rejectCallback(new SignInError('aborted', 'the sign-in listener was closed'));
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    })();
    return closing;
  };

  const redirectUri = `http://${target.host}:${port}${target.path}`;
  return {
    redirectUri,
    port,
    callback,
    get refused() {
      return refused;
    },
    close,
  };
}
