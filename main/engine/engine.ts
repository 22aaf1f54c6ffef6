/**
 * The token engine: accounts, renewals and their schedule. One timer for everything (never more
 * than a minute, compared against the wall clock), single flight per account, a cap on concurrent
 * token requests in total and per token endpoint, backoff on transient failures, and a store write
 * before any new token is handed out. This file wires the parts together and holds the Engine's
 * methods: context.ts is what the parts share, account-state.ts each account's runtime and views,
 * records.ts what the store keeps, renewal.ts and scheduler.ts the renewals and their timer,
 * limiter.ts the request slots, test-connection.ts the dry run.
 */
import {
  emitState,
  install,
  needsPastedToken,
  newRuntime,
  presetOf,
  renewable,
  viewOf,
  type Runtime,
} from './account-state.js';
import { ACCOUNT_NAME_PATTERN, DEFAULTS } from './accounts/fields.js';
import {
  splitSecrets,
  validateAccountInput,
  validateImportFile,
  type AccountDefinition,
} from './accounts/schema.js';
import { systemClock } from './clock.js';
import { requireStore, type EngineContext } from './context.js';
import {
  CliAccessDeniedError,
  NoSuchAccountError,
  SETTINGS_CHANGED,
  TokenError,
  toErrorInfo,
  ValidationError,
} from './errors.js';
import { createCircuitBreakers } from './circuit.js';
import { createGuardedFetch, DEFAULT_TIMEOUT_MS } from './http.js';
import { createLimiter, DEFAULT_ENDPOINT_SHARE, DEFAULT_TOTAL_SLOTS } from './limiter.js';
import { redactErrorInfo, redactionList, silentLogger, type Logger } from './log.js';
import { noSignInMessage } from './views.js';
import { isPreset, signInKindOf } from './presets/index.js';
import { flowFor, type FlowContext } from './providers/index.js';
import { appendActivity, exportEntry, open, recordFor, storedTokenFor } from './records.js';
import { createRenewer, DEFAULT_MIN_VALID_MS, type MinValid } from './renewal.js';
import { createScheduler } from './scheduler.js';
import { AccountStore, type AccountRecord } from './store.js';
import { createSignInSlots, runSignIn, type SignInDeps } from './sign-in.js';
import {
  createSpentRefreshTokens,
  isInteractiveDefinition,
  runConnectionTest,
  signInKey,
  usesRefreshGrant,
} from './test-connection.js';
import type {
  AccountView,
  ActivityEntry,
  ActivityKind,
  Cipher,
  Clock,
  Engine,
  EngineEvent,
  FetchLike,
  IssuedToken,
  TokenRequestOptions,
  TestResult,
  TokenPurpose,
} from './types.js';

/** What a token request asks for when it names no minimum validity. */
const DEFAULT_MIN_VALID: MinValid = Object.freeze({ ms: DEFAULT_MIN_VALID_MS, explicit: false });

export interface EngineOptions {
  dataDir: string;
  cipher: Cipher;
  fetch?: FetchLike;
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  /** Token requests on the wire at once, in total (default 8)… */
  maxConcurrentRenewals?: number;
  /** …and to one token endpoint, beyond what it may borrow while it answers promptly (default 2). */
  maxConcurrentPerEndpoint?: number;
  /** A request unanswered this long makes its endpoint give back the slots it borrowed (default 2 s). */
  stallMs?: number;
  requestTimeoutMs?: number;
  /** `notifyBeforeSeconds` for accounts that set none (CONTRACT §1 default: 600). */
  defaultNotifyBeforeSeconds?: number;
  /** False keeps secrets and tokens in memory only (weak OS protection the user did not accept). */
  persistSecrets?: boolean;
  /** Opens the system browser for a browser sign-in (the tray app: shell.openExternal). */
  openBrowser?: (url: string) => Promise<void>;
  /** Bound on a browser sign-in (default 5 min). */
  signInTimeoutMs?: number;
}

