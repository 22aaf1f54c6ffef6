/**
 * The real wl-paste / wl-copy runner, against fake `wl-paste` and `wl-copy` shell scripts put
 * first on PATH (the fakes share a "selection" file, as a compositor would). The app itself never
 * runs a shell: these scripts only stand in for wl-clipboard's binaries.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSystemClipboardTools,
  findOnPath,
  isWaylandSession,
} from '../../main/desktop/clipboard-check.js';

const FAKE_WL_PASTE = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_DIR/wl-paste.argv"
case "$FAKE_WL_PASTE" in
  slow)
    # A grandchild holding stdout open, and the script itself hanging.
    sleep 5 &
    echo $! > "$FAKE_DIR/slow.pid"
    wait ;;
  broken) echo 'Failed to connect to a Wayland server' >&2; exit 1 ;;
  selection)
    if [ -f "$FAKE_DIR/selection" ]; then cat "$FAKE_DIR/selection"
    else echo 'Nothing is copied' >&2; exit 1; fi ;;
  *) printf 'fixed value' ;;
esac
`;

const FAKE_WL_COPY = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_DIR/wl-copy.argv"
case " $* " in *" --sensitive "*)
  if [ "$FAKE_WL_COPY" = old ]; then echo "wl-copy: unrecognized option '--sensitive'" >&2; exit 1; fi ;;
esac
case " $* " in *" --clear "*) rm -f "$FAKE_DIR/selection"; exit 0 ;; esac
cat > "$FAKE_DIR/selection"
# wl-copy forks a server that keeps serving the selection, and the parent exits.
sleep 3 &
echo $! > "$FAKE_DIR/server.pid"
exit 0
`;

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-token-value.sig';

describe.skipIf(process.platform === 'win32')('wl-clipboard runner (fake scripts first on PATH)', () => {
  let dir: string;
  let log: string[];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-wl-'));
    await writeFile(path.join(dir, 'wl-paste'), FAKE_WL_PASTE);
    await writeFile(path.join(dir, 'wl-copy'), FAKE_WL_COPY);
    await chmod(path.join(dir, 'wl-paste'), 0o755);
    await chmod(path.join(dir, 'wl-copy'), 0o755);
    log = [];
  });
  afterEach(async () => {
    // End the fakes' lingering children (the "server", the slow sleep), by their recorded pids.
    for (const name of ['server.pid', 'slow.pid']) {
      const pid = Number((await readFile(path.join(dir, name), 'utf8').catch(() => '')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    WAYLAND_DISPLAY: 'wayland-fake',
    FAKE_DIR: dir,
    ...extra,
  });
  const tools = (e: NodeJS.ProcessEnv, timeoutMs = 2_000) =>
    createSystemClipboardTools({ platform: 'linux', env: e, log: (l) => log.push(l), timeoutMs });
  const argvOf = async (tool: string): Promise<string[]> =>
    (await readFile(path.join(dir, `${tool}.argv`), 'utf8')).trimEnd().split('\n');

  it('reads the clipboard with wl-paste --no-newline --type text/plain', async () => {
    expect(await tools(env()).check.readBack()).toBe('fixed value');
    expect(await argvOf('wl-paste')).toEqual(['--no-newline --type text/plain']);
  });

  it('an empty clipboard reads back as no text, a broken wl-paste as unknown', async () => {
    expect(await tools(env({ FAKE_WL_PASTE: 'selection' })).check.readBack()).toBe('');
    expect(await tools(env({ FAKE_WL_PASTE: 'broken' })).check.readBack()).toBeNull();
    expect(log).toEqual(['clipboard: wl-paste failed (exit 1: Failed to connect to a Wayland server)']);
  });

  it('a wl-paste that hangs is given up on within the timeout, though its child holds the pipe', async () => {
    const started = Date.now();
    expect(await tools(env({ FAKE_WL_PASTE: 'slow' }), 300).check.readBack()).toBeNull();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
    expect(log).toEqual(['clipboard: wl-paste gave no answer within 300 ms']);
  });

  it('wl-copy gets the token on stdin, never in argv, and returns while its server keeps serving', async () => {
    const { check, copier } = tools(env({ FAKE_WL_PASTE: 'selection' }));
    const started = Date.now();
    expect(await copier.copy(TOKEN)).toBe('done');
    // The fake server sleeps 3 s: the copy did not wait for it.
    expect(Date.now() - started).toBeLessThan(2_500);
    const argv = await argvOf('wl-copy');
    expect(argv).toEqual(['--type text/plain --sensitive']);
    expect(argv.join(' ')).not.toContain('secret-token-value');
    expect(await readFile(path.join(dir, 'selection'), 'utf8')).toBe(TOKEN);
    expect(await check.readBack()).toBe(TOKEN);
    expect(log.join('\n')).not.toContain('secret-token-value');
  });

  it('an older wl-copy without --sensitive is asked again without it', async () => {
    const { copier } = tools(env({ FAKE_WL_COPY: 'old' }));
    expect(await copier.copy(TOKEN)).toBe('done');
    expect(await argvOf('wl-copy')).toEqual(['--type text/plain --sensitive', '--type text/plain']);
    expect(await readFile(path.join(dir, 'selection'), 'utf8')).toBe(TOKEN);
  });

  it('wl-copy --clear empties the clipboard', async () => {
    const { check, copier } = tools(env({ FAKE_WL_PASTE: 'selection' }));
    await copier.copy(TOKEN);
    expect(await copier.clear()).toBe('done');
    expect((await argvOf('wl-copy')).at(-1)).toBe('--clear');
    expect(await check.readBack()).toBe('');
  });

  it('outside a Wayland session nothing runs: no reader, no copier', async () => {
    const { check, copier } = tools(env({ WAYLAND_DISPLAY: undefined, XDG_SESSION_TYPE: 'x11' }));
    expect(await check.readBack()).toBeNull();
    expect(await copier.copy(TOKEN)).toBe('unavailable');
    await expect(readFile(path.join(dir, 'wl-paste.argv'), 'utf8')).rejects.toThrow(/ENOENT/);
    await expect(readFile(path.join(dir, 'wl-copy.argv'), 'utf8')).rejects.toThrow(/ENOENT/);
    const mac = createSystemClipboardTools({ platform: 'darwin', env: env(), log: (l) => log.push(l) });
    expect(await mac.check.readBack()).toBeNull();
  });

  it('Wayland without wl-clipboard installed: unknown, said once', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'tokentray-nowl-'));
    try {
      const { check, copier } = tools({ PATH: empty, WAYLAND_DISPLAY: 'wayland-fake' });
      expect(await check.readBack()).toBeNull();
      expect(await check.readBack()).toBeNull();
      expect(await copier.clear()).toBe('unavailable');
      expect(log).toEqual([
        'clipboard: Wayland session without wl-paste: copies cannot be checked (install wl-clipboard)',
        'clipboard: Wayland session without wl-copy (install wl-clipboard)',
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('finds tools only in absolute PATH directories', async () => {
    expect(await findOnPath('wl-paste', { PATH: dir })).toBe(path.join(dir, 'wl-paste'));
    expect(await findOnPath('wl-paste', { PATH: path.relative(process.cwd(), dir) })).toBeNull();
    expect(await findOnPath('wl-paste', {})).toBeNull();
  });

  it('tells a Wayland session by WAYLAND_DISPLAY or XDG_SESSION_TYPE, on Linux only', () => {
    expect(isWaylandSession('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
    expect(isWaylandSession('linux', { XDG_SESSION_TYPE: 'wayland' })).toBe(true);
    expect(isWaylandSession('linux', { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' })).toBe(false);
    expect(isWaylandSession('linux', { WAYLAND_DISPLAY: '' })).toBe(false);
    expect(isWaylandSession('freebsd', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(false);
  });
});
