/**
 * Renewing tokens: single flight per account, backoff on transient failures, and a store write
 * before any new token is handed out. (How many requests are on the wire at once, in total and
 * per token endpoint, is limiter.ts's business: it wraps the flows' fetch.)
 *
 * What callers get is bounded both ways: a token is never renewed for callers twice within 30 s, or
 * half its lifetime when shorter (renewalFloorMs; a caller's report that its API refused the token
 * aside), never handed out
 * once expired (by the older of the wall and the monotonic clock), and a minimum validity a fresh
 * token cannot meet is an error naming the server's lifetime rather than a renewal per call.
 */
import { createHash } from 'node:crypto';
import {
  ageSince,
  effectiveNow,
  emitState,
  expiresAtOf,
  iso,
  lifetimeOf,
  monotonicNow,
  presetOf,
  scheduleAfterSuccess,
  type Runtime,
} from './account-state.js';
import { requireStore, type EngineContext } from './context.js';
import { SETTINGS_CHANGED, SIGN_IN_REQUIRED, StoreError, TokenError, toErrorInfo } from './errors.js';
import { expiredOnArrival } from './expiry.js';
import { redactErrorInfo, redactionList } from './log.js';
import { flowFor, type FlowContext, type FlowInput, type ObtainedToken } from './providers/index.js';
import { appendActivity, open, seal, secretReader, storedTokenFor } from './records.js';
import { MIN_RENEW_INTERVAL_MS, renewalFloorMs, retryAt, retryDelay } from './schedule.js';
import type { AccountRecord, Envelope, StoredError } from './store.js';
import type { TokenPurpose } from './types.js';

/** An on-demand request (CLI, copy) retries a failed account at most this often. */
const ON_DEMAND_RETRY_MS = 5_000;
/** A caller's report that its API refused the token forces a renewal at most this often (C7). */
export const REJECTED_RENEW_INTERVAL_MS = 30_000;
/**
 * Callers never make the engine renew an account's token twice within this, or within half the
 * token's lifetime when that is shorter (schedule.ts renewalFloorMs).
 */
export const RENEWAL_FLOOR_MS = MIN_RENEW_INTERVAL_MS;
/** CONTRACT §2: the default minimum validity of a token handed to a caller… */
export const DEFAULT_MIN_VALID_MS = 60_000;
/** …which shrinks to half the lifetime for tokens that live less than this. */
export const SHORT_LIFETIME_MS = 120_000;
/** How often an account whose stored secret could not be read tries it again by itself. */
export const LOCKED_RECHECK_MS = 30_000;

