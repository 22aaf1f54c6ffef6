/**
 * Account records as the store keeps them: secrets sealed in envelopes, a bounded activity log, and
 * the record a save or an import writes (keeping what the change does not touch).
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Runtime } from './account-state.js';
import { secretFieldsOf } from './accounts/fields.js';
import { splitSecrets, type AccountDefinition } from './accounts/schema.js';
import { SETTINGS_CHANGED, TokenError } from './errors.js';
import { isoTime, redact } from './log.js';
import type { FlowInput, ObtainedToken } from './providers/index.js';
import type { AccountRecord, Envelope, StoredToken } from './store.js';
import type { ActivityKind, Cipher, Clock } from './types.js';

const ACTIVITY_LIMIT = 50;

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

type Settings = Record<string, unknown>;

/**
 * The settings that decide where an account's secrets are sent and how: everything but the name
 * and what only changes when or how Tokentray shows, warns and hands out the token.
 */
export function connectionOf(settings: Settings): Settings {
  const {
    label: _l,
    notifyBeforeSeconds: _n,
    cliAccess: _c,
    refreshBeforeSeconds: _r,
    name: _name,
    ...rest
  } = settings;
  return rest;
}

/** JSON with object keys sorted at every depth: one text for equal settings. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Which field of which settings a value is sealed for (bindingOf). The account's name is not in
 * it: a rename must not re-seal a token while a renewal that will keep it is on the wire.
 */
export interface SealScope {
  settings: Settings;
  /** The secret field, or `accessToken` / `refreshToken` for a token. */
  field: string;
}

/**
 * What a sealed value is bound to: a SHA-256 digest of its field, the account's connection
 * settings and the value itself, sealed with the value. A value opens only where it was sealed, as
 * it was sealed: someone who can write `accounts.json` but not the key (a restored backup, a
 * synced folder) can neither point `tokenUrl` at a host of theirs and have the next renewal send
 * the secret there, nor hand out a password as an access token. The value is in the digest for
 * ciphers without a MAC (safeStorage's AES-CBC with a fixed IV on macOS and Linux): blocks spliced
 * from two values decrypt to a value whose digest no longer matches.
 */
export function bindingOf(scope: SealScope, plain: string): string {
  const bound = { field: scope.field, settings: connectionOf(scope.settings) };
  // JSON escapes NUL, so the separator cannot occur in the first part.
  return createHash('sha256')
    .update(`${canonicalJson(bound)}\u0000${plain}`)
    .digest('base64url');
}

/** How a sealed plaintext starts: then its binding, `:`, and the value (no secret starts with a NUL). */
const BOUND = '\u0000tokentray-bound-v1:';
/** A binding's length: base64url of 32 bytes. */
const BINDING_LENGTH = 43;

/** Encrypts a value, bound to `scope` (bindingOf), into an envelope naming the cipher that wrote it. */
export async function seal(cipher: Cipher, plain: string, scope: SealScope): Promise<Envelope> {
  return {
    c: cipher.id,
    d: toBase64(await cipher.encrypt(`${BOUND}${bindingOf(scope, plain)}:${plain}`)),
  };
}

/**
 * A token as the store keeps it, access and refresh tokens sealed. A refresh answer without a new
 * refresh token keeps `previousRefresh` (RFC 6749 §6: the old one stays valid).
 */
export async function storedTokenFor(
  cipher: Cipher,
  obtained: ObtainedToken,
  previousRefresh: Envelope | null,
  owner: { settings: Settings },
): Promise<StoredToken> {
  const refresh = obtained.refreshToken
    ? await seal(cipher, obtained.refreshToken, { ...owner, field: 'refreshToken' })
    : obtained.grant === 'refresh_token'
      ? previousRefresh
      : null;
  return {
    access: await seal(cipher, obtained.accessToken, { ...owner, field: 'accessToken' }),
    refresh,
    tokenType: obtained.tokenType,
    scope: obtained.scope,
    obtainedAt: new Date(obtained.obtainedAt).toISOString(),
    expiresAt: obtained.expiresAt === null ? null : new Date(obtained.expiresAt).toISOString(),
    expirySource: obtained.expirySource,
    grant: obtained.grant,
  };
}

