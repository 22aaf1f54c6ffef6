/**
 * The headless agent's cipher: a key derived from a passphrase with scrypt, AES-256-GCM per value.
 * A verifier in `keyfile.json` detects a wrong passphrase before anything is read or written.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import { STORE_FILE, writeFileNoFollow } from './store.js';
import type { Cipher } from './types.js';

/** The key file's name in a data dir. */
export const KEY_FILE = 'keyfile.json';

const VERIFIER_PLAINTEXT = 'tokentray passphrase verifier v1';
const KDF = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;

interface KeyFile {
  v: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  keyId: string;
  verifier: string;
}

function deriveKey(
  passphrase: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, KDF.keyLength, { ...params, maxmem: 256 * params.N * params.r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** AES-256-GCM: 12-byte IV, ciphertext, 16-byte tag. */
export function sealWithKey(key: Buffer, plain: string): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Reverses sealWithKey; throws when the key is wrong or the data was altered. */
export function openWithKey(key: Buffer, data: Uint8Array): string {
  const buffer = Buffer.from(data);
  if (buffer.length < 28) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, buffer.subarray(0, 12));
  decipher.setAuthTag(buffer.subarray(buffer.length - 16));
  return Buffer.concat([decipher.update(buffer.subarray(12, buffer.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

function cipherFor(key: Buffer, keyId: string): Cipher {
  return {
    id: `passphrase:${keyId}`,
    authenticated: true,
    encrypt: async (plain) => sealWithKey(key, plain),
    decrypt: async (data) => openWithKey(key, data),
  };
}

/** The ids of the passphrase keys whose envelopes (`{"c":"passphrase:ID","d":…}`) the store holds. */
function passphraseKeyIdsIn(storePath: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(storePath, 'utf8'));
  } catch {
    // No store yet, or one the store itself will refuse with its own message.
    return [];
  }
  const ids = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 32 || typeof value !== 'object' || value === null) return;
    const c = (value as { c?: unknown }).c;
    if (typeof c === 'string' && c.startsWith('passphrase:')) ids.add(c.slice('passphrase:'.length));
    for (const child of Object.values(value)) walk(child, depth + 1);
  };
  walk(parsed, 0);
  return [...ids].sort();
}

/**
 * Opens (or, on first use, creates) the passphrase key of a data dir. A store that already holds
 * secrets sealed with a passphrase key, with the key file gone, is refused (StoreError
 * 'missing_key'): a new key would start the agent with every secret unreadable. A wrong passphrase throws
 * StoreError('wrong_passphrase') and leaves every file as it was.
 */
export async function openPassphraseCipher(dataDir: string, passphrase: string): Promise<Cipher> {
  if (passphrase.length === 0) throw new StoreError('wrong_passphrase', 'the passphrase is empty');
  const path = join(dataDir, KEY_FILE);
  if (existsSync(path)) {
    let file: KeyFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
    } catch (error) {
      throw new StoreError(
        'unreadable',
        `${path} is not valid JSON (${(error as Error).message}); it was left as it is`,
      );
    }
    const key = await deriveKey(passphrase, Buffer.from(file.salt, 'base64'), file);
    let verified = false;
    try {
      const plain = Buffer.from(openWithKey(key, Buffer.from(file.verifier, 'base64')));
      const expected = Buffer.from(VERIFIER_PLAINTEXT);
      verified = plain.length === expected.length && timingSafeEqual(plain, expected);
    } catch {
      verified = false;
    }
    if (!verified) {
      throw new StoreError(
        'wrong_passphrase',
        `wrong passphrase for ${dataDir} (nothing was read or changed)`,
      );
    }
    return cipherFor(key, file.keyId);
  }
  const orphaned = passphraseKeyIdsIn(join(dataDir, STORE_FILE));
  if (orphaned.length > 0) {
    throw new StoreError(
      'missing_key',
      `${path} is missing, but ${join(dataDir, STORE_FILE)} holds secrets sealed with a passphrase key ` +
        `(${orphaned.join(', ')}); a new key could never read them. Restore ${KEY_FILE} from a backup, ` +
        `or move ${STORE_FILE} away to start afresh (nothing was changed)`,
    );
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const salt = randomBytes(16);
  const key = await deriveKey(passphrase, salt, KDF);
  const keyId = randomBytes(6).toString('hex');
  const file: KeyFile = {
    v: 1,
    kdf: 'scrypt',
    N: KDF.N,
    r: KDF.r,
    p: KDF.p,
    salt: salt.toString('base64'),
    keyId,
    verifier: Buffer.from(sealWithKey(key, VERIFIER_PLAINTEXT)).toString('base64'),
  };
  // O_CREAT|O_EXCL temp file, renamed into place; a symbolic link at the path is refused.
  try {
    writeFileNoFollow(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  } catch (error) {
    throw new StoreError('io', `cannot create ${path}: ${(error as Error).message}`);
  }
  return cipherFor(key, keyId);
}