/** How long a caller needs the token to stay valid; `explicit` when the caller said so. */
export interface MinValid {
  ms: number;
  explicit: boolean;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const wasRefused = (rt: Runtime, token: string) => rt.refusedRefresh?.has(digest(token)) === true;
const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** A failure as the record keeps it: redacted of every secret the attempt read. */
function storedError(error: unknown, known: string[], now: number): StoredError {
  const info = redactErrorInfo(toErrorInfo(error), known);
  const kind = error instanceof TokenError ? error.kind : 'transient';
  return {
    code: info.code,
    message: info.message,
    serverMessage: info.serverMessage,
    status: info.status,
    kind,
    at: new Date(now).toISOString(),
  };
}

export interface Renewer {
  /** Single flight: every caller waiting on this account shares one renewal. */
  renew(rt: Runtime, reason: TokenPurpose): Promise<void>;
  /** The stored access token, decrypted once and kept in memory; null when there is none to read. */
  currentAccessToken(rt: Runtime): Promise<string | null>;
  /**
   * A token valid for at least `minValid` (the default shrinks for short lifetimes), renewed first
   * if needed, or when `rejected` (the caller's API refused the last one) and no such renewal ran
   * in the last 30 s. Throws TokenError (StoreError while a renewed token could not be saved).
   */
  validToken(rt: Runtime, purpose: TokenPurpose, minValid: MinValid, rejected?: boolean): Promise<string>;
  /**
   * What validToken would answer at once, with nothing to wait for: the decrypted token held in
   * memory when it is valid for at least `minValid` and nothing else is owed first (an unsaved
   * record, a rejected token); null when validToken must be asked. A cached token's path (a script
   * asking in a loop) so goes through no promise (issue #10).
   */
  heldToken(rt: Runtime, minValid: MinValid, rejected?: boolean): string | null;
  /** Writes a record that could not be saved before; throws StoreError when it still cannot be. */
  retryWrite(rt: Runtime): Promise<void>;
  /**
   * An account waiting for a secret that could not be decrypted: when every stored secret reads
   * again (the keyring is back), its error is cleared at once and it is renewed. True when it was.
   * Tried at most every 30 s unless `force` (start, resume, unlock).
   */
  recheckLocked(rt: Runtime, force?: boolean): Promise<boolean>;
  /** Keeps a token from an interactive sign-in: persisted (refresh token included) before use. */
  adopt(rt: Runtime, obtained: ObtainedToken): Promise<void>;
}

/** Creates the renewals of one engine; `afterFlight` runs once each renewal has settled. */
export function createRenewer(
  ctx: EngineContext,
  deps: {
    /** For renewals nobody is waiting on in person (the schedule, scripts): circuit breakers apply. */
    flowContext: FlowContext;
    /** For what a person asked for (Renew now, copy, reveal): always sent. */
    interactiveFlowContext: FlowContext;
    afterFlight: () => void;
  },
): Renewer {
  const { clock, random, log, cipher, runtimes } = ctx;

  /** False once the account was removed, or replaced because its credentials changed. */
  const isCurrent = (rt: Runtime) => runtimes.get(rt.name) === rt;
  const superseded = (rt: Runtime) =>
    new TokenError(
      'superseded',
      `"${rt.name}" was changed or removed while its token was being renewed; that token was dropped`,
      'transient',
    );
  const nowFor = (rt: Runtime) => effectiveNow(rt, clock.now(), clock);

  /** Keeps `rt.record` in memory after a failed write and plans the write again, with backoff. */
  function holdUnwritten(rt: Runtime, error: unknown): StoreError {
    const failures = (rt.pendingWrite?.failures ?? 0) + 1;
    const message = error instanceof Error ? error.message : String(error);
    rt.pendingWrite = { failures, retryAt: clock.now() + retryDelay(failures, random, null), message };
    log.error('could not save the account; trying again later', {
      account: rt.name,
      error: message,
      retryAt: iso(rt.pendingWrite.retryAt) ?? '',
    });
    return error instanceof StoreError ? error : new StoreError('io', message);
  }

  /** Writes the account's record; a failure keeps it in memory and is retried with backoff. */
  async function persist(rt: Runtime): Promise<void> {
    try {
      await requireStore(ctx).commit({ put: [[rt.name, rt.record]] });
    } catch (error) {
      throw holdUnwritten(rt, error);
    }
    rt.pendingWrite = null;
  }

  async function retryWrite(rt: Runtime): Promise<void> {
    const pending = rt.pendingWrite;
    if (!pending || !isCurrent(rt)) return;
    // A renewed token that could not be saved carries the store's error for the views: drop it now.
    const unsavedToken = rt.record.error?.code === 'store_write_failed';
    const record: AccountRecord = unsavedToken ? { ...rt.record, error: null } : rt.record;
    try {
      await requireStore(ctx).commit({ put: [[rt.name, record]] });
    } catch (error) {
      throw holdUnwritten(rt, error);
    }
    if (rt.record.error?.code === 'store_write_failed') rt.record = { ...rt.record, error: null };
    rt.pendingWrite = null;
    log.info('saved the account after an earlier failure', { account: rt.name });
    if (unsavedToken) scheduleAfterSuccess(rt, random);
    emitState(ctx, rt);
    deps.afterFlight();
  }

  async function performRenewal(rt: Runtime, reason: TokenPurpose): Promise<void> {
    const known: string[] = [];
    rt.lastAttemptAt = clock.now();
    /** The refresh token this attempt presented (the stored one, or the one typed in). */
    let presented: string | null = null;
    let presentedTyped = false;
    try {
      // Values sealed for other settings: nothing is sent until the user saves the account again.
      if (rt.record.error?.code === SETTINGS_CHANGED) throw storedFailure(rt, rt.record.error);
      const refresh = rt.record.token?.refresh;
      let refreshToken: string | null = null;
      if (refresh) {
        try {
          refreshToken = await open(cipher, rt, 'refreshToken', refresh);
        } catch (error) {
          // Not for a token sealed for other settings: a sign-in would go to the changed host.
          if (error instanceof TokenError && error.code === SETTINGS_CHANGED) throw error;
          refreshToken = null;
        }
        // Like the access token, a refresh token that cannot be read is not a secret the user
        // typed: the primary grant replaces it. (The flow locks the typed one if that fails.)
        rt.lockedSecrets.delete('refreshToken');
      }
      // A refresh token a server refused is never sent again, saved or not (a full disk).
      if (refreshToken && wasRefused(rt, refreshToken)) refreshToken = null;
      if (refreshToken) known.push(refreshToken);
      presented = refreshToken;
      const read = secretReader(cipher, rt, {}, known);
      const secret: FlowInput['secret'] = async (field) => {
        const value = await read(field);
        if (field !== 'refreshToken' || value === undefined) return value;
        if (wasRefused(rt, value)) return undefined;
        if (presented === null) [presented, presentedTyped] = [value, true];
        return value;
      };
      const interactive = reason === 'manual' || reason === 'copy' || reason === 'reveal';
      const flowContext = interactive ? deps.interactiveFlowContext : deps.flowContext;
      const obtained = await flowFor(presetOf(rt)).obtain(flowContext, {
        settings: rt.record.settings,
        secret,
        refreshToken,
      });
      const receivedMono = monotonicNow(clock);
      known.push(obtained.accessToken);
      if (obtained.refreshToken) known.push(obtained.refreshToken);
      // (A pasted token is the user's, not a server's answer: it is kept and shown as expired.)
      if (flowFor(presetOf(rt)).renewable && expiredOnArrival(obtained.expiresAt, obtained.obtainedAt)) {
        rt.lastIssued = { wall: obtained.obtainedAt, mono: receivedMono };
        await keepRotatedRefresh(rt, obtained, receivedMono);
        throw new TokenError(
          'expired_on_arrival',
          `the token server issued "${rt.name}" a token that had already expired when it arrived (${obtained.expirySource ?? 'expiry'} ${iso(obtained.expiresAt) ?? ''}); it is not handed out`,
          'transient',
        );
      }
      await commitToken(rt, obtained, refresh ?? null, receivedMono);
      // (Not for a token the store would not take: a renewal that left nothing usable.)
      rt.lastIssued = { wall: obtained.obtainedAt, mono: receivedMono };
      log.info('renewed', {
        account: rt.name,
        grant: obtained.grant,
        reason,
        expiresAt: iso(obtained.expiresAt) ?? 'unknown',
      });
    } catch (error) {
      // Nothing is recorded for an account that was removed or replaced meanwhile.
      if (!isCurrent(rt)) throw error;
      const refused = error instanceof TokenError && error.extra.refreshRefused === true;
      if (refused && presented !== null) (rt.refusedRefresh ??= new Set()).add(digest(presented));
      // Not sent because the engine is stopping: nothing to record, but a refused refresh token
      // is dropped for good before the engine goes.
      if (error instanceof TokenError && error.code === 'stopped') {
        if (refused) {
          dropRefused(rt, presentedTyped);
          await persist(rt).catch(() => {});
        }
        throw error;
      }
      if (error instanceof StoreError) {
        log.error('could not save the renewed token; it was not handed out', {
          account: rt.name,
          error: error.message,
        });
        throw error;
      }
      const failure = storedError(error, redactionList(rt.record.settings, known), clock.now());
      // The flow does not know the account's name; the command to run is more use with it.
      if (failure.code === SIGN_IN_REQUIRED)
        failure.message = failure.message.replace('tokentray login NAME', `tokentray login ${rt.name}`);
      rt.record.error = failure;
      if (refused) dropRefused(rt, presentedTyped);
      rt.failures = failure.kind === 'transient' ? rt.failures + 1 : 0;
      const retryAfter = error instanceof TokenError ? error.retryAfterMs : null;
      rt.renewDueAt =
        failure.kind === 'transient'
          ? retryAt(clock.now(), rt.failures, random, retryAfter, expiresAtOf(rt))
          : null;
      appendActivity(rt.record, 'failed', failure.message, clock.now());
      log.warn('renewal failed', { account: rt.name, code: failure.code, message: failure.message });
      await persist(rt).catch(() => {});
      throw error instanceof TokenError
        ? error.withText(failure.message, failure.serverMessage, failure.code)
        : error;
    }
  }

  /** Forgets a refresh token the server refused: the stored one, and the typed one if that was it. */
  function dropRefused(rt: Runtime, typed: boolean): void {
    const token = rt.record.token;
    if (token?.refresh) rt.record.token = { ...token, refresh: null };
    // A refused refresh token typed into the account is dropped too: it must be entered anew.
    if (typed && rt.record.secrets.refreshToken) {
      const { refreshToken: _dropped, ...rest } = rt.record.secrets;
      rt.record.secrets = rest;
    }
  }

  /**
   * A token expired on arrival is not kept, but a refresh token that came with it is: the server
   * rotated it, the one presented is spent. The current access token (if any) stays as it was.
   */
  async function keepRotatedRefresh(rt: Runtime, obtained: ObtainedToken, receivedMono: number) {
    if (!obtained.refreshToken || !isCurrent(rt)) return;
    const current = rt.record.token;
    if (current) {
      rt.record = {
        ...rt.record,
        token: {
          ...current,
          refresh: await seal(cipher, obtained.refreshToken, {
            settings: rt.record.settings,
            field: 'refreshToken',
          }),
        },
      };
    } else {
      // Nothing valid to keep it beside: store the expired token with it (never handed out).
      rt.record = {
        ...rt.record,
        token: await storedTokenFor(cipher, obtained, null, { settings: rt.record.settings }),
      };
      rt.accessToken = null;
      rt.received = { wall: obtained.obtainedAt, mono: receivedMono };
    }
  }

  /** Persists a new token (and any rotated refresh token) before anyone can use it. */
  async function commitToken(
    rt: Runtime,
    obtained: ObtainedToken,
    previousRefresh: Envelope | null,
    receivedMono: number,
  ) {
    const token = await storedTokenFor(cipher, obtained, previousRefresh, { settings: rt.record.settings });
    const expiry =
      obtained.expiresAt === null
        ? 'expiry unknown'
        : `expires ${new Date(obtained.expiresAt).toISOString()}`;
    const clamped =
      obtained.clampedFromSeconds === undefined
        ? ''
        : `; the server gave a lifetime of ${obtained.clampedFromSeconds} s, treated as one year`;
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
      appendActivity(record, 'renewed', `${obtained.grant} grant, ${expiry}${clamped}`, clock.now());
      return record;
    };
    if (!isCurrent(rt)) throw superseded(rt);
    const base = rt.record;
    let record = withToken(base);
    try {
      await requireStore(ctx).commit({ put: [[rt.name, record]] });
    } catch (error) {
      if (!isCurrent(rt)) throw superseded(rt);
      // Kept in memory, not handed out: the new refresh token must not be lost (the old one may
      // be spent already), and it is written as soon as the store takes it.
      const failed = holdUnwritten(rt, error);
      if (rt.record !== base) record = withToken(rt.record);
      rt.record = {
        ...record,
        error: {
          code: 'store_write_failed',
          message: `the renewed token could not be saved (${failed.message}); it is not handed out until it is`,
          serverMessage: null,
          status: null,
          kind: 'transient',
          at: new Date(clock.now()).toISOString(),
        },
      };
      rt.accessToken = null;
      rt.received = { wall: obtained.obtainedAt, mono: receivedMono };
      rt.failures = 0;
      rt.renewDueAt = null;
      throw failed;
    }
    rt.pendingWrite = null;
    if (!isCurrent(rt) || rt.record !== base) {
      // A change saved while this write was queued was overwritten by it: save the change again.
      const current = runtimes.get(rt.name);
      if (current === rt) record = withToken(rt.record);
      requireStore(ctx).write(
        current ? { put: [[rt.name, current === rt ? record : current.record]] } : { remove: [rt.name] },
      );
      if (current !== rt) throw superseded(rt);
    }
    rt.record = record;
    rt.accessToken = obtained.accessToken;
    rt.received = { wall: obtained.obtainedAt, mono: receivedMono };
    rt.failures = 0;
    scheduleAfterSuccess(rt, random);
  }

