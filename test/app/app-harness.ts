/**
 * The whole-app harness: the BUILT Tokentray (package.json + dist/ + build/, copied into a folder
 * with no node_modules, as the packaged app has none) run under the Node that Electron 45 embeds,
 * with the Electron stand-in (test/app/standin/electron-standin.ts, a named fake) as `electron`.
 * The test talks to the stand-in over the child-process IPC channel and to the app's window over
 * CDP, with the same page object the UI tests use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ELECTRON_NODE_VERSION, electronNodePath } from '../../scripts/electron-node.mjs';
import { chromiumPath, REPO_ROOT } from '../ui/browser.js';
import type {
  ClipboardState,
  Command,
  MenuItemView,
  Reply,
  StandinConfig,
  StandinEvent,
  TrayState,
  WindowState,
} from './standin/protocol.js';

const require = createRequire(import.meta.url);

/** Electron 45's Node (scripts/electron-node.mjs fetches it; see README, "What is tested where"). */
export { ELECTRON_NODE_VERSION };

/**
 * The Node binary that runs the app as Electron 45 would, or why this machine has none. The
 * test run's global setup (test/global-setup.ts) has fetched it by now where it can be.
 */
export function electronNode(): { ok: true; path: string } | { ok: false; reason: string } {
  return electronNodePath();
}

let standinBundle: Promise<string> | null = null;

/** Builds the stand-in once per test file into a temp folder. */
function standin(): Promise<string> {
  standinBundle ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-standin-'));
    const outfile = path.join(dir, 'electron-standin.cjs');
    await build({
      entryPoints: [path.join(REPO_ROOT, 'test/app/standin/electron-standin.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      external: ['playwright-core'],
      logLevel: 'silent',
    });
    return outfile;
  })();
  return standinBundle;
}

let appFolder: Promise<string> | null = null;

/** The app as electron-builder packs it (package.json, dist/main, dist/preload, dist/renderer) plus build/. */
export function packedApp(): Promise<string> {
  appFolder ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-app-'));
    await cp(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
    for (const part of ['dist/main', 'dist/preload', 'dist/renderer', 'build/tray', 'build/icon.png']) {
      await cp(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
    }
    return dir;
  })();
  return appFolder;
}

export interface Profile {
  /** $HOME of the app (its ~/.config/autostart, its default paths). */
  home: string;
  userData: string;
  runtimeDir: string;
  /** The stand-in's own state: Chromium's profile, the keyring key. */
  stateDir: string;
  root: string;
}

export async function makeProfile(): Promise<Profile> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tokentray-whole-'));
  const profile: Profile = {
    root,
    home: path.join(root, 'home'),
    userData: path.join(root, 'userData'),
    runtimeDir: path.join(root, 'run'),
    stateDir: path.join(root, 'standin'),
  };
  await mkdir(profile.home, { recursive: true });
  await mkdir(profile.runtimeDir, { recursive: true, mode: 0o700 });
  return profile;
}

export interface LaunchOptions {
  profile: Profile;
  keyring?: StandinConfig['keyring'];
  notifications?: StandinConfig['notifications'];
  saveDialogPath?: string | null;
  /** The buttons message boxes answer, in turn (the first button once they run out). */
  messageBoxResponses?: number[];
  args?: string[];
}

export interface RunningApp {
  readonly child: ChildProcess;
  readonly events: StandinEvent[];
  readonly output: () => string;
  command<T = unknown>(command: Command): Promise<T>;
  waitForEvent<E extends StandinEvent>(
    match: (event: StandinEvent) => event is E,
    timeoutMs?: number,
  ): Promise<E>;
  /** Faults the stand-in saw: error boxes and uses real Electron would refuse. */
  faults(): string[];
  tray(): Promise<TrayState>;
  menuLabels(): Promise<string[]>;
  clickTray(...labels: string[]): Promise<void>;
  clipboard(): Promise<ClipboardState>;
  windows(): Promise<WindowState[]>;
  /** The account window's page, over CDP (waits until it exists and has loaded). */
  window(timeoutMs?: number): Promise<Page>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends the process if still running (SIGKILL after a bounded wait) and disconnects CDP. */
  stop(): Promise<void>;
}

