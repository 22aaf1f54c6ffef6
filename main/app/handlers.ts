/**
 * The application's request handlers: what the account window can ask for, implemented over the
 * engine and a few ports. Main's IPC layer (with sender checks and payload validation) and the UI
 * test bridge both serve exactly these, so the renderer is tested against the real thing.
 */
import type {
  AppInfo,
  ErrorInfo,
  ProxyCredentials,
  ProxyLoginRequest,
  RequestHandlers,
  Settings,
  SignInActionResult,
  SignInProgress,
} from '../../preload/contract.js';
import { parseImportText } from '../engine/accounts/import-text.js';
import { toErrorInfo, ValidationError } from '../engine/errors.js';
import { apiBaseFor, formatToken } from '../engine/formats.js';
import type { Engine } from '../engine/types.js';
import { insecureUrlReason } from '../engine/url-policy.js';
import { createSignInRunner, type SignInRunner } from './sign-ins.js';

/**
 * What became of a copy: ok with `verified` when an independent read of the system clipboard saw
 * the text there (false when there is no such reader and Electron's word is all there is); not ok,
 * with a sentence for the user, when the clipboard did not take it.
 */
export type CopyOutcome = { ok: true; verified: boolean } | { ok: false; problem: string };

/** Puts a secret on the clipboard (concealed from history) and clears it later if unchanged. */
export interface ClipboardPort {
  copySecret(text: string, clearAfterSeconds: number): Promise<CopyOutcome>;
}

export interface SettingsPort {
  get(): Settings;
  set(patch: Partial<Settings>): Settings;
}

export interface AppPorts {
  engine: Engine;
  clipboard: ClipboardPort;
  settings: SettingsPort;
  /** Asks where to save an export (a dialog in the app); resolves to the path written, or null if cancelled. */
  saveExport(contents: string, suggestedName: string): Promise<string | null>;
  appInfo(): AppInfo;
  /**
   * Told after the window paused or resumed renewals, so the tray's menu and every window show
   * the new state (the engine itself announces no event for it).
   */
  pausedChanged(paused: boolean): void;
  /** Quits the app the way the tray's "Quit Tokentray" does (an orderly shutdown). */
  quit(): void;
  /**
   * Installs the `tokentray` command (main/desktop/cli-install.ts) and says what it did; it never
   * throws. Without it the request answers that this build cannot.
   */
  installCli?(): Promise<{ ok: boolean; message: string }>;
  /** The proxy sign-in prompts (main/desktop/proxy-login.ts); without it none are ever pending. */
  proxyLogin?: ProxyLoginPort;
  /** Tells the window that an interactive sign-in moved on (the `signInProgress` push). */
  signInProgress?(progress: SignInProgress): void;
  /**
   * Opens an http(s) page in the system browser (shell.openExternal), for "open the sign-in page
   * again". Without it the request answers that this build cannot.
   */
  openExternal?(url: string): Promise<void>;
}

/** The handlers, and the running sign-ins for the tray and notifications that start one. */
export type AppHandlers = RequestHandlers & { readonly signIns: SignInRunner };

/** The proxy sign-in prompts waiting for the window's answer (issue #9). */
export interface ProxyLoginPort {
  pending(): ProxyLoginRequest[];
  /** False when no such prompt is waiting (answered already, or never asked). */
  answer(id: string, credentials: ProxyCredentials | null): boolean;
}

function failure(error: unknown): { ok: false; error: ErrorInfo } {
  return { ok: false, error: toErrorInfo(error) };
}

const problem = (code: string, message: string): { ok: false; error: ErrorInfo } => ({
  ok: false,
  error: { code, message, serverMessage: null, status: null },
});

