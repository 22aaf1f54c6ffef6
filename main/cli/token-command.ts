/**
 * `tokentray token NAME` and `tokentray header NAME`, what scripts run on every call: the request
 * and the printed answer. A failure is explained by commands.ts, which the CLI's entry (index.ts)
 * loads with the rest of the CLI only then: a call that gets its token compiles none of it.
 */
import { clientSocketPath } from '../agent/socket-location.js';
import type { TokenCommand } from './args-quick.js';
import { BadAnswerError, callAgent, type ApiAnswer } from './client.js';
import type { Output } from './commands.js';
import { EXIT } from './exit-codes.js';

/** What turns a failed token command into a message and an exit code (commands.ts). */
export interface TokenFailures {
  explainFailure(answer: ApiAnswer, name: string | null, io: Output): number;
  explainError(error: unknown, command: TokenCommand, io: Output): number;
}

/** The local API path of an account (or of one of its actions). */
export function accountPath(
  name: string,
  action?: string,
  options: { minValid?: number; rejected?: boolean } = {},
): string {
  // Both values are digits: nothing to encode (and no URLSearchParams to make on every call).
  const query: string[] = [];
  if (options.minValid !== undefined) query.push(`minValid=${options.minValid}`);
  if (options.rejected === true) query.push('rejected=1');
  const search = query.length > 0 ? `?${query.join('&')}` : '';
  return `/v1/accounts/${encodeURIComponent(name)}${action === undefined ? '' : `/${action}`}${search}`;
}

/** Prints the token (or the header line) and returns 0; a failure goes to `failures`. */
export async function runTokenCommand(
  command: TokenCommand,
  io: Output,
  failures: () => TokenFailures | Promise<TokenFailures>,
): Promise<number> {
  const socketPath = clientSocketPath(command.dataDir);
  let answer: ApiAnswer;
  try {
    answer = await callAgent(
      socketPath,
      'GET',
      accountPath(command.name, command.kind, { minValid: command.minValid, rejected: command.rejected }),
      undefined,
      undefined,
      io.prepare,
    );
  } catch (error) {
    return (await failures()).explainError(error, command, io);
  }
  if (answer.status !== 200) return (await failures()).explainFailure(answer, command.name, io);
  const value = tokenIn(answer, command.kind);
  if (value === null) return (await failures()).explainError(noTokenIn(socketPath), command, io);
  io.out(`${value}\n`);
  return EXIT.ok;
}

/** The token (or header line) of a 200 answer; null when there is none, which no agent sends. */
export function tokenIn(answer: ApiAnswer, kind: 'token' | 'header'): string | null {
  const value = kind === 'header' ? answer.body.header : answer.body.accessToken;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A 200 answer without a token: not our protocol (exit 1), never an empty line and exit 0. */
export const noTokenIn = (socketPath: string) =>
  new BadAnswerError(`unexpected answer from the agent at ${socketPath} (no token in it)`);