/** Starts the built app on `profile`; resolves once it is ready (the stand-in's `ready`). */
export async function launchApp(opts: LaunchOptions): Promise<RunningApp> {
  const node = electronNode();
  if (!node.ok) throw new Error(node.reason);
  const [bundle, app] = await Promise.all([standin(), packedApp()]);
  const config: StandinConfig = {
    chromium: chromiumPath(),
    playwright: path.dirname(require.resolve('playwright-core/package.json')),
    stateDir: opts.profile.stateDir,
    keyring: opts.keyring ?? 'gnome_libsecret',
    saveDialogPath: opts.saveDialogPath ?? null,
    notifications: opts.notifications ?? 'shown',
    messageBoxResponses: opts.messageBoxResponses ?? [],
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: opts.profile.home,
    XDG_RUNTIME_DIR: opts.profile.runtimeDir,
    XDG_CONFIG_HOME: path.join(opts.profile.home, '.config'),
    XDG_CURRENT_DESKTOP: 'GNOME',
    LANG: 'C.UTF-8',
    TOKENTRAY_STANDIN: JSON.stringify(config),
  };
  const child = spawn(
    node.path,
    [bundle, app, `--user-data-dir=${opts.profile.userData}`, ...(opts.args ?? [])],
    {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const events: StandinEvent[] = [];
  const waiters = new Set<() => void>();
  const replies = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  child.on('message', (message: StandinEvent | Reply) => {
    if ('id' in message) {
      replies.get(message.id)?.(message);
      replies.delete(message.id);
      return;
    }
    events.push(message);
    for (const wake of waiters) wake();
  });

  async function command<T>(cmd: Command): Promise<T> {
    if (!child.connected) throw new Error(`the app is not running (${cmd.op}); output:\n${output}`);
    const id = nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stand-in did not answer ${cmd.op}`)), 15_000);
      replies.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send({ id, command: cmd });
    });
    if (!reply.ok) throw new Error(reply.error);
    return reply.value as T;
  }

  function waitForEvent<E extends StandinEvent>(
    match: (event: StandinEvent) => event is E,
    timeoutMs = 15_000,
  ): Promise<E> {
    return new Promise<E>((resolve, reject) => {
      const check = (): boolean => {
        const found = events.find(match);
        if (found === undefined) return false;
        waiters.delete(wake);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(
          new Error(
            `timed out waiting for a stand-in event; saw ${JSON.stringify(events)}; output:\n${output}`,
          ),
        );
      }, timeoutMs);
      waiters.add(wake);
      check();
    });
  }

  const readyOrExit = await Promise.race([
    waitForEvent((e): e is Extract<StandinEvent, { event: 'ready' }> => e.event === 'ready', 60_000).then(
      () => null,
    ),
    exited.then((status) => status),
  ]);
  if (readyOrExit !== null) {
    throw new Error(`the app exited before ready (${JSON.stringify(readyOrExit)}):\n${output}`);
  }
  // The stand-in is ready before the app's own start-up has run (it awaits the keyring, the store,
  // the socket): the app's last start-up line says it is done, the window opened or not.
  const startDeadline = Date.now() + 30_000;
  while (!output.includes('Tokentray started')) {
    if (child.exitCode !== null || Date.now() > startDeadline) {
      throw new Error(`the app did not finish starting (exit ${String(child.exitCode)}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  let browser: Browser | null = null;
  const connect = async (): Promise<Browser> => {
    browser ??= await chromium.connectOverCDP(await command<string>({ op: 'cdpEndpoint' }), {
      timeout: 15_000,
    });
    return browser;
  };

  const running: RunningApp = {
    child,
    events,
    output: () => output,
    command,
    waitForEvent,
    faults: () =>
      events.flatMap((e) =>
        e.event === 'errorBox'
          ? [`error box: ${e.title}: ${e.content}`]
          : e.event === 'strictness'
            ? [e.message]
            : [],
      ),
    tray: () => command<TrayState>({ op: 'trayState' }),
    async menuLabels() {
      const state = await command<TrayState>({ op: 'trayState' });
      const labels = (items: MenuItemView[]): string[] =>
        items.flatMap((i) => [
          i.label,
          ...(i.submenu ? labels(i.submenu).map((l) => `${i.label} › ${l}`) : []),
        ]);
      return labels(state.menu ?? []);
    },
    clickTray: (...labels) => command({ op: 'trayClickItem', path: labels }),
    clipboard: () => command<ClipboardState>({ op: 'clipboardRead' }),
    windows: () => command<WindowState[]>({ op: 'windows' }),
    async window(timeoutMs = 20_000) {
      const b = await connect();
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const context of b.contexts()) {
          for (const page of context.pages()) {
            if (page.url().includes('.app.standin/')) {
              await page.waitForLoadState('load');
              return page;
            }
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no account window within ${timeoutMs} ms; output:\n${output}`);
    },
    exited,
    async stop() {
      await browser?.close().catch(() => undefined);
      browser = null;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return running;
}

/** Removes a profile (bounded retries: Chromium may still be writing its profile). */
export async function removeProfile(profile: Profile): Promise<void> {
  await rm(profile.root, { recursive: true, force: true, maxRetries: 3 });
}

/** Writes a file as another program would have left it in the profile. */
export async function writeInProfile(file: string, contents: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, contents, { mode: 0o600 });
}