  function renew(rt: Runtime, reason: TokenPurpose): Promise<void> {
    if (rt.inFlight) return rt.inFlight;
    const flight = performRenewal(rt, reason).finally(() => {
      rt.inFlight = null;
      if (isCurrent(rt)) emitState(ctx, rt);
      deps.afterFlight();
    });
    rt.inFlight = flight;
    emitState(ctx, rt);
    return flight;
  }

  async function currentAccessToken(rt: Runtime): Promise<string | null> {
    if (rt.accessToken) return rt.accessToken;
    const envelope = rt.record.token?.access;
    if (!envelope) return null;
    try {
      rt.accessToken = await open(cipher, rt, 'accessToken', envelope);
      rt.lockedSecrets.delete('accessToken');
    } catch (error) {
      // A token that cannot be read is simply renewed; it is not a secret the user typed. One
      // sealed for other settings is not: the account says so, and nothing is sent meanwhile.
      rt.lockedSecrets.delete('accessToken');
      if (error instanceof TokenError && error.code === SETTINGS_CHANGED && isCurrent(rt)) {
        rt.record.error = storedError(error, [], clock.now());
        rt.renewDueAt = null;
      }
      return null;
    }
    return rt.accessToken;
  }

  /** When each locked account last tried its secrets by itself. */
  const lastRecheck = new WeakMap<Runtime, number>();

