/** What the engine knows about each account besides its stored record, and the views derived from it. */
import type { EngineContext } from './context.js';
import { signInKindOf } from './presets/index.js';
import { flowFor } from './providers/index.js';
import { renewAt } from './schedule.js';
import type { AccountRecord, StoredToken } from './store.js';
import { SIGN_IN_REQUIRED } from './errors.js';
import type { AccountState, AccountView, Clock, Preset, SignInKind } from './types.js';

/** One account's record plus what lives only in memory: the decrypted token, the flight, the schedule. */
export interface Runtime {
  name: string;
  record: AccountRecord;
  accessToken: string | null;
  inFlight: Promise<void> | null;
  renewDueAt: number | null;
  failures: number;
  lastAttemptAt: number | null;
  /** When a caller last made us renew because its API refused the token (rate-limited). */
  lastRejectedAt: number | null;
  lockedSecrets: Set<string>;
  lastState: AccountState | null;
  /** The record changed in memory only (a value sealed anew); the next write takes it along. */
  unsaved: boolean;
  /**
   * When the stored token was received, by the wall clock and the monotonic one (Clock.monotonic);
   * null for a token read from the store (then only the wall clock can say how old it is).
   */
  received: { wall: number; mono: number } | null;
  /** When a server last issued a token for the account in this process (one expired on arrival included). */
  lastIssued: { wall: number; mono: number } | null;
  /**
   * When a renewal a caller asked for (a token request) last got a token: the renewal floor counts
   * from here. In this process only: a restart is no loop of script calls.
   */
  callerIssued: { wall: number; mono: number } | null;
  /** SHA-256 of every refresh token a server refused: none of them is ever sent again (null: none yet). */
  refusedRefresh: Set<string> | null;
  /**
   * The record could not be written (a full disk): it is kept here, its new token not handed out,
   * and the write is tried again with backoff. Null when the store holds what the record says.
   */
  pendingWrite: { failures: number; retryAt: number; message: string } | null;
}

/** The engine-wide settings an account's state depends on. */
export interface StateSettings {
  paused: boolean;
  defaultNotifyBeforeSeconds: number;
  clock: Clock;
}

/** The clock's monotonic reading, or performance.now() when it has none. */
export const monotonicNow = (clock: Clock): number => clock.monotonic?.() ?? performance.now();

/** Milliseconds since a moment both clocks saw, as the older of the two says. */
export function ageSince(
  since: { wall: number; mono: number | null },
  wallNow: number,
  clock: Clock,
): number {
  const wallAge = wallNow - since.wall;
  return since.mono === null ? wallAge : Math.max(wallAge, monotonicNow(clock) - since.mono);
}

/**
 * The time to compare the account's token with: the wall clock, or later when the monotonic clock
 * says more time has passed since the token arrived (the wall clock was stepped back).
 */
export function effectiveNow(rt: Runtime, wallNow: number, clock: Clock): number {
  const received = rt.received;
  if (received === null) return wallNow;
  return Math.max(wallNow, received.wall + (monotonicNow(clock) - received.mono));
}

/** The stored token's lifetime as the server gave it (ms), or null when unknown. */
export function lifetimeOf(rt: Runtime): number | null {
  const token = rt.record.token;
  const obtainedAt = parseTime(token, token?.obtainedAt, parsedObtained);
  const expiresAt = expiresAtOf(rt);
  return obtainedAt === null || expiresAt === null ? null : expiresAt - obtainedAt;
}

/** ISO 8601 text of a wall time, or null. */
export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** A stored time's text and what Date.parse made of it. */
interface ParsedTime {
  text: string;
  time: number;
}
/** Each stored token's two times, parsed once: kept with the token object, dropped with it. */
const parsedExpiry = new WeakMap<StoredToken, ParsedTime>();
const parsedObtained = new WeakMap<StoredToken, ParsedTime>();
/**
 * Date.parse of one of a token's stored times (written by toISOString, so with its offset: the
 * answer depends on the text alone), remembered with the token for the next call: a cached
 * token's path asks for both of the account's times on every request (issue #10). Kept per token,
 * not in one table of texts, so any number of accounts is served from memory; the text is
 * compared, so a time changed in place is parsed again.
 */
