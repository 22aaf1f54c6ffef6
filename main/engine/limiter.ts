/**
 * How many token requests are on the wire at once: at most `total` (8) in all, and per token
 * endpoint (origin and path) at most its `share` (2), so that one endpoint that hangs cannot take
 * every slot and stall the accounts of every other server.
 *
 * An endpoint that answers promptly may borrow the slots nobody else is waiting for (1,000
 * accounts on one data center still renew 8 at a time). A borrowed slot is only lent while the
 * endpoint keeps answering: once one of its requests has gone `stallMs` without an answer, its
 * borrowed requests stop counting against the total (they are left to finish or time out; they
 * no longer keep anyone waiting) and it is back to its share until it answers promptly again.
 * An endpoint that never answered has no credit: a server that hangs from the first request holds
 * at most its share.
 */
import { endpointOf } from './circuit.js';
import { stoppedError, type GuardedFetch } from './http.js';

export const DEFAULT_TOTAL_SLOTS = 8;
export const DEFAULT_ENDPOINT_SHARE = 2;
/** A request without an answer for this long makes its endpoint give back what it borrowed. */
export const DEFAULT_STALL_MS = 2_000;

export interface LimiterOptions {
  total?: number;
  share?: number;
  stallMs?: number;
  /** Aborted when the engine stops: requests still waiting for a slot are not sent. */
  stopSignal?: () => AbortSignal;
}

interface Flight {
  /** Counts against the total (false once a stalled borrowed request was written off). */
  counted: boolean;
  borrowed: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

interface EndpointState {
  flights: Set<Flight>;
  /** True after an answer within `stallMs`; false from the start and after a stall. */
  mayBorrow: boolean;
}

interface Waiter {
  /** Arrival order across endpoints: the oldest waiter goes first. */
  seq: number;
  admit: (flight: Flight) => void;
  reject: (error: unknown) => void;
}

export interface Limiter {
  /** `fetch` that waits for a slot first. */
  wrap(fetch: GuardedFetch): GuardedFetch;
  /** Requests on the wire that count against the total (for tests and the benchmark). */
  readonly active: number;
}

export function createLimiter(options: LimiterOptions = {}): Limiter {
  const total = Math.max(1, options.total ?? DEFAULT_TOTAL_SLOTS);
  const share = Math.max(1, Math.min(total, options.share ?? DEFAULT_ENDPOINT_SHARE));
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const endpoints = new Map<string, EndpointState>();
  /** Requests waiting for a slot, per endpoint, oldest first (a few endpoints, many waiters). */
  const waiting = new Map<string, Waiter[]>();
  let waiters = 0;
  let seq = 0;
  let counted = 0;
  let watchedSignal: AbortSignal | null = null;

  const stateOf = (endpoint: string): EndpointState => {
    let state = endpoints.get(endpoint);
    if (!state) {
      state = { flights: new Set(), mayBorrow: false };
      endpoints.set(endpoint, state);
    }
    return state;
  };

  /** How a request to `endpoint` may start now: in its share, on loan, or not at all. */
  function slotFor(endpoint: string): 'share' | 'borrow' | null {
    if (counted >= total) return null;
    const state = endpoints.get(endpoint);
    const inFlight = state?.flights.size ?? 0;
    if (inFlight < share) return 'share';
    return state?.mayBorrow === true ? 'borrow' : null;
  }

  function start(endpoint: string, how: 'share' | 'borrow'): Flight {
    const state = stateOf(endpoint);
    const flight: Flight = { counted: true, borrowed: how === 'borrow', timer: null };
    counted++;
    state.flights.add(flight);
    flight.timer = setTimeout(() => stalled(endpoint, flight), stallMs);
    flight.timer.unref?.();
    return flight;
  }

  /** No answer within stallMs: the endpoint gives back every slot it borrowed. */
  function stalled(endpoint: string, flight: Flight): void {
    flight.timer = null;
    const state = endpoints.get(endpoint);
    if (!state?.flights.has(flight)) return;
    state.mayBorrow = false;
    for (const other of state.flights) {
      if (other.borrowed && other.counted) {
        other.counted = false;
        counted--;
      }
    }
    pump();
  }

  function finish(endpoint: string, flight: Flight, answered: boolean): void {
    if (flight.timer) clearTimeout(flight.timer);
    const promptly = flight.timer !== null;
    flight.timer = null;
    const state = endpoints.get(endpoint);
    if (state) {
      state.flights.delete(flight);
      if (answered && promptly) state.mayBorrow = true;
      else if (!answered) state.mayBorrow = false;
      if (state.flights.size === 0 && !state.mayBorrow) endpoints.delete(endpoint);
    }
    if (flight.counted) counted--;
    pump();
  }

  /**
   * Starts waiting requests while slots allow: the oldest waiter of an endpoint within its share
   * first, then the oldest of an endpoint that may borrow. Cost: the number of endpoints waiting.
   */
  function pump(): void {
    while (waiters > 0 && counted < total) {
      let pick: { endpoint: string; how: 'share' | 'borrow'; seq: number } | null = null;
      for (const [endpoint, queue] of waiting) {
        const how = slotFor(endpoint);
        const head = queue[0];
        if (how === null || head === undefined) continue;
        const better =
          pick === null ||
          (how === 'share' && pick.how === 'borrow') ||
          (how === pick.how && head.seq < pick.seq);
        if (better) pick = { endpoint, how, seq: head.seq };
      }
      if (pick === null) return;
      const queue = waiting.get(pick.endpoint) as Waiter[];
      const waiter = queue.shift() as Waiter;
      if (queue.length === 0) waiting.delete(pick.endpoint);
      waiters--;
      waiter.admit(start(pick.endpoint, pick.how));
    }
  }

  function watchStop(): void {
    const signal = options.stopSignal?.();
    if (!signal || signal === watchedSignal) return;
    watchedSignal = signal;
    signal.addEventListener(
      'abort',
      () => {
        const all = [...waiting.values()].flat();
        waiting.clear();
        waiters = 0;
        for (const waiter of all) waiter.reject(stoppedError());
      },
      { once: true },
    );
  }

  function acquire(endpoint: string): Promise<Flight> {
    watchStop();
    if (options.stopSignal?.().aborted) return Promise.reject(stoppedError());
    // Nobody queued ahead of it on a slot it could take: go now.
    const how = waiters === 0 ? slotFor(endpoint) : null;
    if (how !== null) return Promise.resolve(start(endpoint, how));
    return new Promise<Flight>((admit, reject) => {
      const queue = waiting.get(endpoint) ?? [];
      if (queue.length === 0) waiting.set(endpoint, queue);
      queue.push({ seq: seq++, admit, reject });
      waiters++;
      pump();
    });
  }

  return {
    wrap(fetch) {
      return async (url, init) => {
        const endpoint = endpointOf(url);
        const flight = await acquire(endpoint);
        let answered = false;
        try {
          const response = await fetch(url, init);
          answered = true;
          return response;
        } catch (error) {
          // An HTTP error answer (a status) is still an answer: the endpoint is responsive.
          answered = typeof (error as { status?: unknown }).status === 'number';
          throw error;
        } finally {
          finish(endpoint, flight, answered);
        }
      };
    },
    get active() {
      return counted;
    },
  };
}
