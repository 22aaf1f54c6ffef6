/**
 * The engine's Cipher over Electron's `safeStorage` (async API, every call under a timeout so a
 * keyring prompt never freezes start-up), and how strongly it protects secrets on this machine.
 * On Linux without a keyring the data is only obfuscated with a fixed key: that is classified
 * `weak`, and secrets are not persisted unless the user accepted it. What the encryption produced
 * decides, not the backend's name: on desktops Chromium does not recognise (Sway, Hyprland, i3) it
 * says `basic_text` while the async key provider still gets a key from the keyring.
 */
import type { SafeStorage } from 'electron';
import { StoreError, toErrorInfo } from '../engine/errors.js';
import type { Cipher } from '../engine/types.js';

export type SafeStorageProtection = 'os' | 'weak' | 'unavailable';
export type LinuxBackend = ReturnType<SafeStorage['getSelectedStorageBackend']>;

export interface ProtectionClass {
  protection: SafeStorageProtection;
  /** What made (or would make) the ciphertexts: `keychain`, `dpapi`, `gnome_libsecret`, `basic_text`, … */
  backend: string;
  /** Why protection is not `os`, for the window, the tray and the log; null when it is. */
  reason: string | null;
}

const LINUX_KEYRINGS: ReadonlySet<string> = new Set(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']);

function hasPrefix(data: Uint8Array, prefix: 'v10' | 'v11'): boolean {
  return data.length >= 3 && Buffer.from(data.subarray(0, 3)).toString('latin1') === prefix;
}

/** Chromium's Linux ciphertexts made with the built-in fixed key start with `v10` (a keyring key gives `v11`). */
export function isFixedKeyCiphertext(platform: NodeJS.Platform, data: Uint8Array): boolean {
  return platform === 'linux' && hasPrefix(data, 'v10');
}

/** Chromium's Linux ciphertexts made with a key from the keyring start with `v11`. */
export function isKeyringCiphertext(platform: NodeJS.Platform, data: Uint8Array): boolean {
  return platform === 'linux' && hasPrefix(data, 'v11');
}

/**
 * Classifies protection from the platform, the Linux backend, availability and a probe ciphertext.
 * On Linux a probe decides whatever the backend's name: `v11` (keyring key) is `os`, `v10` (fixed
 * key) is `weak`; without a recognisable probe the backend's name does.
 */
export function classifyProtection(input: {
  platform: NodeJS.Platform;
  backend: LinuxBackend | null;
  available: boolean;
  probe: Uint8Array | null;
}): ProtectionClass {
  const backend =
    input.platform === 'darwin'
      ? 'keychain'
      : input.platform === 'win32'
        ? 'dpapi'
        : input.platform === 'linux'
          ? (input.backend ?? 'unknown')
          : 'unknown';
  if (!input.available) {
    return { protection: 'unavailable', backend, reason: 'the system keyring is not available' };
  }
  if (input.platform === 'darwin' || input.platform === 'win32')
    return { protection: 'os', backend, reason: null };
  if (input.platform !== 'linux') {
    return { protection: 'weak', backend, reason: `no supported keyring on ${input.platform}` };
  }
  const keyring = LINUX_KEYRINGS.has(backend);
  const noKeyring = {
    protection: 'weak',
    backend,
    reason: `no keyring was found (Linux secret store: ${backend}); data would only be obfuscated with a fixed key`,
  } as const;
  if (input.probe !== null && isKeyringCiphertext(input.platform, input.probe))
    return { protection: 'os', backend, reason: null };
  if (input.probe !== null && isFixedKeyCiphertext(input.platform, input.probe)) {
    if (!keyring) return noKeyring;
    return {
      protection: 'weak',
      backend,
      reason: `the keyring (${backend}) did not provide a key; Chromium fell back to its fixed key`,
    };
  }
  return keyring ? { protection: 'os', backend, reason: null } : noKeyring;
}

/**
 * The engine's `persistSecrets`: whether the store keeps secrets on disk. Weak protection needs
 * the user's consent. An unavailable keyring keeps the store as it is (true): its cipher refuses
 * every call, so stored secrets are marked locked and never rewritten, and nothing new is written.
 */
export function persistSecretsFor(protection: SafeStorageProtection, persistWeakSecrets: boolean): boolean {
  return protection === 'weak' ? persistWeakSecrets : true;
}

export class KeyringTimeoutError extends StoreError {
  constructor(what: string, ms: number) {
    super('locked', `the system keyring did not answer within ${Math.round(ms / 1000)} s (${what})`);
  }
}

/** Resolves like `promise`, or rejects with KeyringTimeoutError after `ms`. */
export function withKeyringTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new KeyringTimeoutError(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

type AsyncSafeStorage = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

export interface SecretStorage extends ProtectionClass {
  cipher: Cipher;
  /**
   * Only when the keyring did not answer in time: its real answer, whenever it comes (a keyring
   * unlocked a minute after login), as storage to switch to; null if it never makes one usable.
   * Never rejects.
   */
  later?: Promise<SecretStorage | null>;
}

export interface SafeStorageDeps {
  safeStorage: AsyncSafeStorage;
  platform: NodeJS.Platform;
  /** `app.isReady()`: safeStorage gives wrong answers before `ready`. */
  isReady(): boolean;
  timeoutMs: number;
  log?: (message: string) => void;
}

const PROBE = 'tokentray keyring probe';

function cipherOver(deps: SafeStorageDeps, cls: ProtectionClass): Cipher {
  const { safeStorage, timeoutMs } = deps;
  return {
    id: `safeStorage:${cls.backend}`,
    async encrypt(plain) {
      if (cls.protection === 'unavailable')
        throw new StoreError('locked', `cannot store secrets: ${cls.reason ?? ''}`);
      const data = await withKeyringTimeout(safeStorage.encryptStringAsync(plain), timeoutMs, 'encrypt');
      // A keyring that stops answering mid-session makes Chromium fall back silently: never write that as "os".
      if (cls.protection === 'os' && isFixedKeyCiphertext(deps.platform, data)) {
        throw new StoreError('locked', 'the keyring stopped providing a key; the secret was not stored');
      }
      return new Uint8Array(data);
    },
    async decrypt(data, onStale) {
      if (cls.protection === 'unavailable')
        throw new StoreError('locked', `cannot read secrets: ${cls.reason ?? ''}`);
      try {
        const out = await withKeyringTimeout(
          safeStorage.decryptStringAsync(Buffer.from(data)),
          timeoutMs,
          'decrypt',
        );
        if (out.shouldReEncrypt) {
          deps.log?.('safeStorage: a secret is encrypted again (the key was rotated)');
          onStale?.();
        }
        return out.result;
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw new StoreError(
          'locked',
          `the keyring could not decrypt a stored secret (${toErrorInfo(error).message})`,
        );
      }
    },
  };
}

/** Opens the safeStorage cipher after `ready`; a keyring that hangs or fails yields `unavailable`, never a crash. */
export async function openSafeStorage(deps: SafeStorageDeps): Promise<SecretStorage> {
  if (!deps.isReady()) throw new StoreError('locked', 'safeStorage is used only after the app is ready');
  const backend = deps.platform === 'linux' ? deps.safeStorage.getSelectedStorageBackend() : null;
  let available = false;
  let probe: Uint8Array | null = null;
  let failure: string | null = null;
  // Kept past the timeout: Electron answers them once the keyring does (it never gives up).
  const availability = deps.safeStorage.isAsyncEncryptionAvailable();
  let probing: Promise<Buffer> | null = null;
  let timedOut = false;
  try {
    available = await withKeyringTimeout(availability, deps.timeoutMs, 'availability');
    if (available) {
      probing = deps.safeStorage.encryptStringAsync(PROBE);
      probe = await withKeyringTimeout(probing, deps.timeoutMs, 'probe');
    }
  } catch (error) {
    available = false;
    failure = toErrorInfo(error).message;
    timedOut = error instanceof KeyringTimeoutError;
  }
  const cls = classifyProtection({ platform: deps.platform, backend, available, probe });
  const final = failure === null ? cls : { ...cls, reason: failure };
  logProtection(deps, final);
  const storage: SecretStorage = { ...final, cipher: cipherOver(deps, final) };
  if (timedOut) storage.later = lateAnswer(deps, availability, probing);
  return storage;
}

function logProtection(deps: SafeStorageDeps, cls: ProtectionClass): void {
  deps.log?.(
    `safeStorage: protection=${cls.protection} backend=${cls.backend}${cls.reason ? ` (${cls.reason})` : ''}`,
  );
}

/** The keyring's answer after the start-up timeout, classified as at start-up (no timeout now). */
async function lateAnswer(
  deps: SafeStorageDeps,
  availability: Promise<boolean>,
  probing: Promise<Buffer> | null,
): Promise<SecretStorage | null> {
  try {
    if (!(await availability)) return null;
    const probe = await (probing ?? deps.safeStorage.encryptStringAsync(PROBE));
    const backend = deps.platform === 'linux' ? deps.safeStorage.getSelectedStorageBackend() : null;
    const cls = classifyProtection({ platform: deps.platform, backend, available: true, probe });
    if (cls.protection === 'unavailable') return null;
    deps.log?.('safeStorage: the keyring answered after the start-up timeout');
    logProtection(deps, cls);
    return { ...cls, cipher: cipherOver(deps, cls) };
  } catch (error) {
    deps.log?.(`safeStorage: the keyring's late answer is unusable (${toErrorInfo(error).message})`);
    return null;
  }
}