  async function recheckLocked(rt: Runtime, force = false): Promise<boolean> {
    if (rt.record.error?.code !== 'locked_secret' || rt.inFlight || !isCurrent(rt)) return false;
    const last = lastRecheck.get(rt);
    if (!force && last !== undefined && Math.abs(clock.now() - last) < LOCKED_RECHECK_MS) return false;
    lastRecheck.set(rt, clock.now());
    const record = rt.record;
    for (const [field, envelope] of Object.entries(record.secrets)) {
      try {
        await open(cipher, rt, field, envelope);
      } catch {
        return false;
      }
    }
    if (rt.record !== record || !isCurrent(rt)) return false;
    // Every secret reads; what else was marked (a token envelope) is renewed anyway.
    rt.lockedSecrets.clear();
    rt.record = { ...record, error: null };
    rt.failures = 0;
    log.info('the stored secrets can be read again', { account: rt.name });
    await persist(rt).catch(() => {});
    emitState(ctx, rt);
    if (!ctx.paused && !ctx.stopped) renew(rt, 'scheduler').catch(() => {});
    else deps.afterFlight();
    return true;
  }

  /** RFC 6750 invalid_token reported by a caller: renew once, unless that was done moments ago. */
  async function renewRejected(rt: Runtime, purpose: TokenPurpose): Promise<void> {
    if (!flowFor(presetOf(rt)).renewable) {
      throw new TokenError(
        'token_rejected',
        `the API refused the pasted token of "${rt.name}"; Tokentray cannot renew it: paste a new one`,
        'auth',
      );
    }
    // An account waiting on its user is not retried on a caller's word (vendors lock accounts).
    if (rt.record.error && rt.record.error.kind !== 'transient') return;
    const now = clock.now();
    if (rt.lastRejectedAt !== null && now - rt.lastRejectedAt < REJECTED_RENEW_INTERVAL_MS) return;
    rt.lastRejectedAt = now;
    log.info('the API refused the token; renewing', { account: rt.name, reason: purpose });
    await renew(rt, purpose);
  }

