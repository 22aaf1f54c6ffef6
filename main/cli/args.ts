/** Command-line parsing and help texts for `tokentray` (CONTRACT §2), on `node:util` parseArgs. */
import { parseArgs } from 'node:util';
import { isMinValid, MAX_MIN_VALID_SECONDS, parseTokenCommandQuickly } from './args-quick.js';

export { parseTokenCommandQuickly } from './args-quick.js';

export const COMMANDS = [
  'agent',
  'import',
  'list',
  'token',
  'header',
  'exec',
  'refresh',
  'remove',
  'login',
] as const;
export type CommandName = (typeof COMMANDS)[number];

const DATA_DIR_HELP = `  --data-dir DIR      talk to the agent started with --data-dir DIR (socket DIR/agent.sock);
                      without it: $TOKENTRAY_SOCKET, else the tray app's socket`;
const HELP_HELP = '  -h, --help          show this help';
const REJECTED_HELP = `  --rejected          the API refused the last token (HTTP 401 invalid_token): renew it now
                      (at most once every 30 s per account; then the current token is printed)`;

export const MAIN_USAGE = `Usage: tokentray COMMAND [OPTIONS]

Hands out fresh API tokens kept by a running Tokentray agent (the tray app, or \`tokentray agent\`).

Commands:
  agent --data-dir DIR --passphrase-file FILE   run the headless agent in the foreground
  import FILE                 add or replace the accounts in FILE ("-" for stdin)
  list [--json]               every account and its state
  token NAME [--min-valid S]  print a valid access token (--rejected: the API refused the last one)
  header NAME [--min-valid S] print "Authorization: Bearer <token>" (--rejected, as for token)
  exec NAME [--min-valid S] -- CMD [ARGS...]
                              run CMD with TOKENTRAY_TOKEN set to a valid token
  refresh NAME                renew now, whatever the expiry
  remove NAME                 delete the account and its secrets
  login NAME [--browser]      sign an account with an interactive grant in (device code, browser)

Run \`tokentray COMMAND --help\` for a command's options, \`tokentray --version\` for the version.
Exit codes: 0 ok, 1 account/provider failed or invalid import file, 2 usage error,
3 no agent running (or its socket is not yours alone), 4 no such account,
5 CLI access not allowed for the account.
`;

export const COMMAND_USAGE: Record<Exclude<CommandName, 'agent'>, string> = {
  import: `Usage: tokentray import FILE [--data-dir DIR]

Adds or replaces the accounts in FILE, an import file { "accounts": [ ... ] } ("-" reads stdin).
The whole file is validated first: one bad account and nothing is imported (exit 1, one line per
problem). Prints one line per account imported.

Options:
${DATA_DIR_HELP}
${HELP_HELP}
`,
  list: `Usage: tokentray list [--json] [--data-dir DIR]

Shows every account and its state: valid, expiring, refreshing, expired, error, unknown-expiry.

Options:
  --json              print { "accounts": [ { name, preset, state, expiresAt, lastRefreshAt,
                      nextRefreshAt, error } ] } instead of a table
${DATA_DIR_HELP}
${HELP_HELP}
`,
  token: `Usage: tokentray token NAME [--min-valid SECONDS] [--rejected] [--data-dir DIR]

Prints a valid access token for NAME and a newline, nothing else. The agent renews it first if it
has expired or would expire within SECONDS (default 60). The account must allow CLI access.

Options:
  --min-valid SECONDS the token must stay valid at least this long (default 60)
${REJECTED_HELP}
${DATA_DIR_HELP}
${HELP_HELP}
`,
  header: `Usage: tokentray header NAME [--min-valid SECONDS] [--rejected] [--data-dir DIR]

Prints "Authorization: Bearer <token>" for NAME, e.g. curl -H "$(tokentray header acme)" URL.

Options:
  --min-valid SECONDS the token must stay valid at least this long (default 60)
${REJECTED_HELP}
${DATA_DIR_HELP}
${HELP_HELP}
`,
  exec: `Usage: tokentray exec NAME [--min-valid SECONDS] [--data-dir DIR] -- CMD [ARGS...]

Runs CMD with TOKENTRAY_TOKEN set to a valid access token for NAME. CMD shares this terminal
(stdin, stdout, stderr); signals sent to tokentray are passed on to it; the exit code is CMD's.
Example: tokentray exec acme -- sh -c 'curl -H "Authorization: Bearer $TOKENTRAY_TOKEN" URL'

Options:
  --min-valid SECONDS the token must stay valid at least this long (default 60)
${DATA_DIR_HELP}
${HELP_HELP}
`,
  refresh: `Usage: tokentray refresh NAME [--data-dir DIR]

Renews NAME's token now, whatever its expiry, and prints one line. A static account has nothing to
renew: that is said and the exit code is 0.

Options:
${DATA_DIR_HELP}
${HELP_HELP}
`,
  login: `Usage: tokentray login NAME [--browser] [--data-dir DIR]

Signs NAME in, for an account whose grant needs a person (grantType authorization_code or
device_code), and waits until its token is stored; then prints one line. The refresh token it gets
keeps the account renewed from then on.
- device_code: prints the code and the link (on stderr); enter the code there, on any device.
- authorization_code: prints the sign-in link (on stderr) to open in a browser on this computer
  (the answer comes back to 127.0.0.1 here); with --browser it opens the system browser itself.
Ctrl+C cancels the sign-in; nothing is changed then.

Options:
  --browser           open the link in the system browser (needs a desktop session)
${DATA_DIR_HELP}
${HELP_HELP}
`,
  remove: `Usage: tokentray remove NAME [--data-dir DIR]

Deletes the account NAME and its stored secrets and tokens.

Options:
${DATA_DIR_HELP}
${HELP_HELP}
`,
};

