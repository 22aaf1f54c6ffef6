/**
 * The CLI commands over the local API: each turns the agent's answer into stdout, a clear message
 * on stderr and one of the CONTRACT §2 exit codes.
 */
import { readFileSync } from 'node:fs';
import { isatty } from 'node:tty';
import { IMPORT_BODY_LIMIT } from '../agent/limits.js';
import { clientSocketPath } from '../agent/socket-location.js';
import type { AccountListEntry } from '../engine/types.js';
import { rankLookAlikes } from '../agent/look-alikes.js';
import type { ParsedCommand } from './args.js';
import type { TokenCommand } from './args-quick.js';
import {
  callAgent,
  type AgentUnavailableError,
  type ApiAnswer,
  type BadAnswerError,
  type UntrustedSocketError,
} from './client.js';
import { runWithToken } from './exec.js';
import { EXIT } from './exit-codes.js';
import type { LoginEvent } from './login.js';
import { accountPath, noTokenIn, runTokenCommand, tokenIn } from './token-command.js';

export { EXIT } from './exit-codes.js';

/** Where output goes: real stdout/stderr in the CLI, buffers in tests. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Called once a token request is on its way: get ready to print while the agent answers. */
  prepare?(): void;
  /**
   * Called by commands whose stdout only reports a change they made (import, remove, refresh): a
   * report that cannot be written must not turn their exit code into a failure (stdio.ts).
   */
  reportOnly?(): void;
}

type ApiCommand = Exclude<ParsedCommand, { kind: 'help' } | { kind: 'agent' } | { kind: 'version' }>;

const isTokenCommand = (command: ApiCommand): command is TokenCommand =>
  command.kind === 'token' || command.kind === 'header';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Agent text for the terminal: one line, no control characters (no escapes a server slipped in). */
function plain(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return text(value).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

/** At most this many account names follow "no account named …". */
const NAMES_SHOWN = 10;

/**
 * The names to suggest for a mistyped one: those that look alike first, at most NAMES_SHOWN, and
 * how many more there are of `total` (the agent sends its closest names, not always all of them).
 */
export function suggestNames(wanted: string, names: string[], total = names.length): string {
  const shown = rankLookAlikes(wanted, names).slice(0, NAMES_SHOWN).join(', ');
  const more = Math.max(total, names.length) - Math.min(NAMES_SHOWN, names.length);
  return more > 0 ? `${shown} and ${more} more (tokentray list)` : shown;
}

/** Turns a non-200 answer into a message and an exit code. */
export function explainFailure(answer: ApiAnswer, name: string | null, io: Output): number {
  const { status, body } = answer;
  const message = plain(body.message) || `the agent answered HTTP ${status}`;
  if (status === 404 && body.error === 'no_such_account') {
    const names = Array.isArray(body.accounts)
      ? body.accounts.filter((n): n is string => typeof n === 'string').map(plain)
      : [];
    const total = typeof body.accountsTotal === 'number' ? body.accountsTotal : names.length;
    const known =
      names.length > 0
        ? `accounts: ${suggestNames(name ?? '', names, total)}`
        : 'there are no accounts yet (see `tokentray import`)';
    io.err(`tokentray: no account named ${JSON.stringify(name ?? '')}; ${known}\n`);
    return EXIT.noAccount;
  }
  if (status === 503 && body.error === 'agent_stopping') {
    io.err(`tokentray: ${message}\n`);
    return EXIT.noAgent;
  }
  if (status === 403 && body.error === 'cli_access_denied') {
    // The agent's message usually says where to turn it on already; say it only if it does not.
    const hint = message.includes('account window')
      ? ''
      : 'Turn on "CLI access" for it in the Tokentray account window, or import it with "cliAccess": true.\n';
    io.err(`tokentray: ${message}\n${hint}`);
    return EXIT.cliDenied;
  }
  if (body.error === 'validation' && Array.isArray(body.issues)) {
    io.err(`tokentray: ${message}\n`);
    for (const issue of body.issues as Record<string, unknown>[]) {
      // A problem with the file as a whole names it once: "(file): must be a JSON object …".
      const where =
        issue.field === issue.account
          ? plain(issue.account)
          : `${plain(issue.account)}: ${plain(issue.field)}`;
      io.err(`  ${where}: ${plain(issue.message)}\n`);
    }
    return EXIT.failed;
  }
  const what = name !== null && status === 502 ? `"${name}" failed: ` : '';
  io.err(`tokentray: ${what}${message}\n`);
  return EXIT.failed;
}

function noAgent(error: AgentUnavailableError, command: ApiCommand, io: Output): number {
  const how =
    command.dataDir === undefined
      ? 'Start the Tokentray tray app, or run a headless agent:\n' +
        '  tokentray agent --data-dir DIR --passphrase-file FILE\n' +
        'and pass the same --data-dir DIR to this command.\n'
      : `Start one with:\n  tokentray agent --data-dir ${command.dataDir} --passphrase-file FILE\n`;
  io.err(`tokentray: ${error.message}.\n${how}`);
  return EXIT.noAgent;
}

function pad(cells: string[][]): string {
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length))) ?? [];
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace(/\.\d+Z$/, 'Z');
}

