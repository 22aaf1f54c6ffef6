/**
 * The command line scripts run on every call, read without node:util's parseArgs or the help
 * texts: the CLI's entry (index.ts) loads only this, client.ts and token-command.ts for it.
 */
import type { ParsedCommand } from './args.js';

/** `token NAME` or `header NAME` with their options. */
export type TokenCommand = Extract<ParsedCommand, { kind: 'token' | 'header' }>;

/**
 * The largest `--min-valid` whose milliseconds are still exact (about 285,000 years). Any larger
 * value a token cannot meet is the agent's to refuse with exit 1, naming the lifetime (CONTRACT
 * §2), not a usage error: a pasted token may be valid for years, a server's for up to one.
 */
export const MAX_MIN_VALID_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** A `--min-valid` value parseMinValid accepts as it is. */
export const isMinValid = (raw: string) => /^\d{1,13}$/.test(raw) && Number(raw) <= MAX_MIN_VALID_SECONDS;

/**
 * What scripts run on every call, `token|header NAME` followed only by `--data-dir`, `--min-valid`
 * (each as `--opt V` or `--opt=V`, at most once, with a valid value not starting with "-") and
 * `--rejected`, read without node:util's parseArgs: loading it is about 5% of `node -e 0`, on every
 * call. Anything else (help, an unusual or wrong spelling, an option twice, a misplaced one) gives
 * null and goes through the full parser (args.ts parseCommandLineFully); where both apply they
 * give the same command (test/unit/cli-args-fast.test.ts).
 */
export function parseTokenCommandQuickly(argv: string[]): TokenCommand | null {
  const [kind, name, ...rest] = argv;
  if ((kind !== 'token' && kind !== 'header') || name === undefined || name === '' || name.startsWith('-'))
    return null;
  let dataDir: string | undefined;
  let minValid: string | undefined;
  let rejected = false;
  for (let index = 0; index < rest.length; index++) {
    const word = rest[index] as string;
    if (word === '--rejected') {
      if (rejected) return null;
      rejected = true;
      continue;
    }
    const equals = word.indexOf('=');
    const key = equals === -1 ? word : word.slice(0, equals);
    if (key !== '--data-dir' && key !== '--min-valid') return null;
    const value = equals === -1 ? rest[++index] : word.slice(equals + 1);
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (key === '--data-dir') {
      if (dataDir !== undefined) return null;
      dataDir = value;
    } else {
      if (minValid !== undefined || !isMinValid(value)) return null;
      minValid = value;
    }
  }
  return {
    kind,
    dataDir,
    name,
    minValid: minValid === undefined ? undefined : Number(minValid),
    rejected,
  };
}