export type ParsedCommand =
  | { kind: 'help'; text: string }
  | { kind: 'agent'; argv: string[] }
  | { kind: 'import'; dataDir?: string; file: string }
  | { kind: 'list'; dataDir?: string; json: boolean }
  | { kind: 'token' | 'header'; dataDir?: string; name: string; minValid?: number; rejected: boolean }
  | { kind: 'exec'; dataDir?: string; name: string; minValid?: number; command: string[] }
  | { kind: 'refresh' | 'remove'; dataDir?: string; name: string }
  | { kind: 'login'; dataDir?: string; name: string; browser: boolean }
  | { kind: 'version' };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** A command line that makes no sense; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    // Whatever part of argv a message quotes, no control character reaches the terminal as it is.
    super(message.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  'min-valid': { type: 'string' },
  json: { type: 'boolean' },
  rejected: { type: 'boolean' },
  browser: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * A word of the command line as an error shows it: in double quotes, with control characters
 * escaped (JSON's escapes), so a name taken from untrusted input cannot send escape sequences to
 * the terminal that shows the error.
 */
function shown(word: string): string {
  return JSON.stringify(word);
}

/** node:util's parse errors in our own words: its texts suggest `--` and end in a stray quote. */
function describeParseError(error: unknown, args: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'(--?[^' <]+)/.exec(message)?.[1];
  if (option === undefined) return message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${shown(option)}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `${option} takes no value`;
    if (message.includes('ambiguous')) {
      const next = args[args.indexOf(option) + 1] ?? '';
      // The option is one of ours (node:util reports values of known options only).
      const hint = /^[!-~]*$/.test(next) ? ` (if it is the value, write ${option}=${next})` : '';
      return `${option} needs a value, and ${shown(next)} starts with "-"${hint}`;
    }
    return `${option} needs a value`;
  }
  return message;
}