/** `list` as a table. */
export function formatTable(accounts: AccountListEntry[]): string {
  if (accounts.length === 0) return 'no accounts (add some with `tokentray import FILE`)\n';
  const rows = accounts.map((a) => [
    plain(a.name),
    plain(a.preset),
    plain(a.state),
    shortTime(a.expiresAt),
    shortTime(a.nextRefreshAt),
    plain(a.error),
  ]);
  return `${pad([['NAME', 'PRESET', 'STATE', 'EXPIRES', 'NEXT RENEWAL', 'ERROR'], ...rows])}\n`;
}

function readImportFile(file: string, io: Output): Buffer {
  if (file !== '-') return readFileSync(file);
  // At a prompt `import -` would wait without a word: say what it waits for, on stderr.
  if (isatty(0)) {
    const end = process.platform === 'win32' ? 'Ctrl-Z, then Enter' : 'Ctrl-D';
    io.err(`tokentray: reading the import file from the terminal: paste it, then press ${end}\n`);
  }
  return readFileSync(0);
}

/** `login NAME [--browser]`: follows the agent's sign-in, telling the person what to do. */
async function login(
  command: Extract<ApiCommand, { kind: 'login' }>,
  socketPath: string,
  io: Output,
): Promise<number> {
  // Loaded here only: node:http and node:child_process would cost every `token` call ~1.7 ms.
  const { hasDesktop, openInBrowser, streamFromAgent } = await import('./login.js');
  let browser = command.browser;
  if (browser && !hasDesktop()) {
    io.err('tokentray: no desktop session here (no DISPLAY or WAYLAND_DISPLAY): open the link yourself\n');
    browser = false;
  }
  const open = async (url: string) => {
    if (!browser) return;
    if (!(await openInBrowser(url)))
      io.err('tokentray: the browser could not be opened: open the link yourself\n');
  };
  const onEvent = (event: LoginEvent) => {
    switch (event.event) {
      case 'device-code': {
        const link = plain(event.verificationUri);
        io.err(
          `To sign in "${command.name}", open ${link} on any device and enter the code ${plain(event.userCode)}\n` +
            (typeof event.verificationUriComplete === 'string'
              ? `(or open ${plain(event.verificationUriComplete)}, which has the code in it)\n`
              : '') +
            `The code expires at ${plain(event.expiresAt)}. Waiting…\n`,
        );
        void open(text(event.verificationUriComplete) || text(event.verificationUri));
        break;
      }
      case 'waiting-for-browser':
        io.err(
          browser
            ? `Opening the browser to sign in "${command.name}". If it does not open, use this link on this computer:\n  ${plain(event.authorizationUrl)}\n`
            : `To sign in "${command.name}", open this link in a browser on this computer (the answer comes back to ${plain(event.redirectUri)}):\n  ${plain(event.authorizationUrl)}\n`,
        );
        io.err(`Waiting until ${plain(event.deadline)}…\n`);
        void open(text(event.authorizationUrl));
        break;
      case 'slow-down':
        io.err(`(the server asked to poll more slowly: every ${plain(String(event.intervalSeconds))} s)\n`);
        break;
      case 'exchanging-code':
        io.err('Signed in at the server; getting the token…\n');
        break;
    }
  };
  const result = await streamFromAgent(socketPath, accountPath(command.name, 'login'), onEvent);
  if (result.kind === 'answer') {
    if (result.answer.status === 409) {
      io.err(`tokentray: ${plain(result.answer.body.message)}\n`);
      return EXIT.failed;
    }
    return explainFailure(result.answer, command.name, io);
  }
  const last = result.last;
  if (last?.event === 'signed-in') {
    const account = (last.account ?? {}) as Partial<AccountListEntry>;
    const until = account.expiresAt
      ? `token valid until ${plain(account.expiresAt)}`
      : 'token expiry unknown';
    io.out(`signed in "${plain(account.name ?? command.name)}": ${until}\n`);
    if (last.refreshTokenIssued === false)
      io.err(
        'tokentray: the server issued no refresh token, so this token cannot be renewed: sign in again when it expires,\n' +
          'or add offline_access to the scope (some servers also need "prompt": "consent" in extraParams)\n',
      );
    return EXIT.ok;
  }
  if (last?.event === 'failed') {
    const status = typeof last.status === 'number' ? last.status : 502;
    return explainFailure({ status, body: last }, command.name, io);
  }
  io.err('tokentray: the agent stopped before the sign-in ended; nothing was changed\n');
  return EXIT.noAgent;
}

