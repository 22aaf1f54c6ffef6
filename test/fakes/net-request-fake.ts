/**
 * Fakes of Electron's `net.request` ClientRequest and its IncomingMessage, for the token fetch
 * (main/desktop/net-fetch.ts) in plain Node: Electron cannot run here, so a test plays Chromium's
 * side by hand: a proxy challenge ('login'), a redirect, a response and its body, a net error.
 * `FakeAuthProxy` plays a proxy that wants one user name and password.
 */
import { EventEmitter } from 'node:events';
import type {
  ClientRequestLike,
  IncomingMessageLike,
  LoginAuthInfo,
  NetRequestOptions,
} from '../../main/desktop/net-fetch.js';

/** The session object the fakes are given (Electron's is a `Session`). */
export const FAKE_SESSION = { partition: 'tokentray-token-requests (fake)' } as const;
export type FakeSessionRef = typeof FAKE_SESSION;

export class FakeIncomingMessage extends EventEmitter implements IncomingMessageLike {
  paused = false;
  pauses = 0;
  resumes = 0;
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string | string[]> = {},
    readonly statusMessage = '',
  ) {
    super();
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
  /** Delivers one body chunk, as Electron's 'data' event does. */
  send(chunk: string | Buffer): void {
    this.emit('data', typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  finish(): void {
    this.emit('end');
  }
}

/**
 * The answer a 'login' listener gave: no arguments means it cancelled the authentication;
 * `aborted`: it never called back, the request was aborted instead.
 */
export type LoginAnswer = { username?: string; password?: string; aborted?: true };

export class FakeClientRequest extends EventEmitter implements ClientRequestLike {
  /** The body given to end(), if any. */
  body: Buffer | null = null;
  ended = false;
  aborted = false;
  followedRedirect = false;
  constructor(readonly options: NetRequestOptions<FakeSessionRef>) {
    super();
  }
  end(chunk?: Buffer): this {
    if (chunk !== undefined) this.body = Buffer.from(chunk);
    this.ended = true;
    return this;
  }
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
  followRedirect(): void {
    this.followedRedirect = true;
  }
  /**
   * Emits 'login' as Electron does and resolves with the listener's answer. With no listener,
   * Electron calls the callback empty itself (what `session.fetch` does to every proxy challenge).
   */
  challenge(info: Partial<LoginAuthInfo> = {}): Promise<LoginAnswer> {
    const authInfo: LoginAuthInfo = {
      isProxy: true,
      scheme: 'basic',
      host: 'proxy.corp.example',
      port: 3128,
      realm: 'Corp proxy',
      ...info,
    };
    return new Promise((resolve) => {
      const onAbort = (): void => resolve({ aborted: true });
      this.once('abort', onAbort);
      const callback = (username?: string, password?: string): void => {
        this.off('abort', onAbort);
        resolve(username === undefined && password === undefined ? {} : { username, password });
      };
      if (!this.emit('login', authInfo, callback)) callback();
    });
  }
  /** A response's headers arrived; returns the message to stream its body on. */
  respond(
    statusCode: number,
    headers: Record<string, string | string[]> = {},
    statusMessage = '',
  ): FakeIncomingMessage {
    const message = new FakeIncomingMessage(statusCode, headers, statusMessage);
    this.emit('response', message);
    return message;
  }
  redirect(statusCode: number, url: string): void {
    this.emit('redirect', statusCode, 'GET', url, { location: [url] });
  }
  fail(message: string): void {
    this.emit('error', new Error(message));
  }
}

/** A fake `net.request`: every request it made, in order. */
export function fakeNetRequest(): {
  request: (options: NetRequestOptions<FakeSessionRef>) => FakeClientRequest;
  made: FakeClientRequest[];
  /** The first request not yet taken by next(), made already or still to come. */
  next(): Promise<FakeClientRequest>;
} {
  const made: FakeClientRequest[] = [];
  const waiters: ((request: FakeClientRequest) => void)[] = [];
  let taken = 0;
  return {
    made,
    request(options) {
      const request = new FakeClientRequest(options);
      made.push(request);
      const waiter = waiters.shift();
      if (waiter !== undefined) {
        taken++;
        waiter(request);
      }
      return request;
    },
    next() {
      const ready = made[taken];
      if (ready !== undefined) {
        taken++;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * Plays Chromium and an authenticating proxy for one request: challenges until the listener
 * sends `expected` (then answers 200 with `body`) or cancels (then answers 407), at most `maxTries`
 * challenges (then 407 too, as a proxy that keeps refusing ends up answering).
 */
export class FakeAuthProxy {
  /** Every answer the proxy got, across requests. */
  readonly answers: LoginAnswer[] = [];
  constructor(
    readonly expected: { username: string; password: string },
    readonly info: Partial<LoginAuthInfo> = {},
    readonly maxTries = 5,
  ) {}
  async serve(request: FakeClientRequest, body = '{"ok":true}'): Promise<void> {
    for (let tries = 0; tries < this.maxTries; tries++) {
      const answer = await this.challenge(request);
      if (answer.aborted) return;
      if (answer.username === undefined) break;
      if (answer.username === this.expected.username && answer.password === this.expected.password) {
        const message = request.respond(200, { 'content-type': 'application/json' }, 'OK');
        message.send(body);
        message.finish();
        return;
      }
    }
    if (request.aborted) return;
    const refused = request.respond(407, { 'proxy-authenticate': 'Basic realm="Corp proxy"' });
    refused.send('<html>407 Proxy Authentication Required</html>');
    refused.finish();
  }
  private async challenge(request: FakeClientRequest): Promise<LoginAnswer> {
    // A listener that is still asking the user leaves the callback pending: so does the proxy.
    const answer = await request.challenge(this.info);
    if (!answer.aborted) this.answers.push(answer);
    return answer;
  }
}
