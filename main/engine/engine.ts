/**
 * The token engine: accounts, renewals and their schedule. One timer for everything (never more
 * than a minute, compared against the wall clock), single flight per account, a global cap on
 * concurrent renewals, backoff on transient failures, and a store write before any new token is
 * handed out.
 */
import { isDeepStrictEqual } from 'node:util';
import { secretFieldsOf, DEFAULTS } from './accounts/fields.js';
import {
  splitSecrets,
  validateAccountInput,
  validateImportFile,
  type AccountDefinition,
} from './accounts/schema.js';
import { systemClock } from './clock.js';
import {
  CliAccessDeniedError,
  NoSuchAccountError,
  StoreError,
  TokenError,
  toErrorInfo,
  ValidationError,
} from './errors.js';
import { createGuardedFetch, DEFAULT_TIMEOUT_MS } from './http.js';
import { decodeJwt } from './jwt.js';
import { redact, silentLogger, type Logger } from './log.js';
import { flowFor, type FlowContext, type FlowInput, type ObtainedToken } from './providers/index.js';
import { MAX_TICK_MS, renewAt, retryDelay } from './schedule.js';
import {
  AccountStore,
  type AccountRecord,
  type Envelope,
  type StoredError,
  type StoredToken,
} from './store.js';
import type {
  AccountState,
  AccountView,
  ActivityEntry,
  ActivityKind,
  Cipher,
  Clock,
  Engine,
  EngineEvent,
  FetchLike,
  IssuedToken,
  Preset,
  TestResult,
  TokenPurpose,
} from './types.js';

export interface EngineOptions {
  dataDir: string;
  cipher: Cipher;
  fetch?: FetchLike;
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  maxConcurrentRenewals?: number;
  requestTimeoutMs?: number;
  /** `notifyBeforeSeconds` for accounts that set none (CONTRACT §1 default: 600). */
  defaultNotifyBeforeSeconds?: number;
  /** False keeps secrets and tokens in memory only (weak OS protection the user did not accept). */
  persistSecrets?: boolean;
}

const ACTIVITY_LIMIT = 50;
/** An on-demand request (CLI, copy) retries a failed account at most this often. */
const ON_DEMAND_RETRY_MS = 5_000;
const DEFAULT_MIN_VALID_SECONDS = 60;

/** What the engine knows about one account besides its stored record. */
interface Runtime {
  name: string;
  record: AccountRecord;
  accessToken: string | null;
  inFlight: Promise<void> | null;
  renewDueAt: number | null;
  failures: number;
  lastAttemptAt: number | null;
  lockedSecrets: Set<string>;
  lastState: AccountState | null;
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const parseIso = (value: string | null | undefined) => (value ? Date.parse(value) : null);

/** A counting semaphore: at most `limit` renewals talk to token servers at once. */
function createLimiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Creates the engine; call `start()` to load the store and begin scheduling. */
export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLogger;
  const cipher = options.cipher;
  const limit = createLimiter(options.maxConcurrentRenewals ?? 8);
  const flowContext: FlowContext = {
    fetch: createGuardedFetch({
      fetch: options.fetch ?? globalThis.fetch,
      timeoutMs: options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      now: () => clock.now(),
    }),
    now: () => clock.now(),
    discoveryCache: new Map(),
  };

  let store: AccountStore | null = null;
  const runtimes = new Map<string, Runtime>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let cancelTimer: (() => void) | null = null;
  let cancelFlush: (() => void) | null = null;
  let paused = false;
  let stopped = false;

  // ---------- helpers ----------

