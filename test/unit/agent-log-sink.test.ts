/**
 * The agent's log sink (host.ts stderrLog): the lines of one event-loop turn leave in one write,
 * in order, after the turn; nothing pending is lost at close(), exit() or an uncaught exception.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stderrLog } from '../../main/agent/host.js';

const HOST = fileURLToPath(new URL('../../main/agent/host.ts', import.meta.url));
const nextTurn = () => new Promise<void>((done) => setImmediate(done));

describe('stderrLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttlogsink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the lines of one turn together, in order, once the turn is over', async () => {
    const writes: string[] = [];
    // fd -1 is no file: the stream's own write is used.
    const sink = stderrLog({ fd: -1, write: (text: string) => writes.push(text) });
    try {
      sink.write('one');
      sink.write('two');
      expect(writes).toEqual([]);
      await nextTurn();
      expect(writes).toEqual(['one\ntwo\n']);
      sink.write('three');
      await nextTurn();
      await nextTurn();
      expect(writes).toEqual(['one\ntwo\n', 'three\n']);
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
    const child = run(`${prelude} sink.write('served x'); throw new Error('boom');`);
    expect(child.status).toBe(1);
    expect(child.stderr.startsWith('served x\n')).toBe(true);
    expect(child.stderr).toContain('boom');
  });
});
