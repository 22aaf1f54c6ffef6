/**
 * Where a client finds the local API socket (CONTRACT §2): `--data-dir DIR`, `$TOKENTRAY_SOCKET`,
 * then the tray app's socket. Apart from socket-path.ts (which makes the socket's folder safe) so
 * that `tokentray token NAME` loads only this: `node:path`, which Node has loaded already, and
 * `node:os` only when the home folder is needed (about 0.16 ms of every call otherwise).
 */
import { join, resolve } from 'node:path';

/** The product name Electron uses for the userData folder (package.json `productName`). */
export const APP_DIR_NAME = 'Tokentray';

/** File name of the socket (or, on Windows, of the pipe rendezvous file) inside a data dir. */
export const SOCKET_FILE_NAME = 'agent.sock';

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/** Electron's `app.getPath('userData')` for this app, computed without Electron. */
export function defaultAppDataDir(opts: LocateOptions = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const home = opts.home ?? process.getBuiltinModule('node:os').homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const config = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : null;
  return join(config ?? join(home, '.config'), APP_DIR_NAME);
}

/** `$XDG_RUNTIME_DIR/tokentray/agent.sock` when that is set to an absolute path (not on Windows). */
function runtimeSocketPath(opts: LocateOptions): string | null {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const runtime = env.XDG_RUNTIME_DIR;
  if (platform === 'win32' || runtime === undefined || !runtime.startsWith('/')) return null;
  return join(runtime, 'tokentray', SOCKET_FILE_NAME);
}

/** The tray app's socket: `$XDG_RUNTIME_DIR/tokentray/agent.sock`, else `<appDataDir>/agent.sock`. */
export function defaultSocketPath(appDataDir: string, opts: LocateOptions = {}): string {
  return runtimeSocketPath(opts) ?? join(appDataDir, SOCKET_FILE_NAME);
}

/** CONTRACT §2: with `--data-dir DIR` the socket is exactly `DIR/agent.sock`. */
export function dataDirSocketPath(dataDir: string): string {
  return resolve(dataDir, SOCKET_FILE_NAME);
}

/**
 * The socket a client should use: `--data-dir` first, then `TOKENTRAY_SOCKET` (like
 * `SSH_AUTH_SOCK`), then the tray app's default.
 */
export function clientSocketPath(dataDir: string | undefined, opts: LocateOptions = {}): string {
  if (dataDir !== undefined) return dataDirSocketPath(dataDir);
  const env = opts.env ?? process.env;
  if (env.TOKENTRAY_SOCKET !== undefined && env.TOKENTRAY_SOCKET !== '') return resolve(env.TOKENTRAY_SOCKET);
  // The home folder (and node:os) only when $XDG_RUNTIME_DIR does not say where.
  return runtimeSocketPath(opts) ?? defaultSocketPath(defaultAppDataDir(opts), opts);
}
