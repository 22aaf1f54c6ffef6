/**
 * A NAMED FAKE of Electron's `net.request`, for the whole-app stand-in (electron-standin.ts) once
 * the token fetch goes through `net.request` instead of `session.fetch` (issue #9): a ClientRequest
 * over Node's http/https, as Node's fetch stood in for `session.fetch`. Not Chromium: proxies and
 * the OS certificate store are not emulated, so no 'login' event is ever emitted. A redirect is
 * emitted as 'redirect' and, since followRedirect is not offered, cancelled as Electron cancels one
 * in 'manual' mode ("Redirect was cancelled").
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type {
  ClientRequestLike,
  IncomingMessageLike,
  NetRequestOptions,
} from '../../../main/desktop/net-fetch.js';

type Listener = (...args: never[]) => unknown;

/** Node's response headers as Electron gives them: lower-case names, set-cookie an array. */
function electronHeaders(raw: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) headers[name] = value;
  return headers;
}

class StandinClientRequest extends EventEmitter implements ClientRequestLike {
  private request: http.ClientRequest | null = null;
  private closed = false;
  constructor(private readonly options: NetRequestOptions<unknown>) {
    super();
  }

  end(chunk?: Buffer): this {
    const url = new URL(this.options.url);
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (transport === null) {
      queueMicrotask(() => this.emit('error', new Error('net::ERR_UNKNOWN_URL_SCHEME')));
      return this;
    }
    const headers: Record<string, string> = { ...this.options.headers };
    if (chunk !== undefined) headers['content-length'] = String(chunk.byteLength);
    const request = transport.request(url, { method: this.options.method, headers });
    this.request = request;
    request.on('response', (response) => this.onResponse(response, url));
    request.on('error', (error) => {
      if (!this.closed) this.emit('error', error);
    });
    request.end(chunk);
    return this;
  }

  abort(): void {
    if (this.closed) return;
    this.closed = true;
    this.request?.destroy();
    this.emit('abort');
  }

  private onResponse(response: http.IncomingMessage, url: URL): void {
    if (this.closed) {
      response.resume();
      return;
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      response.resume();
      const headers: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(electronHeaders(response.headers)))
        headers[name] = Array.isArray(value) ? value : [value];
      this.emit('redirect', status, this.options.method, new URL(location, url).href, headers);
      if (!this.closed) {
        this.closed = true;
        this.request?.destroy();
        this.emit('error', new Error('Redirect was cancelled'));
      }
      return;
    }
    const message: IncomingMessageLike = {
      statusCode: status,
      statusMessage: response.statusMessage ?? '',
      headers: electronHeaders(response.headers),
      on(event: string, listener: Listener) {
        // Node's IncomingMessage emits what Electron's does: 'data' (Buffer), 'end', 'aborted', 'error'.
        response.on(event, listener as (...args: unknown[]) => void);
        return message;
      },
      pause: () => response.pause(),
      resume: () => response.resume(),
    };
    this.emit('response', message);
  }
}

/** `(options) => net.request(options)` for the stand-in. */
export function standinNetRequest(options: NetRequestOptions<unknown>): ClientRequestLike {
  return new StandinClientRequest(options);
}
