/**
 * The local API server: Node's own HTTP/1.1 server on a Unix socket (a cookie-guarded named pipe
 * on Windows), bounded in every dimension a careless or hostile local client could stretch.
 * Served by whichever host runs the engine: the tray app or the headless agent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Engine } from '../engine/types.js';
import {
  guardPipeConnection,
  newCookie,
  newPipeName,
  publishRendezvous,
  withdrawRendezvous,
  type PipeRendezvous,
} from './pipe-auth.js';
import { createRouter, type ApiLogger, type ApiResponse, type ApiRoute } from './routes.js';
import { ensurePrivateDir, prepareSocketPath, SocketPathError } from './socket-path.js';
import { dirname } from 'node:path';

export type { ApiLogger } from './routes.js';

/** Time and size bounds of the server; exported so tests can state them. */
export const API_LIMITS = {
  /** Whole header block, bytes (Node answers 431 above it). */
  maxHeaderSize: 8 * 1024,
  /** A client must finish its headers within this (a silent client is dropped after it). */
  headersTimeoutMs: 5_000,
  /** …and its whole request, body included, within this. */
  requestTimeoutMs: 15_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** No connection lives on without traffic longer than this (renewals time out well before). */
  socketIdleTimeoutMs: 120_000,
  /** Connections served at once; past them a new one is answered 503 `agent_busy`. */
  maxConnections: 512,
  /** Connections past the cap being answered 503 at once; past these too, new ones are dropped. */
  maxBusyAnswers: 1_024,
  /** A connection answered 503 is closed after this, whatever it does. */
  busyLingerMs: 2_000,
  /** What a 503 `agent_busy` tells the client to wait (Retry-After), seconds. */
  busyRetryAfterSeconds: 1,
  /** How often Node checks the header and request timeouts. */
  checkIntervalMs: 500,
} as const;

export interface ApiServerOptions {
  engine: Engine;
  socketPath: string;
  log: ApiLogger;
}

export interface ApiServer {
  readonly socketPath: string;
  /** Removes the socket and stops accepting; requests under way get a few seconds to be answered. */
  close(): Promise<void>;
}

function send(res: ServerResponse, answer: ApiResponse, closeAfter = false): void {
  if (res.headersSent || res.destroyed) {
    answer.sent?.(false);
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(closeAfter ? { connection: 'close' } : {}),
  });
  res.end(text);
  answer.sent?.(true);
}

/**
 * Sends an answer; a streamed one (the sign-in's progress) as newline-delimited JSON, one event
 * per line, until it ends. A client that hangs up cancels it (its signal is aborted).
 */
async function streamAnswer(
  res: ServerResponse,
  status: number,
  stream: NonNullable<ApiResponse['stream']>,
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    // One sign-in per connection: it may take minutes, and the CLI asks for nothing else on it.
    connection: 'close',
  });
  const hangUp = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) hangUp.abort();
  });
  try {
    await stream((event) => {
      if (!res.destroyed) res.write(`${JSON.stringify(event)}\n`);
    }, hangUp.signal);
  } finally {
    if (!res.destroyed) res.end();
  }
}

const NO_BODY = Buffer.alloc(0);

/**
 * True when the request has no body by HTTP/1.1 framing (RFC 9112 §6.3: neither Transfer-Encoding
 * nor a Content-Length above 0), as every GET the CLI and curl send: then there is nothing to read
 * and no stream iterator to build (8% of the agent's profiled time per token went there).
 */
function hasNoBody(req: IncomingMessage): boolean {
  const { headers } = req;
  return (
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0')
  );
}