/**
 * Decrypts an envelope; one written by another cipher or that fails to open locks the field
 * (`locked_secret`), and so does one sealed for other settings or another field, or altered
 * (bindingOf; `settings_changed`). A value sealed before bindings existed opens only with a cipher
 * that would have refused it altered (`authenticated`), and is sealed again with its binding:
 * without a MAC (safeStorage's AES-CBC on macOS and Linux) a bound value with its first blocks cut
 * off would decrypt to garbage and the secret, and pass for an old one.
 */
export async function open(cipher: Cipher, rt: Runtime, field: string, envelope: Envelope): Promise<string> {
  if (envelope.c !== cipher.id) {
    rt.lockedSecrets.add(field);
    throw new TokenError(
      'locked_secret',
      `the stored ${field} was encrypted by ${envelope.c} and cannot be read with ${cipher.id}; enter it again`,
      'auth',
    );
  }
  let stale = false;
  let sealed: string;
  try {
    sealed = await cipher.decrypt(Buffer.from(envelope.d, 'base64'), () => (stale = true));
  } catch {
    rt.lockedSecrets.add(field);
    throw new TokenError(
      'locked_secret',
      `the stored ${field} could not be decrypted; enter it again`,
      'auth',
    );
  }
  const scope: SealScope = { settings: rt.record.settings, field };
  let plain: string;
  if (sealed.startsWith(BOUND)) {
    const end = BOUND.length + BINDING_LENGTH;
    const value = sealed.slice(end + 1);
    if (sealed[end] !== ':' || sealed.slice(BOUND.length, end) !== bindingOf(scope, value)) {
      rt.lockedSecrets.add(field);
      throw new TokenError(
        SETTINGS_CHANGED,
        `the stored ${field} was sealed for other settings of this account, or altered: they were changed ` +
          'outside Tokentray (accounts.json edited or restored), or while it could not be read; ' +
          'check them (the token URL, base URL, issuer), then save the account with its secrets entered again',
        'config',
      );
    }
    plain = value;
  } else if (cipher.authenticated === true) {
    plain = sealed;
    stale = true; // sealed before bindings: seal it again with one
  } else {
    rt.lockedSecrets.add(field);
    throw new TokenError(
      'locked_secret',
      `the stored ${field} is not sealed as this version seals values, and ${cipher.id} cannot ` +
        'show it was not altered; enter it again',
      'auth',
    );
  }
  // SECURITY-CHECKLIST B6: the OS rotated its key; seal the value anew where it is kept. If that
  // fails (a keyring gone quiet), the old value still decrypts: keep it and try on the next read.
  if (stale) {
    const fresh = await seal(cipher, plain, scope).catch(() => null);
    if (fresh && replaceEnvelope(rt.record, envelope, fresh)) rt.unsaved = true;
  }
  return plain;
}

/** Puts `fresh` where `old` is kept in the record (a secret, the access or the refresh token). */
function replaceEnvelope(record: AccountRecord, old: Envelope, fresh: Envelope): boolean {
  for (const [field, envelope] of Object.entries(record.secrets)) {
    if (envelope === old) {
      record.secrets = { ...record.secrets, [field]: fresh };
      return true;
    }
  }
  const token = record.token;
  if (token?.access === old) record.token = { ...token, access: fresh };
  else if (token?.refresh === old) record.token = { ...token, refresh: fresh };
  else return false;
  return true;
}

/** Reads secrets for a flow; each value read joins `seen`, so an error echoing it can be redacted. */
export function secretReader(
  cipher: Cipher,
  rt: Runtime | null,
  overrides: Record<string, string>,
  seen: string[] = [],
): FlowInput['secret'] {
  return async (field) => {
    const envelope = rt?.record.secrets[field];
    const value = overrides[field] ?? (envelope && rt ? await open(cipher, rt, field, envelope) : undefined);
    if (value !== undefined) seen.push(value);
    return value;
  };
}

/**
 * Appends to a record's bounded activity log (no secrets: the detail is redacted), keeping the
 * newest ACTIVITY_LIMIT entries, newest last. The record gets a new array (one copy, not two);
 * the old one is left as it was for whoever holds it.
 */