  /** The stored error as a TokenError, for a caller who must not trigger another attempt now. */
  const storedFailure = (rt: Runtime, error: StoredError) =>
    new TokenError(error.code, error.message, error.kind as TokenError['kind'], {
      serverMessage: error.serverMessage,
      status: error.status,
    });

  /** CONTRACT §2: an explicit minimum validity longer than the server's tokens live. */
  const unattainable = (rt: Runtime, lifetimeMs: number, minValid: MinValid) =>
    new TokenError(
      'min_valid_unattainable',
      `the token server gives "${rt.name}" tokens valid for ${seconds(lifetimeMs)} s; a minimum validity of ${seconds(minValid.ms)} s (--min-valid, or minValid in the local API) cannot be met`,
      'config',
    );

  /** What is left of the token's life, by the older of the two clocks; Infinity when unknown. */
  const remaining = (rt: Runtime) => {
    const expiresAt = expiresAtOf(rt);
    return expiresAt === null ? Infinity : expiresAt - nowFor(rt);
  };
  /** The default (60 s) is half the lifetime for tokens that live less than 2 minutes. */
  const wanted = (rt: Runtime, minValid: MinValid) => {
    if (minValid.explicit) return minValid.ms;
    const lifetime = lifetimeOf(rt);
    return lifetime !== null && lifetime < SHORT_LIFETIME_MS ? Math.max(0, lifetime / 2) : minValid.ms;
  };
  /** True when the stored token is valid now and for at least the minimum wanted. */
  const lastsFor = (rt: Runtime, minValid: MinValid) => {
    const left = remaining(rt);
    return left > 0 && left >= wanted(rt, minValid);
  };