  const emit = (event: EngineEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error('event listener failed', { error: (error as Error).message });
      }
    }
  };

  const requireStore = (): AccountStore => {
    if (!store) throw new StoreError('io', 'the engine is not started');
    return store;
  };

  const find = (name: string): Runtime => {
    const runtime = runtimes.get(name) ?? runtimes.get(requireStore().findName(name) ?? '');
    if (!runtime) throw new NoSuchAccountError(name, [...runtimes.keys()]);
    return runtime;
  };

  const preset = (rt: Runtime) => rt.record.settings.preset as Preset;
  const expiresAtOf = (rt: Runtime) => parseIso(rt.record.token?.expiresAt);
  let defaultNotifyBeforeSeconds = options.defaultNotifyBeforeSeconds ?? DEFAULTS.notifyBeforeSeconds;
  const notifyBeforeMs = (rt: Runtime) =>
    Number(rt.record.settings.notifyBeforeSeconds ?? defaultNotifyBeforeSeconds) * 1000;
  const needsUser = (rt: Runtime) =>
    rt.lockedSecrets.size > 0 || (rt.record.error !== null && rt.record.error.kind !== 'transient');
  const renewable = (rt: Runtime) => flowFor(preset(rt)).renewable && !needsUser(rt);
  /** A pasted token is read (no request) as soon as it is saved or loaded, so its expiry shows at once. */
  const needsPastedToken = (rt: Runtime) =>
    preset(rt) === 'static' &&
    !rt.inFlight &&
    rt.record.token === null &&
    rt.record.error === null &&
    rt.lockedSecrets.size === 0 &&
    rt.record.secrets.token !== undefined;

  function stateOf(rt: Runtime, now: number): AccountState {
    if (rt.inFlight) return 'refreshing';
    if (rt.record.error) return 'error';
    if (!rt.record.token) return 'expired';
    const expiresAt = expiresAtOf(rt);
    if (expiresAt === null) return 'unknown-expiry';
    if (expiresAt <= now) return 'expired';
    if ((!renewable(rt) || paused) && expiresAt - now <= notifyBeforeMs(rt)) return 'expiring';
    return 'valid';
  }

  function viewOf(rt: Runtime, now = clock.now()): AccountView {
    const { record } = rt;
    const settings = { ...record.settings };
    return {
      name: rt.name,
      preset: preset(rt),
      label: typeof settings.label === 'string' ? settings.label : null,
      state: stateOf(rt, now),
      expiresAt: record.token?.expiresAt ?? null,
      lastRefreshAt: record.lastRefreshAt,
      nextRefreshAt: renewable(rt) && !paused ? iso(rt.renewDueAt) : null,
      error: record.error ? record.error.message : null,
      errorCode: record.error?.code ?? null,
      needsUser: needsUser(rt),
      renewable: renewable(rt),
      cliAccess: settings.cliAccess === true,
      notifyBeforeSeconds: notifyBeforeMs(rt) / 1000,
      settings,
      storedSecrets: Object.keys(record.secrets),
      lockedSecrets: [...rt.lockedSecrets],
      tokenType: record.token?.tokenType ?? null,
      scope: record.token?.scope ?? null,
    };
  }

  const changed = (rt: Runtime) => {
    const view = viewOf(rt);
    rt.lastState = view.state;
    emit({ type: 'state', account: view });
  };

  /** Appends to a record's bounded activity log (no secrets: the detail is redacted). */
  function appendActivity(record: AccountRecord, kind: ActivityKind, detail: string) {
    const entry = { at: new Date(clock.now()).toISOString(), kind, detail: redact(detail) };
    record.activity = [...record.activity, entry].slice(-ACTIVITY_LIMIT);
  }
  const addActivity = (rt: Runtime, kind: ActivityKind, detail: string) =>
    appendActivity(rt.record, kind, detail);

  /** Activity that needs no write of its own is flushed with the next write or within 2 s. */
  function scheduleFlush() {
    if (cancelFlush || stopped) return;
    cancelFlush = clock.at(clock.now() + 2000, () => {
      cancelFlush = null;
      writeAll();
    });
  }

  function writeAll() {
    if (!store) return;
    try {
      store.write({ put: [...runtimes.values()].map((rt) => [rt.name, rt.record]) });
    } catch (error) {
      log.error('could not save activity', { error: (error as Error).message });
    }
  }

  async function seal(plain: string): Promise<Envelope> {
    return { c: cipher.id, d: toBase64(await cipher.encrypt(plain)) };
  }

  /** Decrypts an envelope; one written by another cipher (or that fails to open) locks the field. */
  async function open(rt: Runtime, field: string, envelope: Envelope): Promise<string> {
    if (envelope.c !== cipher.id) {
      rt.lockedSecrets.add(field);
      throw new TokenError(
        'locked_secret',
        `the stored ${field} was encrypted by ${envelope.c} and cannot be read with ${cipher.id}; enter it again`,
        'auth',
      );
    }
    try {
      return await cipher.decrypt(Buffer.from(envelope.d, 'base64'));
    } catch {
      rt.lockedSecrets.add(field);
      throw new TokenError(
        'locked_secret',
        `the stored ${field} could not be decrypted; enter it again`,
        'auth',
      );
    }
  }

  /** Reads secrets for a flow; each value read joins `seen`, so an error echoing it can be redacted. */
  function secretReader(
    rt: Runtime | null,
    overrides: Record<string, string>,
    seen: string[] = [],
  ): FlowInput['secret'] {
    return async (field) => {
      const envelope = rt?.record.secrets[field];
      const value = overrides[field] ?? (envelope && rt ? await open(rt, field, envelope) : undefined);
      if (value !== undefined) seen.push(value);
      return value;
    };
  }

  function storedError(error: unknown, known: string[]): StoredError {
    const info = toErrorInfo(error);
    const kind = error instanceof TokenError ? error.kind : 'transient';
    return {
      code: info.code,
      message: redact(info.message, known),
      serverMessage: info.serverMessage === null ? null : redact(info.serverMessage, known),
      status: info.status,
      kind,
      at: new Date(clock.now()).toISOString(),
    };
  }

  function scheduleAfterSuccess(rt: Runtime) {
    const token = rt.record.token;
    const expiresAt = expiresAtOf(rt);
    if (!token || expiresAt === null || !flowFor(preset(rt)).renewable) {
      rt.renewDueAt = null;
      return;
    }
    const before = rt.record.settings.refreshBeforeSeconds;
    rt.renewDueAt = renewAt(Date.parse(token.obtainedAt), expiresAt, {
      refreshBeforeSeconds: typeof before === 'number' ? before : undefined,
      random,
    });
  }

  // ---------- renewal ----------

  async function performRenewal(rt: Runtime, reason: TokenPurpose): Promise<void> {
    const known: string[] = [];
    rt.lastAttemptAt = clock.now();
    try {
      const refresh = rt.record.token?.refresh;
      let refreshToken: string | null = null;
      if (refresh) {
        try {
          refreshToken = await open(rt, 'refreshToken', refresh);
        } catch {
          refreshToken = null;
        }
      }
      if (refreshToken) known.push(refreshToken);
      const obtained = await limit(() =>
        flowFor(preset(rt)).obtain(flowContext, {
          settings: rt.record.settings,
          secret: secretReader(rt, {}, known),
          refreshToken,
        }),
      );
      known.push(obtained.accessToken);
      if (obtained.refreshToken) known.push(obtained.refreshToken);
      await commitToken(rt, obtained, refresh ?? null);
      log.info('renewed', {
        account: rt.name,
        grant: obtained.grant,
        reason,
        expiresAt: iso(obtained.expiresAt) ?? 'unknown',
      });
    } catch (error) {
      // Nothing is recorded for an account that was removed or replaced meanwhile.
      if (!isCurrent(rt)) throw error;
      if (error instanceof StoreError) {
        log.error('could not save the renewed token; it was not handed out', {
          account: rt.name,
          error: error.message,
        });
        throw error;
      }
      const failure = storedError(error, known);
      rt.record.error = failure;
      rt.failures = failure.kind === 'transient' ? rt.failures + 1 : 0;
      const retryAfter = error instanceof TokenError ? error.retryAfterMs : null;
      rt.renewDueAt =
        failure.kind === 'transient' ? clock.now() + retryDelay(rt.failures, random, retryAfter) : null;
      addActivity(rt, 'failed', failure.message);
      log.warn('renewal failed', { account: rt.name, code: failure.code, message: failure.message });
      try {
        await requireStore().commit({ put: [[rt.name, rt.record]] });
      } catch (writeError) {
        log.error('could not save the failure', { account: rt.name, error: (writeError as Error).message });
      }
      throw error instanceof TokenError
        ? new TokenError(error.code, failure.message, error.kind, {
            ...error.extra,
            serverMessage: failure.serverMessage,
          })
        : error;
    }
  }

  /** Persists a new token (and any rotated refresh token) before anyone can use it. */
  async function commitToken(rt: Runtime, obtained: ObtainedToken, previousRefresh: Envelope | null) {
    const usedRefresh = obtained.grant === 'refresh_token';
    const refresh = obtained.refreshToken
      ? await seal(obtained.refreshToken)
      : usedRefresh
        ? previousRefresh // RFC 6749 §6: no new refresh token means the old one stays valid.
        : null;
    const token: StoredToken = {
      access: await seal(obtained.accessToken),
      refresh,
      tokenType: obtained.tokenType,
      scope: obtained.scope,
      obtainedAt: new Date(obtained.obtainedAt).toISOString(),
      expiresAt: iso(obtained.expiresAt),
      expirySource: obtained.expirySource,
      grant: obtained.grant,
    };
    const expiry =
      obtained.expiresAt === null
        ? 'expiry unknown'
        : `expires ${new Date(obtained.expiresAt).toISOString()}`;
    // Built from the record as it is now, not as it was when the request left: the user may have
    // edited the account meanwhile (in place), or removed or replaced it (then the token is dropped).
    const withToken = (base: AccountRecord): AccountRecord => {
      const record: AccountRecord = {
        ...base,
        token,
        lastRefreshAt: token.obtainedAt,
        error: null,
        updatedAt: new Date(clock.now()).toISOString(),
      };
      // Not "grant: expires …": the redaction would take "password: …" for a secret.
      appendActivity(record, 'renewed', `${obtained.grant} grant, ${expiry}`);
      return record;
    };
    if (!isCurrent(rt)) throw superseded(rt);
    const base = rt.record;
    let record = withToken(base);
    await requireStore().commit({ put: [[rt.name, record]] });
    if (!isCurrent(rt) || rt.record !== base) {
      // A change saved while this write was queued was overwritten by it: save the change again.
      const current = runtimes.get(rt.name);
      if (current === rt) record = withToken(rt.record);
      requireStore().write(
        current ? { put: [[rt.name, current === rt ? record : current.record]] } : { remove: [rt.name] },
      );
      if (current !== rt) throw superseded(rt);
    }
    rt.record = record;
    rt.accessToken = obtained.accessToken;
    rt.failures = 0;
    scheduleAfterSuccess(rt);
  }

  /** False once the account was removed, or replaced because its credentials changed. */
  const isCurrent = (rt: Runtime) => runtimes.get(rt.name) === rt;
  const superseded = (rt: Runtime) =>
    new TokenError(
      'superseded',
      `"${rt.name}" was changed or removed while its token was being renewed; that token was dropped`,
      'transient',
    );

  /** Single flight: every caller waiting on this account shares one renewal. */
  function renew(rt: Runtime, reason: TokenPurpose): Promise<void> {
    if (rt.inFlight) return rt.inFlight;
    const flight = performRenewal(rt, reason).finally(() => {
      rt.inFlight = null;
      if (isCurrent(rt)) changed(rt);
      planNext();
    });
    rt.inFlight = flight;
    changed(rt);
    return flight;
  }

  async function currentAccessToken(rt: Runtime): Promise<string | null> {
    if (rt.accessToken) return rt.accessToken;
    const envelope = rt.record.token?.access;
    if (!envelope) return null;
    try {
      rt.accessToken = await open(rt, 'accessToken', envelope);
      rt.lockedSecrets.delete('accessToken');
    } catch {
      // A token that cannot be read is simply renewed; it is not a secret the user typed.
      rt.lockedSecrets.delete('accessToken');
      return null;
    }
    return rt.accessToken;
  }

  // ---------- the single timer ----------

  function tick() {
    cancelTimer = null;
    if (stopped) return;
    const now = clock.now();
    for (const rt of runtimes.values()) {
      const due =
        !paused &&
        renewable(rt) &&
        !rt.inFlight &&
        (rt.renewDueAt === null ? !rt.record.token && rt.record.error === null : rt.renewDueAt <= now);
      if (due || needsPastedToken(rt)) {
        renew(rt, 'scheduler').catch(() => {});
        continue;
      }
      const state = stateOf(rt, now);
      if (state !== rt.lastState) changed(rt);
    }
    planNext();
  }

  function planNext() {
    if (stopped || !store) return;
    const now = clock.now();
    let next = now + MAX_TICK_MS;
    if (!paused) {
      for (const rt of runtimes.values()) {
        if (rt.renewDueAt !== null && !rt.inFlight && renewable(rt) && rt.renewDueAt < next)
          next = rt.renewDueAt;
      }
    }
    cancelTimer?.();
    cancelTimer = clock.at(Math.max(next, now), tick);
  }

  function newRuntime(name: string, record: AccountRecord): Runtime {
    const rt: Runtime = {
      name,
      record,
      accessToken: null,
      inFlight: null,
      renewDueAt: null,
      failures: 0,
      lastAttemptAt: null,
      lockedSecrets: new Set(
        Object.entries(record.secrets)
          .filter(([, envelope]) => envelope.c !== cipher.id)
          .map(([field]) => field),
      ),
      lastState: null,
    };
    scheduleAfterSuccess(rt);
    if (record.error?.kind === 'transient') rt.renewDueAt = clock.now();
    rt.lastState = stateOf(rt, clock.now());
    return rt;
  }

  // ---------- account changes ----------

  function emptyRecord(): AccountRecord {
    const now = new Date(clock.now()).toISOString();
    return {
      settings: {},
      secrets: {},
      token: null,
      lastRefreshAt: null,
      error: null,
      activity: [],
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Builds the record for a validated definition, keeping what the change does not touch. */
  async function recordFor(
    definition: AccountDefinition,
    existing: Runtime | undefined,
    mode: 'edit' | 'replace',
  ): Promise<{ record: AccountRecord; resetToken: boolean }> {
    const { settings, secrets } = splitSecrets(definition);
    const allowed = new Set<string>(secretFieldsOf(definition.preset));
    if (definition.preset === 'oauth2' && settings.clientAuth === 'none') allowed.delete('clientSecret');
    const base = existing?.record ?? emptyRecord();
    const kept: Record<string, Envelope> = {};
    // An edit keeps stored secrets the form leaves out; an import replaces the account whole.
    const keeps = (field: string) => allowed.has(field) && (mode === 'edit' || secrets[field] !== undefined);
    for (const [field, envelope] of Object.entries(base.secrets))
      if (keeps(field) && secrets[field] === undefined) kept[field] = envelope;
    // Changed means a stored secret was dropped or replaced; re-entering the same value is no change.
    let secretsChanged = Object.keys(base.secrets).some((field) => !keeps(field));
    for (const [field, value] of Object.entries(secrets)) {
      const old = base.secrets[field];
      if (old && existing && !existing.lockedSecrets.has(field)) {
        const same = await open(existing, field, old).then(
          (plain) => plain === value,
          () => false,
        );
        if (same) {
          kept[field] = old;
          continue;
        }
      }
      kept[field] = await seal(value);
      secretsChanged = true;
    }
    const connection = (s: Record<string, unknown>) => {
      const {
        label: _l,
        notifyBeforeSeconds: _n,
        cliAccess: _c,
        refreshBeforeSeconds: _r,
        name: _name,
        ...rest
      } = s;
      return rest;
    };
    const resetToken =
      !existing || secretsChanged || !isDeepStrictEqual(connection(base.settings), connection(settings));
    const record: AccountRecord = {
      ...base,
      settings,
      secrets: kept,
      token: resetToken ? null : base.token,
      error: resetToken ? null : base.error,
      updatedAt: new Date(clock.now()).toISOString(),
    };
    return { record, resetToken };
  }

  function install(name: string, record: AccountRecord, resetToken: boolean, previous: Runtime | undefined) {
    if (previous && !resetToken) {
      // Updated in place, not copied: a renewal in flight must land on the runtime that is installed.
      const stillLocked = [...previous.lockedSecrets].filter(
        (field) => field in record.secrets && record.secrets[field] === previous.record.secrets[field],
      );
      Object.assign(previous, { name, record, lockedSecrets: new Set(stillLocked) });
      scheduleAfterSuccess(previous);
      runtimes.set(name, previous);
      return previous;
    }
    const rt = newRuntime(name, record);
    runtimes.set(name, rt);
    return rt;
  }

  // ---------- the Engine ----------

  const engine: Engine = {
    async start() {
      const opened = AccountStore.open(options.dataDir, {
        persistSecrets: options.persistSecrets,
        now: () => clock.now(),
      });
      store = opened.store;
      for (const warning of opened.warnings) log.warn(warning);
      for (const name of store.names()) {
        const record = store.get(name);
        if (record) runtimes.set(name, newRuntime(name, record));
      }
      stopped = false;
      log.info('store loaded', { accounts: runtimes.size, path: store.path });
      tick();
    },

    async stop() {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
      // Only unsaved activity needs a write: a stop must not rewrite a store it did not change (B4).
      const unsaved = cancelFlush !== null;
      cancelFlush?.();
      cancelFlush = null;
      await Promise.allSettled([...runtimes.values()].map((rt) => rt.inFlight));
      if (unsaved) writeAll();
    },

    list() {
      const now = clock.now();
      return [...runtimes.values()].map((rt) => viewOf(rt, now));
    },

    view(name) {
      const rt = runtimes.get(name) ?? (store ? runtimes.get(store.findName(name) ?? '') : undefined);
      return rt ? viewOf(rt) : undefined;
    },

    validate(input, opts = {}) {
      const existing = opts.originalName ? runtimes.get(opts.originalName) : undefined;
      const outcome = validateAccountInput(input, {
        storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
      });
      if (!outcome.ok) return outcome.issues;
      const clash = store?.findName(outcome.definition.name);
      if (clash && clash !== opts.originalName) {
        return [
          {
            account: outcome.definition.name,
            field: 'name',
            message: `is already used by the account "${clash}"`,
          },
        ];
      }
      return [];
    },

    async saveAccount(input, opts = {}) {
      const existing = opts.originalName ? find(opts.originalName) : undefined;
      const issues = engine.validate(input, { originalName: existing?.name });
      if (issues.length > 0) throw new ValidationError(issues);
      const outcome = validateAccountInput(input, {
        storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
      });
      if (!outcome.ok) throw new ValidationError(outcome.issues);
      const definition = outcome.definition;
      const { record, resetToken } = await recordFor(definition, existing, 'edit');
      appendActivity(record, 'saved', existing ? 'settings changed' : 'account added');
      const removed = existing && existing.name !== definition.name ? [existing.name] : [];
      requireStore().write({ put: [[definition.name, record]], remove: removed });
      for (const name of removed) runtimes.delete(name);
      const rt = install(definition.name, record, resetToken, existing);
      if (resetToken) rt.accessToken = null;
      if (!existing) emit({ type: 'added', name: rt.name });
      changed(rt);
      planNext();
      if (resetToken && ((renewable(rt) && !paused) || needsPastedToken(rt)))
        renew(rt, 'manual').catch(() => {});
      return viewOf(rt);
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
        const existingName = requireStore().findName(definition.name);
        const previous = existingName ? runtimes.get(existingName) : undefined;
        const { record, resetToken } = await recordFor(definition, previous, 'replace');
        appendActivity(record, 'imported', previous ? 'replaced by import' : 'added by import');
        prepared.push({
          name: definition.name,
          previous,
          record,
          resetToken,
          remove: existingName && existingName !== definition.name ? existingName : null,
        });
      }
      requireStore().write({
        put: prepared.map((p) => [p.name, p.record]),
        remove: prepared.flatMap((p) => (p.remove ? [p.remove] : [])),
      });
      const views: AccountView[] = [];
      for (const p of prepared) {
        if (p.remove) runtimes.delete(p.remove);
        const rt = install(p.name, p.record, p.resetToken, p.previous);
        if (p.resetToken) rt.accessToken = null;
        if (!p.previous) emit({ type: 'added', name: p.name });
        changed(rt);
        if (p.resetToken && ((renewable(rt) && !paused) || needsPastedToken(rt)))
          renew(rt, 'manual').catch(() => {});
        views.push(viewOf(rt));
      }
      planNext();
      log.info('imported', { accounts: views.length });
      return views;
    },

    async exportAccounts({ includeSecrets }) {
      const accounts: Record<string, unknown>[] = [];
      for (const rt of runtimes.values()) {
        const entry: Record<string, unknown> = { name: rt.name, ...rt.record.settings };
        entry.name = rt.name;
        if (includeSecrets) {
          for (const [field, envelope] of Object.entries(rt.record.secrets)) {
            try {
              entry[field] = await open(rt, field, envelope);
            } catch {
              // A secret that cannot be read here is left out rather than exported wrong.
            }
          }
          // A rotated refresh token replaces the one typed in: the old one no longer works.
          if (rt.record.token?.refresh && 'refreshToken' in entry) {
            try {
              entry.refreshToken = await open(rt, 'refreshToken', rt.record.token.refresh);
            } catch {
              /* keep the typed one */
            }
          }
        }
        accounts.push(entry);
      }
      return { accounts };
    },

    async removeAccount(name) {
      const rt = runtimes.get(name) ?? runtimes.get(requireStore().findName(name) ?? '');
      if (!rt) return false;
      requireStore().write({ remove: [rt.name] });
      runtimes.delete(rt.name);
      emit({ type: 'removed', name: rt.name });
      planNext();
      log.info('removed', { account: rt.name });
      return true;
    },

    async setCliAccess(name, enabled) {
      const rt = find(name);
      rt.record = {
        ...rt.record,
        settings: { ...rt.record.settings, cliAccess: enabled },
        updatedAt: new Date(clock.now()).toISOString(),
      };
      requireStore().write({ put: [[rt.name, rt.record]] });
      changed(rt);
      return viewOf(rt);
    },

    async token(name, opts = {}) {
      const rt = find(name);
      const purpose = opts.purpose ?? 'manual';
      if (purpose === 'cli' && rt.record.settings.cliAccess !== true) throw new CliAccessDeniedError(rt.name);
      const minValidMs = Math.max(0, opts.minValidSeconds ?? DEFAULT_MIN_VALID_SECONDS) * 1000;
      if (rt.inFlight) await rt.inFlight.catch(() => {});
      const goodEnough = async () => {
        const token = await currentAccessToken(rt);
        const expiresAt = expiresAtOf(rt);
        const valid = token !== null && (expiresAt === null || expiresAt - clock.now() >= minValidMs);
        return valid ? token : null;
      };
      let token = await goodEnough();
      if (token === null) {
        const flow = flowFor(preset(rt));
        if (!flow.renewable) {
          if (rt.record.token === null && rt.record.secrets.token) await renew(rt, purpose);
          // A pasted token is handed out while it lasts, however short, but never once expired.
          const current = await currentAccessToken(rt);
          const expiresAt = expiresAtOf(rt);
          if (current && (expiresAt === null || expiresAt > clock.now())) {
            token = current;
          } else {
            throw new TokenError(
              'expired',
              `the pasted token of "${rt.name}" expired at ${rt.record.token?.expiresAt ?? 'an unknown time'}; paste a new one`,
              'auth',
            );
          }
        } else {
          const recentFailure =
            rt.record.error &&
            rt.lastAttemptAt !== null &&
            clock.now() - rt.lastAttemptAt < ON_DEMAND_RETRY_MS;
          const blocked = rt.record.error && rt.record.error.kind !== 'transient' && !rt.inFlight;
          if ((recentFailure || blocked) && rt.record.error) {
            throw new TokenError(
              rt.record.error.code,
              rt.record.error.message,
              rt.record.error.kind as TokenError['kind'],
              {
                serverMessage: rt.record.error.serverMessage,
                status: rt.record.error.status,
              },
            );
          }
          await renew(rt, purpose);
        }
        token = token ?? (await currentAccessToken(rt));
      }
      if (token === null) throw new TokenError('no_token', `no token for "${rt.name}"`, 'transient');
      const kind: ActivityKind =
        purpose === 'cli'
          ? 'served'
          : purpose === 'copy'
            ? 'copied'
            : purpose === 'reveal'
              ? 'revealed'
              : 'served';
      addActivity(rt, kind, purpose === 'cli' ? 'token handed to a script' : `token ${kind}`);
      scheduleFlush();
      return {
        accessToken: token,
        tokenType: rt.record.token?.tokenType ?? 'bearer',
        expiresAt: rt.record.token?.expiresAt ?? null,
      } satisfies IssuedToken;
    },

    async refresh(name) {
      const rt = find(name);
      if (!flowFor(preset(rt)).renewable) {
        if (!rt.record.token) await renew(rt, 'manual');
        return viewOf(rt);
      }
      if (rt.inFlight) await rt.inFlight.catch(() => {});
      await renew(rt, 'manual');
      return viewOf(rt);
    },

    async testConnection(input, opts = {}): Promise<TestResult> {
      const existing = opts.originalName ? runtimes.get(opts.originalName) : undefined;
      const outcome = validateAccountInput(input, {
        storedSecrets: existing ? Object.keys(existing.record.secrets) : [],
      });
      if (!outcome.ok) {
        return {
          ok: false,
          error: {
            code: 'validation',
            message: outcome.issues.map((i) => `${i.field}: ${i.message}`).join('; '),
            serverMessage: null,
            status: null,
          },
        };
      }
      const { settings, secrets } = splitSecrets(outcome.definition);
      const known: string[] = [];
      try {
        const obtained = await flowFor(outcome.definition.preset).obtain(flowContext, {
          settings,
          secret: secretReader(existing ?? null, secrets, known),
          refreshToken: null,
        });
        const lifetime =
          obtained.expiresAt === null ? null : Math.round((obtained.expiresAt - obtained.obtainedAt) / 1000);
        return {
          ok: true,
          tokenType: obtained.tokenType,
          expiresAt: iso(obtained.expiresAt),
          lifetimeSeconds: lifetime,
          scope: obtained.scope,
          hasRefreshToken: obtained.refreshToken !== null,
          jwt: decodeJwt(obtained.accessToken),
        };
      } catch (error) {
        known.push(...Object.values(secrets));
        const info = toErrorInfo(error);
        return {
          ok: false,
          error: {
            ...info,
            message: redact(info.message, known),
            serverMessage: info.serverMessage === null ? null : redact(info.serverMessage, known),
          },
        };
      }
    },

    activity(name): ActivityEntry[] {
      return [...find(name).record.activity];
    },

    reconcile() {
      if (!store || stopped) return;
      cancelTimer?.();
      tick();
    },

    setPaused(value) {
      paused = value;
      log.info(value ? 'renewals paused' : 'renewals resumed');
      for (const rt of runtimes.values()) changed(rt);
      engine.reconcile();
    },

    get paused() {
      return paused;
    },

    configure(settings) {
      if (settings.defaultNotifyBeforeSeconds !== undefined) {
        defaultNotifyBeforeSeconds = Math.max(0, Math.floor(settings.defaultNotifyBeforeSeconds));
        for (const rt of runtimes.values()) changed(rt);
      }
    },

    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return engine;
}
