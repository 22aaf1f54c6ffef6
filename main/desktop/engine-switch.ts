/**
 * An Engine that can be swapped for another at run time, for the one case that needs it: the user
 * accepts weak (obfuscation-only) storage, so the memory-only engine is replaced by one that
 * persists, and the accounts with their in-memory secrets are carried over.
 */
import { toErrorInfo } from '../engine/errors.js';
import type { Engine, EngineEvent } from '../engine/types.js';

export interface SwitchableEngine extends Engine {
  /** Stops the current engine and continues with `next`, importing the accounts and secrets it held. */
  switchTo(next: Engine): Promise<void>;
}

/** Wraps `initial`; every caller keeps this one reference across switches. */
export function createSwitchableEngine(initial: Engine, log: (message: string) => void): SwitchableEngine {
  let current = initial;
  const listeners = new Set<(event: EngineEvent) => void>();
  const forward = (event: EngineEvent): void => listeners.forEach((listener) => listener(event));
  let unsubscribe = current.on(forward);
  let configured: Parameters<Engine['configure']>[0] = {};
  let switching: Promise<void> = Promise.resolve();
  let stopped = false;

  return {
    start: () => {
      stopped = false;
      return current.start();
    },
    // A switch under way finishes (or, stopped in between, gives up) before the engine stops.
    stop: async () => {
      stopped = true;
      await switching;
      await current.stop();
    },
    list: () => current.list(),
    view: (name) => current.view(name),
    validate: (input, opts) => current.validate(input, opts),
    saveAccount: (input, opts) => current.saveAccount(input, opts),
    importAccounts: (file) => current.importAccounts(file),
    exportAccounts: (opts) => current.exportAccounts(opts),
    removeAccount: (name) => current.removeAccount(name),
    setCliAccess: (name, enabled) => current.setCliAccess(name, enabled),
    token: (name, opts) => current.token(name, opts),
    heldToken: (name, opts) => current.heldToken(name, opts),
    refresh: (name) => current.refresh(name),
    testConnection: (input, opts) => current.testConnection(input, opts),
    signIn: (name, opts) => current.signIn(name, opts),
    activity: (name) => current.activity(name),
    reconcile: () => current.reconcile(),
    setPaused: (paused) => current.setPaused(paused),
    configure: (settings) => {
      configured = { ...configured, ...settings };
      current.configure(settings);
    },
    get paused() {
      return current.paused;
    },
    get setAside() {
      return current.setAside;
    },
    get notices() {
      return current.notices;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    switchTo(next) {
      // One switch at a time (a keyring that answered late, the user accepting weak storage), and
      // none once the app is stopping: a second engine left running would spend refresh tokens.
      const run = async (): Promise<void> => {
        if (stopped) return;
        const paused = current.paused;
        // Stopped first, so that a renewal on the wire lands (a rotated refresh token) before the
        // accounts are read out to be carried over.
        await current.stop();
        const carried = await current.exportAccounts({ includeSecrets: true });
        if (stopped) return;
        const previous = current;
        unsubscribe();
        current = next;
        unsubscribe = current.on(forward);
        // Paused before it starts: its first tick must not renew what a paused app holds back.
        current.setPaused(paused);
        current.configure(configured);
        try {
          await current.start();
        } catch (error) {
          // The new engine cannot start: the old one goes on, as it was.
          log(`switching engines failed, keeping the one before: ${toErrorInfo(error).message}`);
          unsubscribe();
          current = previous;
          unsubscribe = current.on(forward);
          await current.start();
          current.setPaused(paused);
          throw error;
        }
        // One account at a time, as edits: the new engine loaded the same accounts, so a secret
        // that cannot be carried (locked) stays stored and only that account asks for it again.
        for (const account of carried.accounts) {
          const name = String(account.name);
          try {
            await current.saveAccount(account, { originalName: current.view(name) ? name : undefined });
          } catch (error) {
            log(`carrying "${name}" over failed: ${toErrorInfo(error).message}`);
          }
        }
      };
      const switched = switching.then(run, run);
      switching = switched.catch(() => undefined);
      return switched;
    },
  };
}
