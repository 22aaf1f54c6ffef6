/**
 * The interactive sign-ins the app is running (a saved account's Sign in…, a form's Test
 * connection of an interactive grant), as the window shows them: the engine's SignInEvents folded
 * into one SignInProgress per sign-in, pushed on every step and on the end, listed for a window
 * that opens while one runs, and cancelled by the target the window names. The engine does the
 * sign-in; this only remembers where each one is, so the tray can start one and the window, opened
 * a moment later, still shows its device code.
 */
import type { SignInProgress, SignInTarget } from '../../preload/contract.js';
import { toErrorInfo } from '../engine/errors.js';
import type { ErrorInfo, SignInEvent, SignInOptions } from '../engine/types.js';

/** One key per target: account names are matched as the engine matches them (case-insensitively). */
export function signInKey(target: SignInTarget): string {
  return 'account' in target ? `account:${target.account.toLowerCase()}` : `test:${target.test}`;
}

export interface SignInRunOptions<T> {
  /** Finds a failure in a result that does not throw (Test connection answers `{ ok: false }`). */
  failureOf?: (value: T) => ErrorInfo | null;
  /**
   * `always`: the window hears of the sign-in from its start (Sign in… from the tray opens a window
   * that must show it). `on-event`: only once the engine reported a step, so a Test connection of
   * a grant that needs no person pushes nothing.
   */
  announce: 'always' | 'on-event';
}

export interface SignInRunner {
  /**
   * Runs `start` as the sign-in of `target`, with the options the engine takes. One sign-in per
   * target: a second one for the same target cancels the first (whose end is not announced).
   */
  run<T>(
    target: SignInTarget,
    start: (opts: Required<Pick<SignInOptions, 'onEvent' | 'signal'>>) => Promise<T>,
    opts: SignInRunOptions<T>,
  ): Promise<T>;
  /** Cancels the running sign-in of `target`; false when none runs. */
  cancel(target: SignInTarget): boolean;
  /** The running sign-in of `target`, if any. */
  get(target: SignInTarget): SignInProgress | undefined;
  /** Every sign-in running now. */
  running(): SignInProgress[];
}

interface Running {
  progress: SignInProgress;
  controller: AbortController;
  cancelled: boolean;
  announced: boolean;
}

/** Folds one engine event into the progress the window shows. */
export function withEvent(progress: SignInProgress, event: SignInEvent): SignInProgress {
  const next: SignInProgress = { ...progress, step: event.stage };
  if (event.stage === 'waiting-for-browser' || event.stage === 'device-code') next.prompt = event;
  if (event.stage === 'polling') next.polls = event.attempt;
  if (event.stage === 'slow-down' && progress.prompt?.stage === 'device-code')
    next.prompt = { ...progress.prompt, intervalSeconds: event.intervalSeconds };
  return next;
}

/** Creates the runner; `push` tells the window (it may be closed: then nothing hears it). */
export function createSignInRunner(deps: { push(progress: SignInProgress): void }): SignInRunner {
  const runs = new Map<string, Running>();
  let seq = 0;

  const announce = (run: Running, progress: SignInProgress): void => {
    run.progress = { ...progress, seq: ++seq };
    run.announced = true;
    try {
      deps.push(run.progress);
    } catch {
      // A window that cannot hear it now asks for the running sign-ins when it opens.
    }
  };

  return {
    async run(target, start, opts) {
      const key = signInKey(target);
      const previous = runs.get(key);
      if (previous) {
        runs.delete(key);
        previous.controller.abort();
      }
      const run: Running = {
        progress: {
          target,
          seq: 0,
          status: 'running',
          prompt: null,
          step: 'starting',
          polls: 0,
          error: null,
        },
        controller: new AbortController(),
        cancelled: false,
        announced: false,
      };
      runs.set(key, run);
      if (opts.announce === 'always') announce(run, run.progress);
      const current = () => runs.get(key) === run;
      const end = (status: SignInProgress['status'], error: ErrorInfo | null) => {
        if (!current()) return; // replaced by a newer sign-in of the same target: it speaks for itself
        runs.delete(key);
        if (run.announced)
          announce(run, { ...run.progress, status, error: status === 'failed' ? error : null });
      };
      const onEvent = (event: SignInEvent) => {
        if (current()) announce(run, withEvent(run.progress, event));
      };
      try {
        const value = await start({ onEvent, signal: run.controller.signal });
        const failure = opts.failureOf?.(value) ?? null;
        if (failure === null) end('signed-in', null);
        else end(run.cancelled && failure.code === 'aborted' ? 'cancelled' : 'failed', failure);
        return value;
      } catch (error) {
        const info = toErrorInfo(error);
        end(run.cancelled && info.code === 'aborted' ? 'cancelled' : 'failed', info);
        throw error;
      }
    },
    cancel(target) {
      const run = runs.get(signInKey(target));
      if (!run) return false;
      run.cancelled = true;
      run.controller.abort();
      return true;
    },
    get: (target) => runs.get(signInKey(target))?.progress,
    running: () => [...runs.values()].filter((run) => run.announced).map((run) => run.progress),
  };
}
