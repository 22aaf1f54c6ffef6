/**
 * The agent's log sink (host.ts stderrLog): lines leave together, in order, at most LOG_FLUSH_MS
 * after the first of them (at the end of the turn once LOG_FLUSH_BYTES wait); nothing pending is
 * lost at close(), exit() or an uncaught exception.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_FLUSH_BYTES, LOG_FLUSH_MS, stderrLog } from '../../main/agent/host.js';

const HOST = fileURLToPath(new URL('../../main/agent/host.ts', import.meta.url));
const nextTurn = () => new Promise<void>((done) => setImmediate(done));
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

describe('stderrLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttlogsink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the lines of LOG_FLUSH_MS together, in order, not one write per line or per turn', async () => {
    const writes: string[] = [];
    // fd -1 is no file: the stream's own write is used.
    const sink = stderrLog({ fd: -1, write: (text: string) => writes.push(text) });
    try {
      sink.write('one');
      await nextTurn();
      sink.write('two');
      await nextTurn();
      expect(writes).toEqual([]);
      const deadline = Date.now() + 5_000;
      while (writes.length === 0 && Date.now() < deadline) await sleep(LOG_FLUSH_MS / 5);
      expect(writes).toEqual(['one\ntwo\n']);
      sink.write('three');
      await sleep(LOG_FLUSH_MS * 3);
      expect(writes).toEqual(['one\ntwo\n', 'three\n']);
    } finally {
      sink.close();
    }
  });

  it('writes at the end of the turn once LOG_FLUSH_BYTES are waiting', async () => {
    const writes: string[] = [];
    const sink = stderrLog({ fd: -1, write: (text: string) => writes.push(text) });
    try {
      const line = 'x'.repeat(99);
      const count = Math.ceil(LOG_FLUSH_BYTES / 100);
      for (let i = 0; i < count; i++) sink.write(line);
      expect(writes).toEqual([]);
      await nextTurn();
      expect(writes).toEqual([`${line}\n`.repeat(count)]);
    } finally {
      sink.close();
    }
  });

  it('writes what is pending at close(), and stops listening for exit', () => {
    const writes: string[] = [];
    const before = process.listenerCount('exit');
    const sink = stderrLog({ fd: -1, write: (text: string) => writes.push(text) });
    expect(process.listenerCount('exit')).toBe(before + 1);
    sink.write('last words');
    sink.close();
    expect(writes).toEqual(['last words\n']);
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('appends to a regular file with the descriptor itself', async () => {
    const file = join(dir, 'agent.log');
    const fd = openSync(file, 'a');
    const sink = stderrLog({
      fd,
      write: () => {
        throw new Error('the stream is not used for a file');
      },
    });
    try {
      const lines = Array.from({ length: 500 }, (_, i) => `line ${i} é ${'x'.repeat(i % 50)}`);
      for (const line of lines.slice(0, 250)) sink.write(line);
      await nextTurn();
      for (const line of lines.slice(250)) sink.write(line);
      sink.close();
      expect(readFileSync(file, 'utf8')).toBe(lines.map((line) => `${line}\n`).join(''));
    } finally {
      closeSync(fd);
    }
  });

  // A process of its own, so that exit() and the crash are real; bounded by spawnSync's timeout.
  const run = (code: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
  const prelude = `import { stderrLog } from ${JSON.stringify(HOST)}; const sink = stderrLog();`;

  it('writes pending lines before process.exit() ends the process', () => {
    const child = run(`${prelude} sink.write('a'); sink.write('b'); process.exit(3);`);
    expect(child.status).toBe(3);
    expect(child.stderr).toBe('a\nb\n');
  });

  it('writes pending lines before an uncaught exception is reported', () => {
    // Thrown from a later turn, with the line still waiting for its LOG_FLUSH_MS.
    const child = run(
      `${prelude} sink.write('served x'); setTimeout(() => { throw new Error('boom'); }, 1);`,
    );
    expect(child.status).toBe(1);
    expect(child.stderr.startsWith('served x\n')).toBe(true);
    expect(child.stderr).toContain('boom');
  });
});