function parseTime(
  token: StoredToken | null,
  text: string | null | undefined,
  memo: WeakMap<StoredToken, ParsedTime>,
): number | null {
  if (token === null || !text) return null;
  const known = memo.get(token);
  if (known !== undefined && known.text === text) return known.time;
  const time = Date.parse(text);
  memo.set(token, { text, time });
  return time;
}

/** The account's preset, as validated when it was saved. */
export const presetOf = (rt: Runtime) => rt.record.settings.preset as Preset;
/** When the stored token expires, or null when unknown or there is none. */
export const expiresAtOf = (rt: Runtime) => {
  const token = rt.record.token;
  return parseTime(token, token?.expiresAt, parsedExpiry);
};
/** How long before expiry the user is told about a token the engine cannot renew. */
const notifyBeforeMs = (rt: Runtime, defaultNotifyBeforeSeconds: number) =>
  Number(rt.record.settings.notifyBeforeSeconds ?? defaultNotifyBeforeSeconds) * 1000;
/** True when only the user can fix the account: a locked secret or a failure that is not transient. */
const needsUser = (rt: Runtime) =>
  rt.lockedSecrets.size > 0 || (rt.record.error !== null && rt.record.error.kind !== 'transient');
/** True when the engine renews the account by itself. */
export const renewable = (rt: Runtime) => flowFor(presetOf(rt)).renewable && !needsUser(rt);
/** A pasted token is read (no request) as soon as it is saved or loaded, so its expiry shows at once. */
export const needsPastedToken = (rt: Runtime) =>
  presetOf(rt) === 'static' &&
  !rt.inFlight &&
  rt.record.token === null &&
  rt.record.error === null &&
  rt.lockedSecrets.size === 0 &&
  rt.record.secrets.token !== undefined;

/** The account's CONTRACT §2 state at wall time `now`. */
export function stateOf(rt: Runtime, now: number, settings: StateSettings): AccountState {
  if (rt.inFlight) return 'refreshing';
  if (rt.record.error) return 'error';
  if (!rt.record.token) return 'expired';
  const expiresAt = expiresAtOf(rt);
  if (expiresAt === null) return 'unknown-expiry';
  now = effectiveNow(rt, now, settings.clock);
  if (expiresAt <= now) return 'expired';
  if (
    (!renewable(rt) || settings.paused) &&
    expiresAt - now <= notifyBeforeMs(rt, settings.defaultNotifyBeforeSeconds)
  )
    return 'expiring';
  return 'valid';
}

/** The account as views see it at wall time `now`: metadata only, never a secret. */
export function viewOf(rt: Runtime, now: number, settings: StateSettings): AccountView {
  const { record } = rt;
  const viewSettings = { ...record.settings };
  const signIn = signInKindOf(presetOf(rt), record.settings);
  return {
    name: rt.name,
    preset: presetOf(rt),
    label: typeof viewSettings.label === 'string' ? viewSettings.label : null,
    state: stateOf(rt, now, settings),
    expiresAt: record.token?.expiresAt ?? null,
    lastRefreshAt: record.lastRefreshAt,
    nextRefreshAt: renewable(rt) && !settings.paused ? iso(rt.renewDueAt) : null,
    error: record.error ? record.error.message : null,
    errorCode: record.error?.code ?? null,
    needsUser: needsUser(rt),
    renewable: renewable(rt),
    cliAccess: viewSettings.cliAccess === true,
    notifyBeforeSeconds: notifyBeforeMs(rt, settings.defaultNotifyBeforeSeconds) / 1000,
    settings: viewSettings,
    storedSecrets: Object.keys(record.secrets),
    lockedSecrets: [...rt.lockedSecrets],
    tokenType: record.token?.tokenType ?? null,
    scope: record.token?.scope ?? null,
    signIn,
    hasRefreshToken: record.token?.refresh != null,
    signInNeeded: signInNeeded(rt, signIn),
  };
}