  function heldToken(rt: Runtime, minValid: MinValid, rejected = false): string | null {
    const token = rt.accessToken;
    return token && !rejected && rt.pendingWrite === null && lastsFor(rt, minValid) ? token : null;
  }

  async function validToken(
    rt: Runtime,
    purpose: TokenPurpose,
    minValid: MinValid,
    rejected = false,
  ): Promise<string> {
    if (rt.pendingWrite) {
      // Its token is handed out only once it is saved: try now when the backoff allows, else say why.
      if (clock.now() < rt.pendingWrite.retryAt)
        throw new StoreError('io', `could not save "${rt.name}": ${rt.pendingWrite.message}`);
      await retryWrite(rt);
    }
    if (rejected) await renewRejected(rt, purpose);
    const goodEnough = async () => {
      const token = await currentAccessToken(rt);
      return token !== null && lastsFor(rt, minValid) ? token : null;
    };
    // A renewal under way (a scheduled one, say) is waited for only when the token we hold is not good enough.
    let token = await goodEnough();
    if (token === null && rt.inFlight) {
      await rt.inFlight.catch(() => {});
      token = await goodEnough();
    }
    if (token !== null) return token;

    const flow = flowFor(presetOf(rt));
    if (!flow.renewable) {
      if (rt.record.token === null && rt.record.secrets.token) await renew(rt, purpose);
      // A pasted token is handed out while it lasts, however short, but never once expired, nor
      // when the caller said how long it needs it for and it will not last that long.
      const current = await currentAccessToken(rt);
      const left = remaining(rt);
      if (current && left > 0 && minValid.explicit && left < minValid.ms)
        throw new TokenError(
          'min_valid_unattainable',
          `the pasted token of "${rt.name}" is valid for ${seconds(left)} s more (until ${rt.record.token?.expiresAt ?? 'an unknown time'}), less than the ${seconds(minValid.ms)} s asked for (--min-valid, or minValid in the local API); paste a new one`,
          'config',
        );
      if (current && left > 0) return current;
      throw new TokenError(
        'expired',
        `the pasted token of "${rt.name}" expired at ${rt.record.token?.expiresAt ?? 'an unknown time'}; paste a new one`,
        'auth',
      );
    }

    const held = await currentAccessToken(rt);
    const error = rt.record.error;
    const recentFailure =
      error && rt.lastAttemptAt !== null && clock.now() - rt.lastAttemptAt < ON_DEMAND_RETRY_MS;
    const blocked = error && error.kind !== 'transient' && !rt.inFlight;
    if ((recentFailure || blocked) && error) throw storedFailure(rt, error);

    const sinceIssued = rt.callerIssued ? ageSince(rt.callerIssued, clock.now(), clock) : Infinity;
    const lifetime = lifetimeOf(rt);
    const floor = renewalFloorMs(lifetime);
    if (sinceIssued < floor) {
      // A token fresh from the server lives shorter than asked for: no request could help.
      if (minValid.explicit && held !== null && lifetime !== null && minValid.ms > lifetime)
        throw unattainable(rt, lifetime, minValid);
      // The default minimum gives way to the floor: the token is still valid, if for less than asked.
      if (!minValid.explicit && held !== null && remaining(rt) > 0) return held;
      if (error) throw storedFailure(rt, error);
      const wait = floor - sinceIssued;
      const left = remaining(rt);
      const state =
        held === null || left <= 0
          ? 'has expired already'
          : // Rounded down: "valid for 40 s, less than the 40 s asked for" must not happen.
            `is valid for ${Math.floor(left / 1000)} s, less than the ${seconds(wanted(rt, minValid))} s asked for`;
      throw new TokenError(
        'renewal_floor',
        `the token of "${rt.name}" was renewed ${seconds(sinceIssued)} s ago and ${state}; Tokentray renews a token at most every ${seconds(floor)} s: ask again in ${Math.max(1, seconds(wait))} s`,
        'transient',
        { retryAfterMs: wait },
      );
    }

    const issuedBefore = rt.lastIssued;
    try {
      await renew(rt, purpose);
    } finally {
      if (rt.lastIssued !== issuedBefore) rt.callerIssued = rt.lastIssued;
    }
    const fresh = await currentAccessToken(rt);
    if (fresh === null || rt.pendingWrite)
      throw new TokenError('no_token', `no token for "${rt.name}"`, 'transient');
    const freshLifetime = lifetimeOf(rt);
    if (minValid.explicit && freshLifetime !== null && minValid.ms > freshLifetime)
      throw unattainable(rt, freshLifetime, minValid);
    // Never an expired token as a success (a renewal joined late, a clock that jumped meanwhile).
    if (remaining(rt) <= 0)
      throw new TokenError(
        'expired',
        `the token of "${rt.name}" expired at ${rt.record.token?.expiresAt ?? 'an unknown time'} before it could be handed out`,
        'transient',
      );
    return fresh;
  }

