/**
 * The single timer: it wakes at the earliest renewal due, and never sleeps more than a minute, so a
 * suspended machine or a clock jump is noticed against the wall clock rather than a stale timer.
 */
import { effectiveNow, emitState, needsPastedToken, renewable, stateOf } from './account-state.js';
import type { EngineContext } from './context.js';
import type { Renewer } from './renewal.js';
import { MAX_TICK_MS } from './schedule.js';

export interface Scheduler {
  /** Renews the accounts that are due, reports states that changed with time, plans the next tick. */
  tick(): void;
  /** Sets the one timer for the earliest renewal due, at most a minute away. */
  planNext(): void;
  /** Cancels the timer. */
  cancel(): void;
}

/**
 * Creates the scheduler of one engine: `renew` starts (or joins) an account's renewal, `retryWrite`
 * saves a record the store refused before, `recheckLocked` tries a locked account's secrets again.
 */
export function createScheduler(
  ctx: EngineContext,
  renewer: Pick<Renewer, 'renew' | 'retryWrite' | 'recheckLocked'>,
): Scheduler {
  const { clock, runtimes } = ctx;
  const { renew } = renewer;
  let cancelTimer: (() => void) | null = null;

  function tick() {
    cancelTimer = null;
    if (ctx.stopped) return;
    const now = clock.now();
    let unsaved = false;
    for (const rt of runtimes.values()) {
      unsaved ||= rt.unsaved;
      if (rt.pendingWrite) {
        // No new token while the last one is not saved: write it again once the backoff allows.
        if (rt.pendingWrite.retryAt <= now) renewer.retryWrite(rt).catch(() => {});
        continue;
      }
      if (rt.record.error?.code === 'locked_secret') renewer.recheckLocked(rt).catch(() => {});
      // Due by the older of the two clocks: a wall clock stepped back does not postpone a renewal.
      const due =
        !ctx.paused &&
        renewable(rt) &&
        !rt.inFlight &&
        (rt.renewDueAt === null
          ? !rt.record.token && rt.record.error === null
          : rt.renewDueAt <= effectiveNow(rt, now, clock));
      if (due || needsPastedToken(rt)) {
        renew(rt, 'scheduler').catch(() => {});
        continue;
      }
      const state = stateOf(rt, now, ctx);
      if (state !== rt.lastState) emitState(ctx, rt);
    }
    if (unsaved) ctx.persistSoon();
    planNext();
  }

  function planNext() {
    if (ctx.stopped || !ctx.store) return;
    const now = clock.now();
    let next = now + MAX_TICK_MS;
    if (!ctx.paused) {
      for (const rt of runtimes.values()) {
        if (rt.renewDueAt !== null && !rt.inFlight && renewable(rt) && rt.renewDueAt < next)
          next = rt.renewDueAt;
      }
    }
    for (const rt of runtimes.values()) {
      if (rt.pendingWrite && rt.pendingWrite.retryAt < next) next = rt.pendingWrite.retryAt;
    }
    cancelTimer?.();
    cancelTimer = clock.at(Math.max(next, now), tick);
  }

  function cancel() {
    cancelTimer?.();
    cancelTimer = null;
  }

  return { tick, planNext, cancel };
}
