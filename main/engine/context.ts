/** What the engine's parts share: the ports it was given, its accounts, and its engine-wide switches. */
import type { Runtime } from './account-state.js';
import { StoreError } from './errors.js';
import type { Logger } from './log.js';
import type { AccountStore } from './store.js';
import type { Cipher, Clock, EngineEvent } from './types.js';

export interface EngineContext {
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly cipher: Cipher;
  /** Every account, by the name it is saved under. */
  readonly runtimes: Map<string, Runtime>;
  /** Null until `start()` opens it. */
  store: AccountStore | null;
  paused: boolean;
  stopped: boolean;
  /** `notifyBeforeSeconds` for accounts that set none. */
  defaultNotifyBeforeSeconds: number;
  /** Writes every record within a few seconds (changes that need no write of their own). */
  persistSoon(): void;
  /** Tells every listener; a listener that throws is logged, never lets the others miss out. */
  emit(event: EngineEvent): void;
}

/** The open store; throws before `start()`. */
export function requireStore(ctx: EngineContext): AccountStore {
  if (!ctx.store) throw new StoreError('io', 'the engine is not started');
  return ctx.store;
}