/** Creates the engine; call `start()` to load the store and begin scheduling. */
export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger;
  const cipher = options.cipher;
  const listeners = new Set<(event: EngineEvent) => void>();
  const ctx: EngineContext = {
    clock,
    random: options.random ?? Math.random,
    log,
    cipher,
    runtimes: new Map<string, Runtime>(),
    store: null,
    paused: false,
    stopped: false,
    defaultNotifyBeforeSeconds: options.defaultNotifyBeforeSeconds ?? DEFAULTS.notifyBeforeSeconds,
    persistSoon: () => scheduleFlush(),
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          log.error('event listener failed', { error: (error as Error).message });
        }
      }
    },
  };
  const { runtimes } = ctx;
  /**
   * Aborted by stop(): no new token request is sent. One already on the wire is waited for (its
   * answer may hold a rotated refresh token), bounded by the request timeout.
   */
  let stopping = new AbortController();
  const guardedFetch = createGuardedFetch({
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    now: () => clock.now(),
    stopSignal: () => stopping.signal,
  });
  const breakers = createCircuitBreakers(() => clock.now());
  const limited = createLimiter({
    total: options.maxConcurrentRenewals ?? DEFAULT_TOTAL_SLOTS,
    share: options.maxConcurrentPerEndpoint ?? DEFAULT_ENDPOINT_SHARE,
    stallMs: options.stallMs,
    stopSignal: () => stopping.signal,
  }).wrap(guardedFetch);
  const flowContext: FlowContext = {
    fetch: breakers.wrap(limited, 'enforce'),
    now: () => clock.now(),
    discoveryCache: new Map(),
  };
  // What a person asked for goes out even to an endpoint whose circuit is open.
  const interactiveFlowContext: FlowContext = {
    ...flowContext,
    fetch: breakers.wrap(limited, 'observe'),
  };
  // Test connection is one request a person waits for: it takes no renewal slot.
  const testFlowContext: FlowContext = { ...flowContext, fetch: breakers.wrap(guardedFetch, 'observe') };
  const renewer = createRenewer(ctx, {
    flowContext,
    interactiveFlowContext,
    afterFlight: () => scheduler.planNext(),
  });
  const scheduler = createScheduler(ctx, renewer);
  const spentInTests = createSpentRefreshTokens();
  // A sign-in is something a person waits for: like Test connection, it takes no renewal slot.
  const signInDeps: SignInDeps = {
    fetch: testFlowContext.fetch,
    ...(options.openBrowser ? { openBrowser: options.openBrowser } : {}),
    ...(options.signInTimeoutMs === undefined ? {} : { timeoutMs: options.signInTimeoutMs }),
  };
  const signInSlots = createSignInSlots();

  /**
   * When the form's refresh token was spent by Test connection, the account starts from what that
   * test got back (the spent token may be dead already). True when it did.
   */
  async function adoptTestedToken(definition: AccountDefinition, record: AccountRecord): Promise<boolean> {
    const typed = usesRefreshGrant(definition) ? splitSecrets(definition).secrets.refreshToken : undefined;
    // A sign-in by Test connection is kept under the connection's settings (no secret to key on).
    const key = typed ?? (isInteractiveDefinition(definition) ? signInKey(definition) : undefined);
    const obtained = key === undefined ? null : spentInTests.take(key, clock.now());
    if (!obtained) return false;
    record.token = await storedTokenFor(
      cipher,
      typed === undefined ? obtained : { ...obtained, grant: 'refresh_token' },
      null,
      { settings: record.settings },
    );
    record.lastRefreshAt = record.token.obtainedAt;
    record.error = null;
    appendActivity(record, 'renewed', 'token from Test connection kept', clock.now());
    return true;
  }
  let cancelFlush: (() => void) | null = null;

  /** Accounts waiting for a secret that would not decrypt try it again now (start, resume, unlock). */
  function recheckLockedAccounts() {
    for (const rt of runtimes.values())
      if (rt.record.error?.code === 'locked_secret') renewer.recheckLocked(rt, true).catch(() => {});
  }

  /** The account saved as `name`, or under the same name ignoring case. */
  const lookup = (name: string): Runtime | undefined =>
    runtimes.get(name) ?? runtimes.get(requireStore(ctx).findName(name) ?? '');
  const find = (name: string): Runtime => {
    const runtime = lookup(name);
    if (!runtime) throw new NoSuchAccountError(name, [...runtimes.keys()]);
    return runtime;
  };
  const currentView = (rt: Runtime, now = clock.now()) => viewOf(rt, now, ctx);

  /** Validates an input for a new account or an edit of `existing`, name clashes included. */
  function check(input: unknown, existing: Runtime | undefined) {
    const outcome = validateAccountInput(input, {
      storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
    });
    if (!outcome.ok) return outcome;
    const clash = ctx.store?.findName(outcome.definition.name);
    if (clash && clash !== existing?.name) {
      const issue = {
        account: outcome.definition.name,
        field: 'name',
        message: `is already used by the account "${clash}"`,
      };
      return { ok: false as const, issues: [issue] };
    }
    return outcome;
  }

  /** Puts a written record in place, tells listeners, and fetches a token when it was reset. */
  function installWritten(name: string, record: AccountRecord, resetToken: boolean, previous?: Runtime) {
    const rt = install(ctx, name, record, resetToken, previous);
    if (resetToken) rt.accessToken = null;
    if (!previous) ctx.emit({ type: 'added', name });
    emitState(ctx, rt);
    if (resetToken && ((renewable(rt) && !ctx.paused) || needsPastedToken(rt)))
      renewer.renew(rt, 'manual').catch(() => {});
    return rt;
  }

  /** The account a token request names, once it may have one (CLI access), and what it asks for. */
  function tokenRequest(name: string, opts: TokenRequestOptions) {
    const rt = find(name);
    const purpose = opts.purpose ?? 'manual';
    if (purpose === 'cli' && rt.record.settings.cliAccess !== true) throw new CliAccessDeniedError(rt.name);
    const minValid: MinValid =
      opts.minValidSeconds === undefined
        ? DEFAULT_MIN_VALID
        : { ms: Math.max(0, opts.minValidSeconds) * 1000, explicit: true };
    return { rt, purpose, minValid, rejected: opts.rejected === true };
  }

  /** Hands `token` out: recorded in the account's activity (saved with the next write). */
  function issue(rt: Runtime, purpose: TokenPurpose, token: string): IssuedToken {
    const kind = ACTIVITY_OF[purpose];
    appendActivity(
      rt.record,
      kind,
      purpose === 'cli' ? 'token handed to a script' : `token ${kind}`,
      clock.now(),
    );
    scheduleFlush();
    return {
      name: rt.name,
      accessToken: token,
      tokenType: rt.record.token?.tokenType ?? 'bearer',
      expiresAt: rt.record.token?.expiresAt ?? null,
    };
  }

  const ACTIVITY_OF: Record<TokenPurpose, ActivityKind> = {
    cli: 'served',
    copy: 'copied',
    reveal: 'revealed',
    scheduler: 'served',
    manual: 'served',
  };

  /** Activity that needs no write of its own is flushed with the next write or within 2 s. */
  function scheduleFlush() {
    if (cancelFlush || ctx.stopped) return;
    cancelFlush = clock.at(clock.now() + 2000, () => {
      cancelFlush = null;
      writeAll();
    });
  }

  function writeAll() {
    if (!ctx.store) return;
    // A record the store refused before is written by its own retry (renewal.ts), not here.
    const saving = [...runtimes.values()].filter((rt) => !rt.pendingWrite);
    try {
      ctx.store.write({ put: saving.map((rt) => [rt.name, rt.record]) });
      for (const rt of saving) rt.unsaved = false;
    } catch (error) {
      log.error('could not save activity', { error: (error as Error).message });
    }
  }

  // ---------- the Engine ----------

  // What the user must hear about the store as it was found at start (a file moved aside, secrets
  // another program encrypted), and the records it left unloaded (a preset this version does not
  // know), each with its notice: removing one takes its notice with it.
  let storeNotices: string[] = [];
  const setAside = new Map<string, string>();

  const engine: Engine = {
    async start() {
      const opened = AccountStore.open(options.dataDir, {
        persistSecrets: options.persistSecrets,
        now: () => clock.now(),
      });
      const store = (ctx.store = opened.store);
      for (const warning of opened.warnings) log.warn(warning);
      storeNotices = [...opened.warnings];
      setAside.clear();
      for (const name of store.names()) {
        const record = store.get(name);
        if (!record) continue;
        if (!isPreset(record.settings.preset)) {
          // One record this version cannot serve (a newer version's preset, a hand edit) must not
          // stop every other account: it is left in the store as it is, and said so.
          const unknown = `account "${name}" is kept in the store but not loaded: its preset ${JSON.stringify(record.settings.preset).slice(0, 66)} is unknown to this version of Tokentray (written by a newer one?); update Tokentray, or import the account again to replace it${ACCOUNT_NAME_PATTERN.test(name) ? `, or remove it (tokentray remove ${name})` : ''}`;
          setAside.set(name, unknown);
          log.warn(unknown);
          continue;
        }
        runtimes.set(name, newRuntime(ctx, name, record));
      }
      const foreign = foreignSecrets([...runtimes.values()]);
      if (foreign !== null) {
        storeNotices.push(foreign);
        log.warn(foreign);
      }
      ctx.stopped = false;
      stopping = new AbortController();
      log.info('store loaded', { accounts: runtimes.size, path: store.path });
      recheckLockedAccounts();
      scheduler.tick();
    },

    async stop() {
      ctx.stopped = true;
      scheduler.cancel();
      signInSlots.abortAll(
        new TokenError(
          'stopped',
          'Tokentray is stopping: the sign-in was not finished; start it again',
          'transient',
        ),
      );
      // Nothing new goes out; requests on the wire finish (or time out) and their tokens are saved.
      stopping.abort();
      // Only unsaved activity needs a write: a stop must not rewrite a store it did not change (B4).
      const unsaved = cancelFlush !== null || [...runtimes.values()].some((rt) => rt.unsaved);
      cancelFlush?.();
      cancelFlush = null;
      await Promise.allSettled([...runtimes.values()].map((rt) => rt.inFlight));
      if (unsaved) writeAll();
    },

    list() {
      const now = clock.now();
      return [...runtimes.values()].map((rt) => currentView(rt, now));
    },

    view(name) {
      const rt = ctx.store ? lookup(name) : runtimes.get(name);
      return rt ? currentView(rt) : undefined;
    },

    validate(input, opts = {}) {
      const existing = opts.originalName ? runtimes.get(opts.originalName) : undefined;
      return check(input, existing).issues;
    },

    async saveAccount(input, opts = {}) {
      const existing = opts.originalName ? find(opts.originalName) : undefined;
      const outcome = check(input, existing);
      if (!outcome.ok) throw new ValidationError(outcome.issues);
      const definition = outcome.definition;
      const { record, resetToken } = await recordFor(ctx, definition, existing, 'edit');
      appendActivity(record, 'saved', existing ? 'settings changed' : 'account added', clock.now());
      const tested = resetToken && (await adoptTestedToken(definition, record));
      const removed = existing && existing.name !== definition.name ? [existing.name] : [];
      requireStore(ctx).write({ put: [[definition.name, record]], remove: removed });
      for (const name of removed) runtimes.delete(name);
      const rt = installWritten(definition.name, record, resetToken && !tested, existing);
      if (tested) rt.accessToken = null; // read from the record: the tested token, not an older one
      scheduler.planNext();
      return currentView(rt);
    },

    async importAccounts(file) {
      const checked = validateImportFile(file);
      if (!checked.ok) throw new ValidationError(checked.issues);
      const prepared: {
        name: string;
        previous: Runtime | undefined;
        record: AccountRecord;
        resetToken: boolean;
        remove: string | null;
      }[] = [];
      for (const definition of checked.definitions) {
        const existingName = requireStore(ctx).findName(definition.name);
        const previous = existingName ? runtimes.get(existingName) : undefined;
        const { record, resetToken } = await recordFor(ctx, definition, previous, 'replace');
        appendActivity(record, 'imported', previous ? 'replaced by import' : 'added by import', clock.now());
        prepared.push({
          name: definition.name,
          previous,
          record,
          resetToken,
          remove: existingName && existingName !== definition.name ? existingName : null,
        });
      }
      requireStore(ctx).write({
        put: prepared.map((p) => [p.name, p.record]),
        remove: prepared.flatMap((p) => (p.remove ? [p.remove] : [])),
      });
      const views: AccountView[] = [];
      for (const p of prepared) {
        if (p.remove) runtimes.delete(p.remove);
        views.push(currentView(installWritten(p.name, p.record, p.resetToken, p.previous)));
      }
      scheduler.planNext();
      log.info('imported', { accounts: views.length });
      return views;
    },

    async exportAccounts({ includeSecrets }) {
      const accounts: Record<string, unknown>[] = [];
      for (const rt of runtimes.values()) accounts.push(await exportEntry(cipher, rt, includeSecrets));
      return { accounts };
    },

    async removeAccount(name) {
      const rt = lookup(name);
      if (!rt) {
        // A record set aside at start (its preset unknown here) can still be removed by its name.
        const store = requireStore(ctx);
        const stored = store.findName(name);
        if (stored === undefined || runtimes.has(stored)) return null;
        store.write({ remove: [stored] });
        setAside.delete(stored);
        log.info('removed', { account: stored, loaded: false });
        return stored;
      }
      requireStore(ctx).write({ remove: [rt.name] });
      runtimes.delete(rt.name);
      ctx.emit({ type: 'removed', name: rt.name });
      scheduler.planNext();
      log.info('removed', { account: rt.name });
      return rt.name;
    },

    async setCliAccess(name, enabled) {
      const rt = find(name);
      rt.record = {
        ...rt.record,
        settings: { ...rt.record.settings, cliAccess: enabled },
        updatedAt: new Date(clock.now()).toISOString(),
      };
      requireStore(ctx).write({ put: [[rt.name, rt.record]] });
      emitState(ctx, rt);
      return currentView(rt);
    },

    async token(name, opts = {}) {
      const { rt, purpose, minValid, rejected } = tokenRequest(name, opts);
      const token =
        renewer.heldToken(rt, minValid, rejected) ??
        (await renewer.validToken(rt, purpose, minValid, rejected));
      return issue(rt, purpose, token);
    },

    heldToken(name, opts = {}) {
      const { rt, purpose, minValid, rejected } = tokenRequest(name, opts);
      const token = renewer.heldToken(rt, minValid, rejected);
      return token === null ? null : issue(rt, purpose, token);
    },

    async refresh(name) {
      const rt = find(name);
      if (!flowFor(presetOf(rt)).renewable) {
        if (!rt.record.token) await renewer.renew(rt, 'manual');
        return currentView(rt);
      }
      if (rt.inFlight) await rt.inFlight.catch(() => {});
      await renewer.renew(rt, 'manual');
      return currentView(rt);
    },

    async testConnection(input, opts = {}): Promise<TestResult> {
      const existing = opts.originalName ? runtimes.get(opts.originalName) : undefined;
      const { originalName: _name, ...signIn } = opts;
      const slot = signInSlots.begin(`test:${opts.originalName ?? ''}`, opts.signal);
      try {
        return await runConnectionTest(
          { flowContext: testFlowContext, cipher, spent: spentInTests, signIn: signInDeps },
          input,
          existing,
          { ...signIn, signal: slot.signal },
        );
      } finally {
        slot.end();
      }
    },

    async signIn(name, opts = {}) {
      const rt = find(name);
      const preset = presetOf(rt);
      // Its values were sealed for other settings: a sign-in would go where they now point.
      if (rt.record.error?.code === SETTINGS_CHANGED) {
        throw new TokenError(SETTINGS_CHANGED, rt.record.error.message, 'config');
      }
      if (signInKindOf(preset, rt.record.settings) === null) {
        throw new TokenError(
          'not_interactive',
          noSignInMessage(rt.name, rt.record.settings, `use Renew now (tokentray refresh ${rt.name})`),
          'config',
        );
      }
      const slot = signInSlots.begin(rt.name.toLowerCase(), opts.signal);
      const known: string[] = [];
      try {
        const envelope = rt.record.secrets.clientSecret;
        const clientSecret = envelope ? await open(cipher, rt, 'clientSecret', envelope) : undefined;
        if (clientSecret !== undefined) known.push(clientSecret);
        log.info('sign-in started', {
          account: rt.name,
          kind: signInKindOf(preset, rt.record.settings) ?? '',
        });
        const obtained = await runSignIn(signInDeps, preset, rt.record.settings, clientSecret, {
          ...opts,
          signal: slot.signal,
          onEvent(event) {
            // What the person must do is in the log too (the headless agent's only screen).
            if (event.stage === 'device-code')
              log.info('sign-in: enter the code at the link', {
                account: rt.name,
                link: event.verificationUri,
                code: event.userCode,
                expiresAt: event.expiresAt,
              });
            else if (event.stage === 'waiting-for-browser')
              log.info('sign-in: waiting for the browser', {
                account: rt.name,
                browserOpened: event.browserOpened,
                redirectUri: event.redirectUri,
              });
            opts.onEvent?.(event);
          },
        });
        known.push(obtained.accessToken);
        if (obtained.refreshToken) known.push(obtained.refreshToken);
        // Kept as a renewal's token is (renewal.ts adopt): persisted before use, an account changed
        // or removed meanwhile left alone, a token expired on arrival never handed out.
        await renewer.adopt(rt, obtained);
        if (obtained.refreshToken === null)
          log.warn(
            'signed in, but the server issued no refresh token: sign in again when the token expires',
            {
              account: rt.name,
              hint: 'add offline_access to the scope (some servers also need prompt=consent in extraParams)',
            },
          );
        emitState(ctx, rt);
        scheduler.planNext();
        return currentView(rt);
      } catch (caught) {
        if (lookup(rt.name) === rt) emitState(ctx, rt);
        // Cancelled by a newer sign-in or by stop(): say that, not "cancelled" (the person's Cancel).
        const reason: unknown = slot.signal.reason;
        const error =
          slot.signal.aborted && !opts.signal?.aborted && reason instanceof TokenError ? reason : caught;
        // Browser and device sign-in default to client_secret_basic: its Base64 forms too.
        const info = redactErrorInfo(toErrorInfo(error), redactionList(rt.record.settings, known));
        log.warn('sign-in failed', { account: rt.name, code: info.code, message: info.message });
        if (error instanceof TokenError) throw error.withText(info.message, info.serverMessage, info.code);
        throw error;
      } finally {
        slot.end();
      }
    },

    activity(name): ActivityEntry[] {
      return [...find(name).record.activity];
    },

    reconcile() {
      if (!ctx.store || ctx.stopped) return;
      // Resumed, unlocked or back online: what failed before says little about the network now.
      breakers.reset();
      // An unlocked keyring may read the secrets it could not read before.
      recheckLockedAccounts();
      scheduler.cancel();
      scheduler.tick();
    },

    setPaused(value) {
      ctx.paused = value;
      log.info(value ? 'renewals paused' : 'renewals resumed');
      for (const rt of runtimes.values()) emitState(ctx, rt);
      engine.reconcile();
    },

    get paused() {
      return ctx.paused;
    },

    get setAside() {
      return [...setAside.keys()];
    },
    get notices() {
      return [...storeNotices, ...setAside.values()];
    },

    configure(settings) {
      if (settings.defaultNotifyBeforeSeconds !== undefined) {
        ctx.defaultNotifyBeforeSeconds = Math.max(0, Math.floor(settings.defaultNotifyBeforeSeconds));
        for (const rt of runtimes.values()) emitState(ctx, rt);
      }
    },

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return engine;
}

/**
 * Accounts whose stored secrets another cipher wrote (the headless agent's passphrase, another
 * computer's keyring): they stay in the file untouched, and each asks for its secrets again here.
 */
function foreignSecrets(runtimes: Runtime[]): string | null {
  const locked = runtimes.filter((rt) => rt.lockedSecrets.size > 0);
  if (locked.length === 0) return null;
  const writers = new Set(locked.flatMap((rt) => Object.values(rt.record.secrets).map((e) => e.c)));
  const names = locked.map((rt) => rt.name);
  const shown =
    names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  const byAgent = [...writers].some((c) => c.startsWith('passphrase'));
  return (
    `${locked.length === 1 ? 'The secrets of 1 account' : `The secrets of ${locked.length} accounts`} (${shown}) ` +
    `were stored by ${byAgent ? 'the headless agent (encrypted with its passphrase)' : 'another installation'} ` +
    'and cannot be read here. They are kept in the file unchanged; enter them again under Edit to use these accounts here.'
  );
}
