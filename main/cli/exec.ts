/** `tokentray exec`: runs a command with the token in its environment, as transparently as exec(3) would. */
// node:child_process and node:os are imported when exec runs: every other command starts without them.

/**
 * Signals passed on to the child (SIGKILL/SIGSTOP cannot be caught; SIGUSR1 is Node's debugger).
 * SIGINT and SIGQUIT are not passed on while tokentray runs at a terminal (see runWithToken).
 */
const FORWARDED: NodeJS.Signals[] =
  process.platform === 'win32'
    ? []
    : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

/** Exit code for a child killed by `signal`, as shells report it. */
export async function signalExitCode(signal: NodeJS.Signals): Promise<number> {
  const { constants } = await import('node:os');
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Runs `command` with stdio inherited and `env` added; resolves to its exit code (126 when it
 * cannot be run, 127 when not found, 128+N when killed by signal N).
 */
export async function runWithToken(
  command: string[],
  env: Record<string, string>,
  err: (text: string) => void,
): Promise<number> {
  const [file, ...args] = command;
  const { spawn } = await import('node:child_process');
  const { isatty } = await import('node:tty');
  const onTerminal = isatty(0) || isatty(1) || isatty(2);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file as string, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    } catch (error) {
      // Thrown, not emitted: E2BIG (a token longer than the OS lets an environment hold), EINVAL.
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const why =
        code === 'E2BIG' ? 'the token and the environment are longer than this system allows' : code;
      err(`tokentray: cannot run ${file}: ${why || (error as Error).message}\n`);
      resolve(126);
      return;
    }
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const signal of FORWARDED) {
      // Ctrl-C and Ctrl-\ at a terminal reach CMD themselves (the terminal signals its whole
      // foreground process group): passing them on too would deliver them twice, which a program
      // may read as "force quit" (a second Ctrl-C). Like system(3), tokentray only outlives them.
      const fromTerminal = onTerminal && (signal === 'SIGINT' || signal === 'SIGQUIT');
      const forward = (): void => {
        if (!fromTerminal && child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      handlers.set(signal, forward);
      process.on(signal, forward);
    }
    const cleanup = (): void => {
      for (const [signal, forward] of handlers) process.off(signal, forward);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      err(`tokentray: cannot run ${file}: ${error.message}\n`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve(signal !== null ? signalExitCode(signal) : (code ?? 1));
    });
  });
}
