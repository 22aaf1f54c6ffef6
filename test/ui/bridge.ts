/**
 * The UI test bridge: `window.tokentray` in the page is the REAL request handlers over the REAL
 * engine running in this Node process, behind the same contract the preload exposes. Requests go
 * through `page.exposeBinding`; engine events are pushed back with `page.evaluate`. Everything
 * that crosses into the page is recorded so tests can prove no secret ever did.
 *
 * One page serves a whole test file (a new Chromium page costs about a second): each test attaches
 * its own engine and handlers, then reloads the window.
 */
import type { Page } from 'playwright-core';
import {
  pushSubscriberNames,
  requestChannels,
  type PushName,
  type Pushes,
  type RequestHandlers,
  type RequestName,
} from '../../preload/contract.js';
import type { Engine } from '../../main/engine/types.js';

/** One request as the page made it and what it got back. */
export interface BridgeCall {
  method: RequestName;
  args: unknown[];
  result?: unknown;
  error?: string;
}

export interface Bridge {
  /** Every request the page made, in order. */
  calls: BridgeCall[];
  /** Every push delivered to the page. */
  pushes: { channel: PushName; payload: unknown }[];
  /** Sends a push to the page's listeners now. */
  push<K extends PushName>(channel: K, payload: Pushes[K]): Promise<void>;
  /** Waits until no push is pending (pushes are coalesced). */
  settled(): Promise<void>;
  /** Stops serving this engine: later requests fail, events are no longer pushed. */
  dispose(): void;
}

export interface BridgeHost {
  page: Page;
  /** Serves `handlers` to the page and pushes `engine`'s changes, until the returned bridge is disposed. */
  attach(handlers: RequestHandlers, engine: Engine): Bridge;
}

const METHODS = Object.keys(requestChannels) as RequestName[];
const BINDING = '__tokentrayInvoke';
const PUSH = '__tokentrayPush';

/** The page side: builds a frozen `window.tokentray` from the contract's names. Runs before any page script. */
function pageApi({
  methods,
  subscribers,
  binding,
  push,
}: {
  methods: string[];
  subscribers: Record<string, string>;
  binding: string;
  push: string;
}): void {
  const w = window as unknown as Record<string, unknown>;
  // Looked up per call: the binding may be installed after this script runs. Values cross as JSON
  // text (what they are over IPC too): Playwright serialises one string far faster than 1,000 objects.
  const replies: { method: string; at: number }[] = [];
  Object.defineProperty(window, '__tokentrayReplies', { value: replies });
  const invoke = async (method: string, args: unknown[]) => {
    const reply = await (w[binding] as (m: string, a: string) => Promise<string>)(
      method,
      JSON.stringify(args),
    );
    replies.push({ method, at: performance.now() }); // for the benchmark: when the data arrived
    return reply === undefined ? undefined : JSON.parse(reply);
  };
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const api: Record<string, unknown> = {};
  for (const method of methods) api[method] = (...args: unknown[]) => invoke(method, args);
  for (const [channel, subscriber] of Object.entries(subscribers)) {
    listeners.set(channel, new Set());
    api[subscriber] = (listener: (payload: unknown) => void) => {
      listeners.get(channel)?.add(listener);
      return () => listeners.get(channel)?.delete(listener);
    };
  }
  Object.defineProperty(window, push, {
    value: (channel: string, json: string) => {
      const payload: unknown = JSON.parse(json);
      listeners.get(channel)?.forEach((listener) => listener(payload));
    },
  });
  Object.defineProperty(window, 'tokentray', { value: Object.freeze(api) });
}

interface Target {
  handlers: RequestHandlers;
  calls: BridgeCall[];
}

/** Installs the binding and the init script on a page before it first navigates. */
export async function createBridgeHost(page: Page): Promise<BridgeHost> {
  let target: Target | null = null;

  await page.exposeBinding(BINDING, async (_source, method: unknown, argsJson: unknown) => {
    const current = target;
    if (!current) throw new Error('no engine attached to the test bridge');
    const args: unknown = typeof argsJson === 'string' ? JSON.parse(argsJson) : null;
    if (typeof method !== 'string' || !METHODS.includes(method as RequestName) || !Array.isArray(args)) {
      throw new Error(`not a request of the contract: ${String(method)}`);
    }
    const call: BridgeCall = { method: method as RequestName, args };
    current.calls.push(call);
    try {
      const handler = current.handlers[method as RequestName] as (...a: unknown[]) => Promise<unknown>;
      call.result = await handler(...args);
      return JSON.stringify(call.result);
    } catch (error) {
      call.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  });
  // tsx (esbuild with keepNames) wraps functions in `__name(...)`; functions sent to the page need it too.
  await page.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  await page.addInitScript(pageApi, {
    methods: METHODS,
    subscribers: pushSubscriberNames as Record<string, string>,
    binding: BINDING,
    push: PUSH,
  });

  function attach(handlers: RequestHandlers, engine: Engine): Bridge {
    const mine: Target = { handlers, calls: [] };
    target = mine;
    const pushes: Bridge['pushes'] = [];
    let live = true;

    async function push<K extends PushName>(channel: K, payload: Pushes[K]): Promise<void> {
      if (!live || page.isClosed()) return;
      pushes.push({ channel, payload });
      await page
        .evaluate(
          ({ name, channelName, json }) => {
            const deliver = (window as unknown as Record<string, (c: string, p: string) => void>)[name];
            deliver?.(channelName, json);
          },
          { name: PUSH, channelName: channel as string, json: JSON.stringify(payload) },
        )
        .catch(() => {
          // The page navigated or closed mid-push: nothing is listening any more.
        });
    }

    // Engine events come in bursts (an import of 1,000 accounts): one list per burst, as main's IPC layer sends.
    let pending: Promise<void> | null = null;
    const off = engine.on(() => {
      pending ??= new Promise<void>((resolve) => setTimeout(resolve, 15)).then(async () => {
        pending = null;
        await push('accountsChanged', engine.list());
      });
    });

    return {
      calls: mine.calls,
      pushes,
      push,
      settled: async () => {
        while (pending) await pending;
      },
      dispose() {
        live = false;
        off();
        if (target === mine) target = null;
      },
    };
  }

  return { page, attach };
}