/** Builds the handler for every request in the contract. */
export function createRequestHandlers(ports: AppPorts): AppHandlers {
  const { engine } = ports;
  const signIns = createSignInRunner({ push: (progress) => ports.signInProgress?.(progress) });
  const noSignIn = () =>
    problem('no_sign_in', 'That sign-in is no longer running: choose Sign in… to start again.');
  return {
    signIns,
    listAccounts: async () => engine.list(),
    validateAccount: async (input, originalName) =>
      engine.validate(input, { originalName: originalName ?? undefined }),
    saveAccount: async (input, originalName) => {
      try {
        return {
          ok: true,
          account: await engine.saveAccount(input, { originalName: originalName ?? undefined }),
        };
      } catch (error) {
        if (error instanceof ValidationError) return { ok: false, issues: error.issues };
        throw error;
      }
    },
    removeAccount: async (name) => (await engine.removeAccount(name)) !== null,
    testConnection: async (input, originalName, signInId) => {
      const test = (extra: Parameters<Engine['testConnection']>[1] = {}) =>
        engine.testConnection(input, { ...(originalName === null ? {} : { originalName }), ...extra });
      if (signInId === null) return test();
      return signIns.run({ test: signInId }, (opts) => test({ ...opts, openBrowser: true }), {
        announce: 'on-event',
        failureOf: (result) => (result.ok ? null : result.error),
      });
    },
    renewAccount: async (name) => {
      try {
        return { ok: true, account: await engine.refresh(name) };
      } catch (error) {
        return failure(error);
      }
    },
    copyToken: async (name, format) => {
      try {
        const view = engine.view(name);
        const token = await engine.token(name, { purpose: 'copy' });
        const apiUrl = apiBaseFor(view?.preset ?? 'oauth2', view?.settings ?? {});
        const clearsInSeconds = ports.settings.get().clipboardClearSeconds;
        const outcome = await ports.clipboard.copySecret(
          formatToken(token.accessToken, format, apiUrl),
          clearsInSeconds,
        );
        if (!outcome.ok) {
          return {
            ok: false,
            error: { code: 'clipboard_refused', message: outcome.problem, serverMessage: null, status: null },
          };
        }
        return { ok: true, clearsInSeconds };
      } catch (error) {
        return failure(error);
      }
    },
    revealToken: async (name) => {
      try {
        // The IPC contract's fields only (IssuedToken also carries the account's name).
        const { accessToken, tokenType, expiresAt } = await engine.token(name, { purpose: 'reveal' });
        return { ok: true, accessToken, tokenType, expiresAt };
      } catch (error) {
        return failure(error);
      }
    },
    accountActivity: async (name) => engine.activity(name),
    setCliAccess: async (name, enabled) => {
      try {
        return { ok: true, account: await engine.setCliAccess(name, enabled) };
      } catch (error) {
        return failure(error);
      }
    },
    importAccounts: async (json) => {
      const parsed = parseImportText(json);
      if (!parsed.ok) return { ok: false, issues: parsed.issues };
      try {
        const imported = await engine.importAccounts(parsed.file);
        return { ok: true, imported: imported.map((a) => a.name) };
      } catch (error) {
        if (error instanceof ValidationError) return { ok: false, issues: error.issues };
        throw error;
      }
    },
    exportAccounts: async (includeSecrets) => {
      const file = await engine.exportAccounts({ includeSecrets });
      const path = await ports.saveExport(`${JSON.stringify(file, null, 2)}\n`, 'tokentray-accounts.json');
      return path === null ? { saved: false } : { saved: true, path };
    },
    getSettings: async () => ports.settings.get(),
    setSettings: async (patch) => ports.settings.set(patch),
    appInfo: async () => ports.appInfo(),
    getPaused: async () => engine.paused,
    setPaused: async (paused) => {
      if (engine.paused !== paused) {
        engine.setPaused(paused);
        ports.pausedChanged(engine.paused);
      }
      return engine.paused;
    },
    quit: async () => {
      ports.quit();
    },
    installCliCommand: async () => {
      if (ports.installCli === undefined)
        return { ok: false, message: 'This build of Tokentray cannot install the command-line tool.' };
      try {
        const { ok, message } = await ports.installCli();
        return { ok, message };
      } catch (error) {
        return {
          ok: false,
          message: `Could not install the command-line tool: ${toErrorInfo(error).message}`,
        };
      }
    },
    pendingProxyLogins: async () => ports.proxyLogin?.pending() ?? [],
    answerProxyLogin: async (id, credentials) => ports.proxyLogin?.answer(id, credentials) ?? false,
    signIn: async (name) => {
      try {
        const account = await signIns.run(
          { account: name },
          (opts) => engine.signIn(name, { ...opts, openBrowser: true }),
          { announce: 'always' },
        );
        return { ok: true, account };
      } catch (error) {
        return failure(error);
      }
    },
    cancelSignIn: async (target) => signIns.cancel(target),
    signInsInProgress: async () => signIns.running(),
    openSignInPage: async (target): Promise<SignInActionResult> => {
      const prompt = signIns.get(target)?.prompt;
      if (!prompt) return noSignIn();
      const url =
        prompt.stage === 'device-code'
          ? (prompt.verificationUriComplete ?? prompt.verificationUri)
          : prompt.authorizationUrl;
      const refused = insecureUrlReason(url);
      if (refused !== null) return problem('insecure_url', `The sign-in page's address ${refused}.`);
      if (!ports.openExternal)
        return problem('unsupported', 'This build of Tokentray cannot open a browser.');
      try {
        // Reviewed: `url` passed insecureUrlReason above, and the port is createOpenExternal
        // (main/desktop/open-external.ts), which checks it again.
        await ports.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
        return { ok: true };
      } catch (error) {
        return problem(
          'browser_failed',
          `The browser could not be opened (${toErrorInfo(error).message}): copy the address into a browser yourself.`,
        );
      }
    },
    copySignInCode: async (target): Promise<SignInActionResult> => {
      const prompt = signIns.get(target)?.prompt;
      if (prompt?.stage !== 'device-code') return noSignIn();
      // The code is for the person to type, not a secret: it stays until they copy something else.
      const outcome = await ports.clipboard.copySecret(prompt.userCode, 0);
      return outcome.ok ? { ok: true } : problem('clipboard_refused', outcome.problem);
    },
  };
}