/** Reads the body up to `limit` bytes; null (and a 413 sent) when it is larger. */
async function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | null> {
  const tooLarge = (): null => {
    send(
      res,
      { status: 413, body: { error: 'too_large', message: `request body over ${limit} bytes` } },
      true,
    );
    req.resume();
    return null;
  };
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The raw 503 sent to a connection past the cap: it never reaches the HTTP parser. */
function busyAnswer(): Buffer {
  const body = JSON.stringify({
    error: 'agent_busy',
    message: `the agent is serving ${API_LIMITS.maxConnections} connections already; try again in ${API_LIMITS.busyRetryAfterSeconds} s`,
  });
  return Buffer.from(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Retry-After: ${API_LIMITS.busyRetryAfterSeconds}\r\n` +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      body,
    'utf8',
  );
}

/**
 * Caps the connections the HTTP server serves at once. Node's own `maxConnections` resets a
 * connection past it, which a client cannot tell from a crashed agent; here such a connection gets
 * a 503 `agent_busy` with `Retry-After` once it has sent something (its request), and is closed
 * soon after. Every connection (Unix socket, or Windows pipe after its cookie) passes through here.
 */
function capConnections(server: Server, log: ApiLogger): void {
  const serveHttp = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const answer = busyAnswer();
  let served = 0;
  let busy = 0;
  let lastWarning = 0;
  const answerBusy = (socket: Socket): void => {
    if (busy >= API_LIMITS.maxBusyAnswers) {
      socket.destroy();
      return;
    }
    busy += 1;
    socket.once('close', () => (busy -= 1));
    if (Date.now() - lastWarning > 10_000) {
      lastWarning = Date.now();
      log.warn('connection cap reached: answering 503 agent_busy', {
        outcome: 'agent_busy',
        connections: served,
      });
    }
    const timer = setTimeout(() => socket.destroy(), API_LIMITS.busyLingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.on('error', () => socket.destroy());
    // Read (and drop) what the client sends, so that closing never discards unread bytes (which
    // a Unix socket turns into a reset that could hide the answer).
    socket.once('data', () => socket.end(answer));
    socket.on('data', () => undefined);
    socket.once('end', () => socket.destroy());
  };
  server.on('connection', (socket: Socket) => {
    if (served >= API_LIMITS.maxConnections) {
      answerBusy(socket);
      return;
    }
    served += 1;
    socket.once('close', () => (served -= 1));
    for (const listener of serveHttp) listener.call(server, socket);
  });
}

function createHttpServer(engine: Engine, log: ApiLogger): Server {
  const server = createServer(
    {
      maxHeaderSize: API_LIMITS.maxHeaderSize,
      headersTimeout: API_LIMITS.headersTimeoutMs,
      requestTimeout: API_LIMITS.requestTimeoutMs,
      keepAliveTimeout: API_LIMITS.keepAliveTimeoutMs,
      connectionsCheckingInterval: API_LIMITS.checkIntervalMs,
      // Clients on a Unix socket have no host to name; curl sends one anyway.
      requireHostHeader: false,
    },
    (req, res) => {
      try {
        serve(req, res);
      } catch {
        failed(res);
      }
    },
  );
  // No maxRequestsPerSocket: a local client can open another connection at will, so it bounded
  // nothing, and it cost a keep-alive client 12 µs of every request's p50 (bench/socket-api.ts:
  // Node closes the connection every N requests and keeps count on each response).
  // The hard limit, a flood's: the connections served plus those being answered 503.
  server.maxConnections = API_LIMITS.maxConnections + API_LIMITS.maxBusyAnswers;
  capConnections(server, log);
  server.setTimeout(API_LIMITS.socketIdleTimeoutMs);
  const route = createRouter(engine, log);

  /** Never lets one request take the agent down; the client sees a 500 or a closed socket. */
  function failed(res: ServerResponse): void {
    log.error('request failed', { outcome: 'internal' });
    if (!res.headersSent)
      send(res, { status: 500, body: { error: 'internal', message: 'internal error' } }, true);
    else res.destroy();
  }

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const matched = route(req.method ?? 'GET', req.url ?? '/');
    if (!('run' in matched)) {
      // Answer without reading a body we have no use for, and don't keep the connection.
      send(res, matched, true);
      req.resume();
      return;
    }
    // A bodiless request (Node drains its empty stream itself once answered) is not read at all,
    // and answered in this turn when the endpoint can (a cached token).
    const bodiless = hasNoBody(req);
    const now = bodiless ? (matched.runNow?.() ?? null) : null;
    if (now !== null) send(res, now);
    else void serveLater(req, res, matched, bodiless).catch(() => failed(res));
  }

  async function serveLater(
    req: IncomingMessage,
    res: ServerResponse,
    matched: ApiRoute,
    bodiless: boolean,
  ): Promise<void> {
    const body = bodiless ? NO_BODY : await readBody(req, res, matched.bodyLimit);
    if (body === null) return;
    const answer = await matched.run(body);
    if (answer.stream === undefined) send(res, answer);
    else await streamAnswer(res, answer.status, answer.stream);
  }
  return server;
}

/** How long requests under way may take to be answered once the agent stops. */
const SHUTDOWN_GRACE_MS = 5_000;

/** Stops accepting; idle connections close now, requests under way get `graceMs` to be answered. */
function closeHttp(server: Server, graceMs = 0): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      done();
    });
    server.closeIdleConnections();
  });
}

/** Listens on a Unix socket created 0600 from the first instant, then verifies it with lstat. */
async function listenUnix(server: Server, socketPath: string): Promise<{ ino: number }> {
  const listening = new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.once('listening', () => {
      server.off('error', fail);
      done();
    });
  });
  // bind() runs synchronously inside listen(): the umask covers exactly the socket's creation and
  // nothing else this process writes meanwhile.
  const previous = process.umask(0o177);
  try {
    server.listen(socketPath);
  } finally {
    process.umask(previous);
  }
  await listening;
  const stats = lstatSync(socketPath);
  const uid = typeof process.getuid === 'function' ? process.getuid() : stats.uid;
  if (!stats.isSocket() || stats.uid !== uid || (stats.mode & 0o777) !== 0o600) {
    await closeHttp(server);
    throw new SocketPathError(
      'not_socket',
      `socket ${socketPath} came out with mode ${(stats.mode & 0o777).toString(8)} / uid ${stats.uid}: refusing to serve`,
    );
  }
  return { ino: stats.ino };
}

function removeSocketIfOurs(socketPath: string, ino: number): void {
  try {
    if (lstatSync(socketPath).ino === ino) unlinkSync(socketPath);
  } catch {
    // already gone
  }
}

async function startPipeServer(server: Server, rendezvousPath: string): Promise<() => Promise<void>> {
  ensurePrivateDir(dirname(rendezvousPath));
  const rendezvous: PipeRendezvous = { pipe: newPipeName(), cookie: newCookie() };
  const pipeServer: NetServer = createNetServer((socket) =>
    guardPipeConnection(socket, rendezvous.cookie, (authenticated) =>
      server.emit('connection', authenticated),
    ),
  );
  await new Promise<void>((done, fail) => {
    pipeServer.once('error', fail);
    pipeServer.listen(rendezvous.pipe, () => {
      pipeServer.off('error', fail);
      done();
    });
  });
  pipeServer.on('error', () => undefined);
  publishRendezvous(rendezvousPath, rendezvous);
  return async () => {
    withdrawRendezvous(rendezvousPath, rendezvous);
    await new Promise<void>((done) => pipeServer.close(() => done()));
    await closeHttp(server, SHUTDOWN_GRACE_MS);
  };
}

/** Starts the local API on `socketPath` (CONTRACT §3). Call only once the engine's store is loaded. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { engine, socketPath, log } = options;
  const server = createHttpServer(engine, log);

  if (process.platform === 'win32') {
    const stop = await startPipeServer(server, socketPath);
    log.info('local API listening', { pipeFile: socketPath });
    return { socketPath, close: stop };
  }

  for (const warning of await prepareSocketPath(socketPath)) log.warn(warning);
  const { ino } = await listenUnix(server, socketPath);
  // An accept() failure (e.g. out of file descriptors) must not become an uncaught 'error'.
  server.on('error', (error: NodeJS.ErrnoException) =>
    log.error('local API error', { code: error.code ?? 'unknown' }),
  );
  log.info('local API listening', { socket: socketPath });
  let closing: Promise<void> | null = null;
  return {
    socketPath,
    close() {
      closing ??= (async () => {
        // Unlink first so no new client connects to a server that is going away.
        removeSocketIfOurs(socketPath, ino);
        await closeHttp(server, SHUTDOWN_GRACE_MS);
      })();
      return closing;
    },
  };
}