function parseOwnArgs(args: string[], usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, args), usage);
  }
  // An option with a value given twice (`--min-valid 30 --min-valid 40`): which one was meant
  // cannot be told, so neither is picked in silence (the local API refuses a repeated minValid too).
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || OPTIONS[token.name as keyof typeof OPTIONS]?.type !== 'string') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`, usage);
    seen.add(token.name);
  }
  return parsed;
}

function isCommand(word: string | undefined): word is CommandName {
  return (COMMANDS as readonly string[]).includes(word ?? '');
}

function parseMinValid(raw: string | undefined, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!isMinValid(raw)) {
    throw new UsageError(
      `--min-valid must be a whole number of seconds up to ${MAX_MIN_VALID_SECONDS}, not ${shown(raw)}`,
      usage,
    );
  }
  return Number(raw);
}

/** `--data-dir DIR` given before the command (`tokentray --data-dir D list`) is moved after it. */
function hoistDataDir(argv: string[]): string[] {
  const leading: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const word = argv[index] ?? '';
    if (word === '--data-dir' && index + 1 < argv.length) {
      leading.push(word, argv[index + 1] ?? '');
      index += 2;
    } else if (word.startsWith('--data-dir=')) {
      leading.push(word);
      index += 1;
    } else break;
  }
  if (leading.length === 0 || index >= argv.length) return argv;
  const [command, ...rest] = argv.slice(index);
  // exec's own options end at "--": the data dir goes before it, never into CMD.
  const split = command === 'exec' ? rest.indexOf('--') : -1;
  return split === -1
    ? [command ?? '', ...rest, ...leading]
    : [command ?? '', ...rest.slice(0, split), ...leading, ...rest.slice(split)];
}

/** Parses argv (without node and the script) into a command, or throws UsageError. */
export function parseCommandLine(argv: string[]): ParsedCommand {
  return parseTokenCommandQuickly(argv) ?? parseCommandLineFully(argv);
}

/** parseCommandLine without the quick path: every command, on parseArgs. */
export function parseCommandLineFully(argv: string[]): ParsedCommand {
  const [first, ...rest] = hoistDataDir(argv);
  if (first === undefined) throw new UsageError('no command given', MAIN_USAGE);
  if (first === '-h' || first === '--help') return { kind: 'help', text: MAIN_USAGE };
  if ((first === '--version' || first === '-V') && rest.length === 0) return { kind: 'version' };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { kind: 'help', text: MAIN_USAGE };
    if (isCommand(topic)) {
      return topic === 'agent'
        ? { kind: 'agent', argv: ['--help'] }
        : { kind: 'help', text: COMMAND_USAGE[topic] };
    }
    throw new UsageError(`unknown command ${shown(topic)}`, MAIN_USAGE);
  }
  if (first === '--data-dir' || first.startsWith('--data-dir=')) {
    const noValue = first === '--data-dir' && rest.length === 0;
    throw new UsageError(
      noValue ? '--data-dir needs a directory, then a command' : 'no command given',
      MAIN_USAGE,
    );
  }
  if (first === '--version' || first === '-V')
    throw new UsageError(`${first} takes no arguments`, MAIN_USAGE);
  if (first.startsWith('-')) {
    throw new UsageError(
      `${shown(first)} is not a command: options go after the command (tokentray COMMAND [OPTIONS])`,
      MAIN_USAGE,
    );
  }
  if (!isCommand(first)) throw new UsageError(`unknown command ${shown(first)}`, MAIN_USAGE);
  if (first === 'agent') return { kind: 'agent', argv: rest };
  const usage = COMMAND_USAGE[first];

  // exec: everything after the first "--" is the command to run, untouched.
  let own = rest;
  let command: string[] = [];
  if (first === 'exec') {
    const split = rest.indexOf('--');
    if (split !== -1) {
      own = rest.slice(0, split);
      command = rest.slice(split + 1);
    }
  }

  const { values, positionals } = parseOwnArgs(own, usage);
  if (values.help === true) return { kind: 'help', text: usage };
  const dataDir = values['data-dir'];
  if (dataDir === '') throw new UsageError('--data-dir needs a directory', usage);
  const allowed: Record<string, readonly string[]> = {
    import: [],
    list: ['json'],
    token: ['min-valid', 'rejected'],
    header: ['min-valid', 'rejected'],
    exec: ['min-valid'],
    refresh: [],
    remove: [],
    login: ['browser'],
  };
  for (const key of Object.keys(values)) {
    if (key !== 'help' && key !== 'data-dir' && !(allowed[first] ?? []).includes(key)) {
      throw new UsageError(`option --${key} is not valid for "${first}"`, usage);
    }
  }
  const expectPositionals = (count: number, what: string): void => {
    if (positionals.length < count) throw new UsageError(`missing ${what}`, usage);
    if (positionals.length > count)
      throw new UsageError(`unexpected argument ${shown(positionals[count] ?? '')}`, usage);
  };

  switch (first) {
    case 'import':
      expectPositionals(1, 'FILE');
      return { kind: 'import', dataDir, file: positionals[0] as string };
    case 'list':
      expectPositionals(0, '');
      return { kind: 'list', dataDir, json: values.json === true };
    case 'token':
    case 'header':
      expectPositionals(1, 'account NAME');
      return {
        kind: first,
        dataDir,
        name: positionals[0] as string,
        minValid: parseMinValid(values['min-valid'], usage),
        rejected: values.rejected === true,
      };
    case 'exec':
      expectPositionals(1, 'account NAME');
      if (command.length === 0) throw new UsageError('missing "-- CMD [ARGS...]": the command to run', usage);
      return {
        kind: 'exec',
        dataDir,
        name: positionals[0] as string,
        minValid: parseMinValid(values['min-valid'], usage),
        command,
      };
    case 'refresh':
    case 'remove':
      expectPositionals(1, 'account NAME');
      return { kind: first, dataDir, name: positionals[0] as string };
    case 'login':
      expectPositionals(1, 'account NAME');
      return { kind: 'login', dataDir, name: positionals[0] as string, browser: values.browser === true };
  }
}
