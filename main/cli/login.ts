/**
 * `tokentray login NAME [--browser]`: asks the agent to sign the account in
 * (`POST /v1/accounts/NAME/login`) and follows its streamed progress, one JSON event per line,
 * printing what the person must do on stderr and one line on stdout once signed in.
 *
 * The browser, when asked for, is opened here (the CLI runs in the user's session; a headless
 * agent may have none). The same socket checks as every other command run before a byte is sent:
 * the socket and its folder must be this user's alone.
 */
import { execFile } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { connectPipe } from '../agent/pipe-auth.js';
import { AgentUnavailableError, BadAnswerError, type ApiAnswer } from './client.js';
import {
  checkOnceConnected,
  checkUnixSocket,
  checkWindowsPipeFile,
  type SocketIdentity,
} from './socket-trust.js';

/** One event of the stream: `{ event: "device-code", ... }` and so on (see main/agent/routes.ts). */
export type LoginEvent = Record<string, unknown> & { event?: unknown };

/** A line longer than this is not from our agent. */
const MAX_LINE_BYTES = 64 * 1024;
/** The agent says it is waiting every 20 s; silence for this long means it is gone. */
const SILENCE_TIMEOUT_MS = 90_000;

/** Connects to the agent's socket after the trust checks, and checks again once connected. */
async function trustedConnection(socketPath: string): Promise<Socket> {
  let checked: SocketIdentity | null = null;
  if (process.platform === 'win32') await checkWindowsPipeFile(socketPath);
  else checked = checkUnixSocket(socketPath);
  return new Promise((resolve, reject) => {
    const socket = process.platform === 'win32' ? connectPipe(socketPath) : connect({ path: socketPath });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(new AgentUnavailableError(socketPath, error.code ?? 'ECONNREFUSED')),
    );
    socket.once('connect', () => {
      try {
        checkOnceConnected(socketPath, checked);
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * POSTs `path` and hands each event of a streamed (200, application/x-ndjson) answer to `onEvent`
 * as it arrives. Resolves with the last event, or with the status and JSON body of an answer that
 * is not a stream (404, 409, …) for the caller to explain.
 */
export async function streamFromAgent(
  socketPath: string,
  path: string,
  onEvent: (event: LoginEvent) => void,
): Promise<{ kind: 'stream'; last: LoginEvent | null } | { kind: 'answer'; answer: ApiAnswer }> {
  const socket = await trustedConnection(socketPath);
  return new Promise((resolve, reject) => {
    const req = request({
      method: 'POST',
      path,
      headers: { host: 'localhost', accept: 'application/x-ndjson', 'content-length': '0' },
      createConnection: () => socket,
    });
    let silence: NodeJS.Timeout | undefined;
    const quiet = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        req.destroy(new BadAnswerError(`the agent at ${socketPath} went silent during the sign-in`));
      }, SILENCE_TIMEOUT_MS);
    };
    req.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(silence);
      reject(
        error instanceof BadAnswerError
          ? error
          : new BadAnswerError(
              `the agent at ${socketPath} closed the connection (${error.code ?? error.message})`,
            ),
      );
    });
    req.once('response', (res: IncomingMessage) => {
      const streamed = res.statusCode === 200 && /ndjson/.test(res.headers['content-type'] ?? '');
      let buffered = '';
      let last: LoginEvent | null = null;
      quiet();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        quiet();
        buffered += chunk;
        // Bounded either way: a plain JSON answer (404, 409) is small, and so is every event line.
        if (buffered.length > MAX_LINE_BYTES) {
          req.destroy(new BadAnswerError(`unexpected answer from the agent at ${socketPath}`));
          return;
        }
        if (!streamed) return;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() === '') continue;
          try {
            last = JSON.parse(line) as LoginEvent;
          } catch {
            req.destroy(new BadAnswerError(`unexpected answer from the agent at ${socketPath}`));
            return;
          }
          onEvent(last);
        }
      });
      res.once('end', () => {
        clearTimeout(silence);
        if (streamed) return resolve({ kind: 'stream', last });
        try {
          const body = JSON.parse(buffered) as Record<string, unknown>;
          resolve({ kind: 'answer', answer: { status: res.statusCode ?? 0, body } });
        } catch {
          reject(
            new BadAnswerError(`unexpected answer from the agent at ${socketPath} (HTTP ${res.statusCode})`),
          );
        }
      });
      res.once('error', (error) => {
        clearTimeout(silence);
        reject(new BadAnswerError(`the agent at ${socketPath} closed the connection (${error.message})`));
      });
    });
    req.end();
  });
}

/** True where a browser can be shown: Windows and macOS always, elsewhere an X11 or Wayland session. */
export function hasDesktop(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Opens an http(s) URL in the system browser, without a shell (the URL is one argument). Resolves
 * false when it could not be started.
 */
export function openInBrowser(url: string, platform = process.platform): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return Promise.resolve(false);
  const [file, args] =
    platform === 'win32'
      ? ['rundll32.exe', ['url.dll,FileProtocolHandler', parsed.href]]
      : platform === 'darwin'
        ? ['open', [parsed.href]]
        : ['xdg-open', [parsed.href]];
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 30_000, windowsHide: true }, (error) =>
      resolve(error === null),
    );
    child.unref();
  });
}
