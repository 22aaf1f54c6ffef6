/**
 * Signing in to a proxy that asks for a password (issue #9), for the token requests of
 * `createNetFetch` (net-fetch.ts). Two parts:
 *
 * - The credentials provider answers a request's proxy challenge. It asks the user once per proxy
 *   (host:port) per app session and keeps the answer in memory only (never on disk, never in a
 *   log or an error). Concurrent requests behind the same proxy share one prompt. When the proxy
 *   refuses what was sent, the answer is forgotten and the user asked again, at most once per
 *   request; then the request fails with "the proxy host:port refused the credentials". A
 *   cancelled prompt fails the request with "proxy sign-in was cancelled", and for a quiet period
 *   after it requests fail the same way without asking again, so that renewals retrying with
 *   backoff do not bring the prompt back every few seconds.
 * - The prompts: each question goes to the account window as a `proxyLogin` push (the window is
 *   opened, or brought forward, first), and comes back as the window's `answerProxyLogin`
 *   request. A push is repeated while its prompt waits: the window drops pushes until it has
 *   loaded, and a window that loads late also asks for `pendingProxyLogins`.
 */
import { randomUUID } from 'node:crypto';
import type { ProxyCredentials, ProxyLoginRequest, Pushes } from '../../preload/contract.js';
import { TokenError, toErrorInfo } from '../engine/errors.js';
import { proxyKey, type ProxyAuthInfo, type ProxyCredentialsProvider } from './net-fetch.js';

/** Asks the user for a proxy's user name and password; null: they cancelled. */
export type AskProxyCredentials = (info: ProxyAuthInfo) => Promise<ProxyCredentials | null>;

/** After the proxy refused what was sent, the user is asked this many more times for one request. */
export const ASKS_AFTER_REFUSAL = 1;
/** After a cancelled prompt, requests behind that proxy fail without asking for this long. */
export const CANCEL_QUIET_MS = 5 * 60_000;
/** How often a prompt that is still waiting is pushed to the window again. */
export const PROMPT_REPEAT_MS = 2_000;

export function proxyRefusedError(key: string): TokenError {
  return new TokenError('proxy_auth_refused', `the proxy ${key} refused the credentials`, 'transient');
}

export function proxyCancelledError(key: string): TokenError {
  return new TokenError('proxy_auth_cancelled', `proxy sign-in was cancelled (proxy ${key})`, 'transient');
}

function same(a: ProxyCredentials, b: ProxyCredentials): boolean {
  return a.username === b.username && a.password === b.password;
}

export interface ProxyCredentialsOptions {
  ask: AskProxyCredentials;
  now?: () => number;
  /** See CANCEL_QUIET_MS. */
  cancelQuietMs?: number;
}

/** The session's proxy credentials, asked for through `ask` when a proxy challenges a request. */
export function createProxyCredentialsProvider(opts: ProxyCredentialsOptions): ProxyCredentialsProvider {
  const now = opts.now ?? Date.now;
  const quietMs = opts.cancelQuietMs ?? CANCEL_QUIET_MS;
  const known = new Map<string, ProxyCredentials>();
  const asking = new Map<string, Promise<ProxyCredentials>>();
  const cancelledAt = new Map<string, number>();

  const ask = (key: string, info: ProxyAuthInfo): Promise<ProxyCredentials> => {
    const shared = asking.get(key);
    if (shared !== undefined) return shared;
    const cancelled = cancelledAt.get(key);
    if (cancelled !== undefined && now() - cancelled < quietMs)
      return Promise.reject(proxyCancelledError(key));
    const prompt = (async () => {
      let answer: ProxyCredentials | null;
      try {
        answer = await opts.ask({ ...info });
      } catch (error) {
        throw new TokenError(
          'proxy_auth_unavailable',
          `the proxy ${key} asks for a user name and password, and Tokentray could not ask you: ${toErrorInfo(error).message}`,
          'transient',
        );
      }
      if (answer === null) {
        cancelledAt.set(key, now());
        throw proxyCancelledError(key);
      }
      cancelledAt.delete(key);
      const credentials = { username: answer.username, password: answer.password };
      known.set(key, credentials);
      return credentials;
    })().finally(() => asking.delete(key));
    asking.set(key, prompt);
    return prompt;
  };

  return async ({ info, attempt, refused }) => {
    const key = proxyKey(info);
    const current = known.get(key);
    // Refused: forget them, unless another request has brought newer ones in the meantime.
    if (refused !== null && current !== undefined && same(current, refused)) known.delete(key);
    if (attempt > 1 + ASKS_AFTER_REFUSAL) throw proxyRefusedError(key);
    const usable = known.get(key);
    if (usable !== undefined) return usable;
    return ask(key, info);
  };
}