export function appendActivity(record: AccountRecord, kind: ActivityKind, detail: string, now: number): void {
  const entry = { at: isoTime(now), kind, detail: redact(detail) };
  const old = record.activity;
  const activity = old.slice(Math.max(0, old.length - ACTIVITY_LIMIT + 1));
  activity.push(entry);
  record.activity = activity;
}

function emptyRecord(now: number): AccountRecord {
  const at = new Date(now).toISOString();
  return {
    settings: {},
    secrets: {},
    token: null,
    lastRefreshAt: null,
    error: null,
    activity: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** Builds the record for a validated definition, keeping what the change does not touch. */
export async function recordFor(
  ports: { cipher: Cipher; clock: Clock },
  definition: AccountDefinition,
  existing: Runtime | undefined,
  mode: 'edit' | 'replace',
): Promise<{ record: AccountRecord; resetToken: boolean }> {
  const { cipher, clock } = ports;
  const { settings, secrets } = splitSecrets(definition);
  const allowed = new Set<string>(secretFieldsOf(definition.preset));
  if (definition.preset === 'oauth2' && settings.clientAuth === 'none') allowed.delete('clientSecret');
  const base = existing?.record ?? emptyRecord(clock.now());
  const kept: Record<string, Envelope> = {};
  // An edit keeps stored secrets the form leaves out; an import replaces the account whole.
  const keeps = (field: string) => allowed.has(field) && (mode === 'edit' || secrets[field] !== undefined);
  // Kept secrets move to the new binding when the connection changes (an edit of the token URL
  // keeps the password); one that cannot be opened stays as it is, locked. The token is not kept
  // then, and a rename changes no binding: nothing here awaits a renewal that is landing.
  const scopeOf = (field: string): SealScope => ({ settings, field });
  const rebind =
    existing !== undefined && !isDeepStrictEqual(connectionOf(base.settings), connectionOf(settings));
  const carried = async (field: string, envelope: Envelope): Promise<Envelope> => {
    if (!rebind || !existing || existing.lockedSecrets.has(field)) return envelope;
    return open(cipher, existing, field, envelope).then(
      (plain) => seal(cipher, plain, scopeOf(field)),
      () => envelope,
    );
  };
  for (const [field, envelope] of Object.entries(base.secrets))
    if (keeps(field) && secrets[field] === undefined) kept[field] = await carried(field, envelope);
  // Changed means a stored secret was dropped or replaced; re-entering the same value is no change.
  let secretsChanged = Object.keys(base.secrets).some((field) => !keeps(field));
  for (const [field, value] of Object.entries(secrets)) {
    const old = base.secrets[field];
    if (old && existing && !existing.lockedSecrets.has(field)) {
      const same = await open(cipher, existing, field, old).then(
        (plain) => plain === value,
        () => false,
      );
      if (same) {
        kept[field] = rebind ? await seal(cipher, value, scopeOf(field)) : old;
        continue;
      }
    }
    kept[field] = await seal(cipher, value, scopeOf(field));
    secretsChanged = true;
  }
  // Saving an account whose values were sealed for other settings is the user's word on them:
  // its token goes (it will not open), and its secrets open again once entered.
  const resetToken =
    !existing ||
    secretsChanged ||
    base.error?.code === SETTINGS_CHANGED ||
    !isDeepStrictEqual(connectionOf(base.settings), connectionOf(settings));
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

/** One account in the CONTRACT §1 export format; secrets only when asked. */
export async function exportEntry(
  cipher: Cipher,
  rt: Runtime,
  includeSecrets: boolean,
): Promise<Record<string, unknown>> {
  const entry: Record<string, unknown> = { name: rt.name, ...rt.record.settings };
  entry.name = rt.name;
  if (includeSecrets) {
    for (const [field, envelope] of Object.entries(rt.record.secrets)) {
      try {
        entry[field] = await open(cipher, rt, field, envelope);
      } catch {
        // A secret that cannot be read here is left out rather than exported wrong.
      }
    }
    // A rotated refresh token replaces the one typed in: the old one no longer works.
    if (rt.record.token?.refresh && 'refreshToken' in entry) {
      try {
        entry.refreshToken = await open(cipher, rt, 'refreshToken', rt.record.token.refresh);
      } catch {
        /* keep the typed one */
      }
    }
  }
  return entry;
}