async function execute(
  command: Exclude<ApiCommand, TokenCommand>,
  socketPath: string,
  io: Output,
): Promise<number> {
  switch (command.kind) {
    case 'login':
      return login(command, socketPath, io);
    case 'list': {
      const answer = await callAgent(socketPath, 'GET', '/v1/accounts');
      if (answer.status !== 200) return explainFailure(answer, null, io);
      const accounts = (answer.body.accounts ?? []) as AccountListEntry[];
      io.out(command.json ? `${JSON.stringify({ accounts }, null, 2)}\n` : formatTable(accounts));
      // Records the agent keeps but cannot serve (a preset it does not know): on stderr, so the
      // table and the JSON stay what the contract says.
      const setAside = Array.isArray(answer.body.setAside)
        ? answer.body.setAside.filter((n): n is string => typeof n === 'string').map(plain)
        : [];
      if (setAside.length > 0) {
        io.err(
          `tokentray: also kept but not loaded (a preset this version does not know): ${setAside.join(', ')}; ` +
            'update Tokentray, import them again, or remove them (tokentray remove NAME)\n',
        );
      }
      return EXIT.ok;
    }
    case 'exec': {
      const answer = await callAgent(
        socketPath,
        'GET',
        accountPath(command.name, 'token', { minValid: command.minValid }),
      );
      if (answer.status !== 200) return explainFailure(answer, command.name, io);
      const token = tokenIn(answer, 'token');
      if (token === null) return explainError(noTokenIn(socketPath), command, io);
      return runWithToken(command.command, { TOKENTRAY_TOKEN: token }, io.err);
    }
    case 'refresh': {
      const answer = await callAgent(socketPath, 'POST', accountPath(command.name, 'refresh'));
      if (answer.status !== 200) return explainFailure(answer, command.name, io);
      io.out(`${plain(answer.body.message)}\n`);
      return EXIT.ok;
    }
    case 'remove': {
      const answer = await callAgent(socketPath, 'DELETE', accountPath(command.name));
      if (answer.status !== 200) return explainFailure(answer, command.name, io);
      io.out(`removed "${plain(answer.body.removed)}" and its secrets\n`);
      return EXIT.ok;
    }
    case 'import': {
      let file: Buffer;
      try {
        file = readImportFile(command.file, io);
      } catch (error) {
        io.err(
          `tokentray: cannot read ${command.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`,
        );
        return EXIT.failed;
      }
      if (file.length > IMPORT_BODY_LIMIT) {
        io.err(
          `tokentray: ${command.file} is ${(file.length / 1048576).toFixed(1)} MiB; the agent takes import files of up to ${IMPORT_BODY_LIMIT / 1048576} MiB (split it)\n`,
        );
        return EXIT.failed;
      }
      const answer = await callAgent(socketPath, 'POST', '/v1/import', file);
      if (answer.status !== 200) return explainFailure(answer, null, io);
      const accounts = (answer.body.accounts ?? []) as { name: string; preset: string; action: string }[];
      if (accounts.length === 0) io.err('tokentray: the file holds no accounts; nothing imported\n');
      for (const account of accounts)
        io.out(`${plain(account.action)} ${plain(account.name)} (${plain(account.preset)})\n`);
      return EXIT.ok;
    }
  }
}

/**
 * Whether `error` is one of client.ts's errors. By name, not instanceof: the entry's bundle has a
 * client.ts of its own (dist/cli/tokentray.cjs, beside this one in commands.cjs), and what its
 * token command threw is explained here.
 */
function isClientError<T extends Error>(error: unknown, name: T['name']): error is T {
  return error instanceof Error && error.name === name;
}

/**
 * The message and exit code for what a command threw: no agent, a socket that is not the user's
 * own, an answer that is not our protocol. Anything else is rethrown (an internal error).
 */
export function explainError(error: unknown, command: ApiCommand, io: Output): number {
  if (isClientError<AgentUnavailableError>(error, 'AgentUnavailableError'))
    return noAgent(error, command, io);
  if (isClientError<UntrustedSocketError>(error, 'UntrustedSocketError')) {
    // Nothing was sent. Another user may have put it there to receive secrets or hand out tokens.
    io.err(
      `tokentray: ${error.message}.\n` +
        "Nothing was sent: a socket that is not yours alone may be another user's, waiting for\n" +
        'your secrets or to answer with tokens of its own. The agent makes a 0600 socket in a\n' +
        '0700 folder that you own; remove what is there, or use another --data-dir.\n',
    );
    return EXIT.noAgent;
  }
  if (isClientError<BadAnswerError>(error, 'BadAnswerError')) {
    io.err(`tokentray: ${error.message}\n`);
    return EXIT.failed;
  }
  throw error;
}

/** Runs one API command against the agent and returns the exit code. */
export async function runApiCommand(command: ApiCommand, io: Output): Promise<number> {
  if (isTokenCommand(command)) return runTokenCommand(command, io, () => ({ explainFailure, explainError }));
  try {
    return await execute(command, clientSocketPath(command.dataDir), io);
  } catch (error) {
    return explainError(error, command, io);
  }
}