/** What the prompts need of the account window (main/desktop/window.ts's controller). */
export interface ProxyLoginWindow {
  open(account: string | null): void;
  push(name: 'proxyLogin', payload: Pushes['proxyLogin']): void;
}

export interface ProxyLoginPrompts {
  /** The `askProxyCredentials` port: resolves with the window's answer. */
  ask: AskProxyCredentials;
  /** The prompts still waiting for an answer (the `pendingProxyLogins` request). */
  pending(): ProxyLoginRequest[];
  /** The window's answer to prompt `id` (the `answerProxyLogin` request); false: no such prompt waits. */
  answer(id: string, credentials: ProxyCredentials | null): boolean;
  /** Gives the prompts their window once it exists; prompts asked before are shown now. */
  attachWindow(window: ProxyLoginWindow): void;
  /**
   * The window was closed: every prompt still waiting is answered as Cancel. Left waiting, it would
   * hold that proxy's requests until they time out, for the rest of the session.
   */
  windowClosed(): void;
}

export interface ProxyLoginPromptOptions {
  newId?: () => string;
  /** See PROMPT_REPEAT_MS. */
  repeatMs?: number;
}

/** Proxy sign-in prompts shown in the account window. */
export function createProxyLoginPrompts(opts: ProxyLoginPromptOptions = {}): ProxyLoginPrompts {
  const newId = opts.newId ?? randomUUID;
  const repeatMs = opts.repeatMs ?? PROMPT_REPEAT_MS;
  const waiting = new Map<
    string,
    {
      request: ProxyLoginRequest;
      resolve: (answer: ProxyCredentials | null) => void;
      timer: ReturnType<typeof setInterval> | null;
    }
  >();
  let window: ProxyLoginWindow | null = null;

  const show = (id: string): void => {
    const entry = waiting.get(id);
    if (entry === undefined || window === null) return;
    window.open(null);
    window.push('proxyLogin', { ...entry.request });
    entry.timer ??= setInterval(() => window?.push('proxyLogin', { ...entry.request }), repeatMs);
    entry.timer.unref?.();
  };

  return {
    ask: (info) =>
      new Promise((resolve) => {
        const id = newId();
        const request: ProxyLoginRequest = {
          id,
          host: info.host,
          port: info.port,
          realm: info.realm,
          scheme: info.scheme.toLowerCase(),
        };
        waiting.set(id, { request, resolve, timer: null });
        show(id);
      }),
    pending: () => [...waiting.values()].map((entry) => ({ ...entry.request })),
    answer(id, credentials) {
      const entry = waiting.get(id);
      if (entry === undefined) return false;
      waiting.delete(id);
      if (entry.timer !== null) clearInterval(entry.timer);
      entry.resolve(
        credentials === null ? null : { username: credentials.username, password: credentials.password },
      );
      return true;
    },
    attachWindow(next) {
      window = next;
      for (const id of waiting.keys()) show(id);
    },
    windowClosed() {
      for (const [id, entry] of [...waiting]) {
        waiting.delete(id);
        if (entry.timer !== null) clearInterval(entry.timer);
        entry.resolve(null);
      }
    },
  };
}
