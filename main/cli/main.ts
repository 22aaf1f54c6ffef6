/**
 * The CLI's dispatcher: parse, then either print help, hand over to the headless agent (imported
 * lazily: only `agent` loads the engine) or run one command against the local API.
 */
import { parseCommandLine, UsageError } from './args.js';
import { EXIT, runApiCommand, type Output } from './commands.js';

type AgentModule = typeof import('../agent/host.js');

let stdoutGuarded = false;

/**
 * process.stdout, with `tokentray token x | head -c 8` in mind: a reader that hangs up early is not
 * an error worth a stack trace. Made on first use, not at start-up: creating the stream costs about
 * 0.4 ms, which `token` spends while the agent is answering (Output.prepare) instead of before.
 */
export function guardedStdout(): NodeJS.WriteStream {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return process.stdout;
}

const stdio: Output = {
  out: (text) => void guardedStdout().write(text),
  err: (text) => void process.stderr.write(text),
  prepare: () => void guardedStdout(),
};

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Output = stdio): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tokentray: ${error.message}\n\n${error.usage}`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.out(command.text);
    return EXIT.ok;
  }
  if (command.kind === 'version') {
    const { TOKENTRAY_CLI_VERSION } = await import('./version.js');
    io.out(`tokentray ${TOKENTRAY_CLI_VERSION} (Node ${process.versions.node})\n`);
    return EXIT.ok;
  }
  if (command.kind === 'agent') {
    guardedStdout();
    // A variable specifier keeps the bundler from inlining the agent: dist/cli/agent.mjs sits beside this file.
    const specifier = './agent.mjs';
    const agent = (await import(specifier)) as AgentModule;
    return agent.runAgent(command.argv);
  }
  return runApiCommand(command, io);
}