/**
 * An interactive-grant account that only a person can bring back: its refresh token was refused
 * or it has none, or it was never signed in; and no sign-in or renewal is under way. (A token
 * signed in without a refresh token counts once its renewal is due and fails: until then it is
 * valid, and the tray says so.)
 */
export function signInNeeded(
  rt: Runtime,
  kind: SignInKind | null = signInKindOf(presetOf(rt), rt.record.settings),
): boolean {
  if (kind === null || rt.inFlight) return false;
  if (rt.record.error?.code === SIGN_IN_REQUIRED) return true;
  return rt.record.error === null && rt.record.token === null;
}

/** Tells listeners the account's current view and remembers the state they were told. */
export function emitState(ctx: EngineContext, rt: Runtime): void {
  const view = viewOf(rt, ctx.clock.now(), ctx);
  rt.lastState = view.state;
  ctx.emit({ type: 'state', account: view });
}

/** Sets when the stored token is renewed next: never for one that cannot be renewed or has no expiry. */
export function scheduleAfterSuccess(rt: Runtime, random: () => number): void {
  const token = rt.record.token;
  const expiresAt = expiresAtOf(rt);
  if (!token || expiresAt === null || !flowFor(presetOf(rt)).renewable) {
    rt.renewDueAt = null;
    return;
  }
  const before = rt.record.settings.refreshBeforeSeconds;
  rt.renewDueAt = renewAt(Date.parse(token.obtainedAt), expiresAt, {
    refreshBeforeSeconds: typeof before === 'number' ? before : undefined,
    random,
  });
}

/** A fresh runtime for a loaded or newly saved record; secrets another cipher wrote start locked. */
export function newRuntime(ctx: EngineContext, name: string, record: AccountRecord): Runtime {
  const rt: Runtime = {
    name,
    record,
    accessToken: null,
    inFlight: null,
    renewDueAt: null,
    failures: 0,
    lastAttemptAt: null,
    lastRejectedAt: null,
    lockedSecrets: new Set(
      Object.entries(record.secrets)
        .filter(([, envelope]) => envelope.c !== ctx.cipher.id)
        .map(([field]) => field),
    ),
    lastState: null,
    unsaved: false,
    received: null,
    lastIssued: null,
    callerIssued: null,
    refusedRefresh: null,
    pendingWrite: null,
  };
  scheduleAfterSuccess(rt, ctx.random);
  if (record.error?.kind === 'transient') rt.renewDueAt = ctx.clock.now();
  rt.lastState = stateOf(rt, ctx.clock.now(), ctx);
  return rt;
}

/** Puts a saved record in place: into the existing runtime unless its token was reset, else a new one. */
export function install(
  ctx: EngineContext,
  name: string,
  record: AccountRecord,
  resetToken: boolean,
  previous: Runtime | undefined,
): Runtime {
  if (previous && !resetToken) {
    // Updated in place, not copied: a renewal in flight must land on the runtime that is installed.
    const stillLocked = [...previous.lockedSecrets].filter(
      (field) => field in record.secrets && record.secrets[field] === previous.record.secrets[field],
    );
    // Another token than the one whose arrival was timed (one kept from Test connection): only
    // the wall clock knows its age.
    const sameToken = record.token === previous.record.token;
    Object.assign(previous, {
      name,
      record,
      lockedSecrets: new Set(stillLocked),
      received: sameToken ? previous.received : null,
    });
    scheduleAfterSuccess(previous, ctx.random);
    ctx.runtimes.set(name, previous);
    return previous;
  }
  const rt = newRuntime(ctx, name, record);
  ctx.runtimes.set(name, rt);
  return rt;
}