  /**
   * Keeps a token a person's sign-in got (interactive grants): written to the store, the refresh
   * token with it, before anyone is handed the access token; then renewed on schedule as usual.
   * A renewal under way is waited for first. Throws StoreError (the token is then held in memory
   * and written by the retry, not handed out), or TokenError `superseded`.
   */
  async function adopt(rt: Runtime, obtained: ObtainedToken): Promise<void> {
    if (rt.inFlight) await rt.inFlight.catch(() => {});
    if (!isCurrent(rt)) throw superseded(rt);
    const receivedMono = monotonicNow(clock);
    // A sign-in is a fresh start: no refresh token the server refused earlier matters any more.
    rt.refusedRefresh = null;
    if (expiredOnArrival(obtained.expiresAt, obtained.obtainedAt)) {
      // As for a renewal: the token is not handed out, but a refresh token with it is kept (and
      // saved), so the account renews on it rather than asking for another sign-in.
      await keepRotatedRefresh(rt, obtained, receivedMono);
      if (obtained.refreshToken) rt.record = { ...rt.record, error: null };
      await persist(rt).catch(() => {});
      throw new TokenError(
        'expired_on_arrival',
        `the token server issued "${rt.name}" a token that had already expired when it arrived (check this computer's clock)${obtained.refreshToken ? '; its refresh token is kept and renews the account' : '; sign in again'}`,
        'transient',
      );
    }
    rt.record = { ...rt.record, error: null };
    await commitToken(rt, obtained, null, receivedMono);
    rt.lastIssued = { wall: obtained.obtainedAt, mono: receivedMono };
    log.info('signed in', {
      account: rt.name,
      grant: obtained.grant,
      expiresAt: iso(obtained.expiresAt) ?? 'unknown',
      refresh: obtained.refreshToken ? 'kept' : 'none issued',
    });
  }

  return { renew, currentAccessToken, validToken, heldToken, retryWrite, recheckLocked, adopt };
}
