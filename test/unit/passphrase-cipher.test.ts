/**
 * The headless agent's passphrase cipher: round trip, tamper detection, and a wrong passphrase
 * touches nothing; and the passphrase file, refused when group or others may read or write it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync } from 'node:fs';
import { chmod, readdir, readFile, rm, stat, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../../main/agent/shell-quote.js';
import { openPassphraseCipher, StoreError } from '../../main/engine/index.js';
import { openWithKey, sealWithKey } from '../../main/engine/passphrase-cipher.js';
import { MAX_PASSPHRASE_FILE_BYTES, PassphraseFileError, readPassphrase } from '../../main/agent/host.js';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop() ?? '', { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tokentray-pass-'));
  dirs.push(dir);
  return dir;
}

/** Every file's name, bytes, mode and mtime: "byte-identical" means this does not change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const info = await stat(path);
    out[name] = `${info.mode.toString(8)} ${info.mtimeMs} ${(await readFile(path)).toString('base64')}`;
  }
  return out;
}

describe('openPassphraseCipher', () => {
  it('creates a key file with mode 0600 on first use and round-trips values', async () => {
    const dir = await tempDir();
    const cipher = await openPassphraseCipher(dir, 'correct horse battery staple');
    expect(cipher.id).toMatch(/^passphrase:[0-9a-f]{12}$/);
    expect((await stat(join(dir, 'keyfile.json'))).mode & 0o777).toBe(0o600);
    const sealed = await cipher.encrypt('client-secret-+/=%:');
    expect(Buffer.from(sealed).toString('utf8')).not.toContain('client-secret');
    expect(await cipher.decrypt(sealed)).toBe('client-secret-+/=%:');
  });

  it('opens again with the same passphrase and reads what the first one wrote', async () => {
    const dir = await tempDir();
    const first = await openPassphraseCipher(dir, 'pass phrase ✓');
    const sealed = await first.encrypt('token value');
    const second = await openPassphraseCipher(dir, 'pass phrase ✓');
    expect(second.id).toBe(first.id);
    expect(await second.decrypt(sealed)).toBe('token value');
  });

  it('throws StoreError wrong_passphrase for a wrong passphrase and leaves the directory byte-identical', async () => {
    const dir = await tempDir();
    const cipher = await openPassphraseCipher(dir, 'right');
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify({ sealed: Buffer.from(await cipher.encrypt('x')).toString('base64') }),
    );
    const before = await snapshot(dir);
    const attempt = openPassphraseCipher(dir, 'wrong');
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'wrong_passphrase' });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses an empty passphrase without creating anything', async () => {
    const dir = await tempDir();
    await expect(openPassphraseCipher(dir, '')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports an unreadable key file without changing it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'keyfile.json'), '{not json');
    const before = await snapshot(dir);
    await expect(openPassphraseCipher(dir, 'x')).rejects.toMatchObject({ code: 'unreadable' });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('refuses to make a new key while the store holds secrets sealed with a lost one, changing nothing', async () => {
    const dir = await tempDir();
    const cipher = await openPassphraseCipher(dir, 'right');
    const sealed = Buffer.from(await cipher.encrypt('the password')).toString('base64');
    await writeFile(
      join(dir, 'accounts.json'),
      JSON.stringify({ accounts: { acme: { secrets: { password: { c: cipher.id, d: sealed } } } } }),
    );
    await rm(join(dir, 'keyfile.json'));
    const before = await snapshot(dir);
    const attempt = openPassphraseCipher(dir, 'any passphrase at all');
    await expect(attempt).rejects.toMatchObject({ code: 'missing_key' });
    await expect(attempt).rejects.toThrow(
      `${join(dir, 'keyfile.json')} is missing, but ${join(dir, 'accounts.json')} holds secrets sealed with a passphrase key (${cipher.id.slice('passphrase:'.length)})`,
    );
    expect(await snapshot(dir)).toEqual(before);
    // A store with no such secret (a new data dir, or one whose accounts hold none) gets its key.
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ accounts: {} }));
    await expect(openPassphraseCipher(dir, 'new')).resolves.toMatchObject({
      id: expect.stringMatching(/^passphrase:/),
    });
  });

  it('uses a fresh IV per value: the same plaintext never seals to the same bytes', async () => {
    const dir = await tempDir();
    const cipher = await openPassphraseCipher(dir, 'p');
    const a = Buffer.from(await cipher.encrypt('same'));
    const b = Buffer.from(await cipher.encrypt('same'));
    expect(a.equals(b)).toBe(false);
  });
});

describe('AES-256-GCM envelope', () => {
  const key = Buffer.alloc(32, 7);

  it('detects a flipped bit', () => {
    const sealed = Buffer.from(sealWithKey(key, 'secret'));
    sealed[14] = (sealed[14] ?? 0) ^ 1;
    expect(() => openWithKey(key, sealed)).toThrow();
  });

  it('refuses data shorter than IV plus tag', () => {
    expect(() => openWithKey(key, new Uint8Array(10))).toThrow(/too short/);
  });

  it('refuses another key', () => {
    expect(() => openWithKey(Buffer.alloc(32, 8), sealWithKey(key, 'secret'))).toThrow();
  });
});

describe('the passphrase file (issue #12: refused, not just warned about, when others may use it)', () => {
  async function passFile(mode: number, name = 'agent.pass'): Promise<string> {
    const path = join(await tempDir(), name);
    await writeFile(path, 'correct horse\nsecond line\n');
    await chmod(path, mode);
    return path;
  }

  it.each(['0644', '0640', '0604', '0620', '0602', '0660', '0666', '0770'])(
    'mode %s is refused, naming the mode and the chmod 600 that fixes it',
    async (octal) => {
      const path = await passFile(Number.parseInt(octal, 8));
      await expect(readPassphrase(path)).rejects.toThrow(PassphraseFileError);
      await expect(readPassphrase(path)).rejects.toThrow(`its mode is ${octal}`);
      await expect(readPassphrase(path)).rejects.toThrow(`chmod 600 ${path}`);
    },
  );

  it.each(['0600', '0400'])('mode %s is read: the first line only', async (octal) => {
    expect(await readPassphrase(await passFile(Number.parseInt(octal, 8)))).toBe('correct horse');
  });

  it('quotes a path with spaces in the chmod it suggests', async () => {
    const path = await passFile(0o644, "my agent's pass");
    await expect(readPassphrase(path)).rejects.toThrow(`chmod 600 '${path.replace(/'/g, `'\\''`)}'`);
    expect(shellQuote("a b'c")).toBe(`'a b'\\''c'`);
    // A relative path that starts with "-" is not an option of the command it goes into.
    expect(shellQuote('--target-directory=/tmp/x')).toBe('./--target-directory=/tmp/x');
    expect(shellQuote('-x y')).toBe(`'./-x y'`);
  });

  it('ignores POSIX modes on Windows, where they mean nothing', async () => {
    expect(await readPassphrase(await passFile(0o644), 'win32')).toBe('correct horse');
  });

  it('refuses an empty file, a folder and a file too large to be a passphrase file, naming each', async () => {
    const empty = join(await tempDir(), 'empty');
    await writeFile(empty, '', { mode: 0o600 });
    await expect(readPassphrase(empty)).rejects.toThrow(`the passphrase file ${empty} is empty`);
    const folder = await tempDir();
    // Its type is what is wrong, whatever its mode.
    await chmod(folder, 0o755);
    await expect(readPassphrase(folder)).rejects.toThrow(`${folder}: it is not a regular file or a pipe`);
    const large = join(await tempDir(), 'large');
    await writeFile(large, `pass\n${'x'.repeat(MAX_PASSPHRASE_FILE_BYTES)}`, { mode: 0o600 });
    await expect(readPassphrase(large)).rejects.toThrow(/is 65541 bytes, more than a passphrase file holds/);
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a socket (`/dev/stdin` under a program that gives its child a socketpair), saying so',
    async () => {
      const path = join(await tempDir(), 'pass.sock');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(path, resolve));
      try {
        await expect(readPassphrase(path)).rejects.toThrow(
          `refusing the passphrase file ${path}: it is a socket, not a regular file or a pipe`,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});

async function passFileOf(mode: number): Promise<string> {
  const path = join(await tempDir(), 'agent.pass');
  await writeFile(path, 'correct horse\n');
  await chmod(path, mode);
  return path;
}

describe.skipIf(process.platform === 'win32')(
  'a passphrase pipe or FIFO (never blocks the event loop)',
  () => {
    async function fifo(): Promise<string> {
      const path = join(await tempDir(), 'pass.fifo');
      const made = spawnSync('mkfifo', ['-m', '600', path]);
      expect(made.status).toBe(0);
      return path;
    }

    /** Writes `text` into the FIFO from another process after `delayMs` (its open waits for us). */
    function writeLater(path: string, text: string, delayMs: number): Promise<unknown> {
      const writer = spawn(
        'sh',
        ['-c', `sleep ${delayMs / 1000}; printf '%s' "$1" > "$2"`, 'sh', text, path],
        {
          stdio: 'ignore',
        },
      );
      const killer = setTimeout(() => writer.kill('SIGKILL'), 10_000);
      return once(writer, 'close').finally(() => clearTimeout(killer));
    }

    it('a FIFO nobody writes to is refused after the wait, naming it, and the event loop ran meanwhile', async () => {
      const path = await fifo();
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 10);
      const started = Date.now();
      try {
        await expect(readPassphrase(path, process.platform, 300)).rejects.toThrow(
          `no passphrase arrived through ${path} (a pipe) within 300 ms`,
        );
      } finally {
        clearInterval(ticker);
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      // A blocking open() would have held every timer until a writer came (here: never).
      expect(ticks).toBeGreaterThan(5);
    });

    it('a FIFO whose writer comes later gives its first line', async () => {
      const path = await fifo();
      const writer = writeLater(path, 'correct horse\nsecond line\n', 200);
      expect(await readPassphrase(path, process.platform, 5_000)).toBe('correct horse');
      await writer;
    });

    it('a writer that sends no line ending and closes: what it sent is the passphrase', async () => {
      const path = await fifo();
      const writer = writeLater(path, 'correct horse', 100);
      expect(await readPassphrase(path, process.platform, 5_000)).toBe('correct horse');
      await writer;
    });

    it('a first line longer than 64 KiB through a pipe is refused, as from a file', async () => {
      const path = await fifo();
      const writer = writeLater(path, 'x'.repeat(MAX_PASSPHRASE_FILE_BYTES + 10), 50);
      await expect(readPassphrase(path, process.platform, 5_000)).rejects.toThrow(
        `refusing the passphrase from ${path}: its first line is longer than 64 KiB`,
      );
      await writer.catch(() => undefined);
    });

    it.skipIf(process.getuid?.() !== 0)(
      'root reads a 0600 file of another user (a Docker secret keeps the host uid)',
      async () => {
        const file = await passFileOf(0o600);
        chownSync(file, 65534, 65534);
        expect(await readPassphrase(file)).toBe('correct horse');
      },
    );

    it('a CRLF line ending through a pipe gives the same passphrase as from a file', async () => {
      const path = await fifo();
      const writer = writeLater(path, 'correct horse\r\nsecond\r\n', 50);
      expect(await readPassphrase(path, process.platform, 5_000)).toBe('correct horse');
      await writer;
      const file = join(await tempDir(), 'crlf');
      await writeFile(file, 'correct horse\r\n', { mode: 0o600 });
      expect(await readPassphrase(file)).toBe('correct horse');
    });

    it('a FIFO others may write is refused like a file, before anything is read', async () => {
      const path = await fifo();
      await chmod(path, 0o622);
      await expect(readPassphrase(path)).rejects.toThrow(`its mode is 0622`);
    });
  },
);
