/** `tokentray` command-line parsing (CONTRACT §2). */
import { describe, expect, it } from 'vitest';
import { COMMAND_USAGE, MAIN_USAGE, parseCommandLine, UsageError } from '../../main/cli/args.js';

describe('parseCommandLine', () => {
  it('parses every command with its options', () => {
    expect(parseCommandLine(['import', 'f.json'])).toEqual({
      kind: 'import',
      file: 'f.json',
      dataDir: undefined,
    });
    expect(parseCommandLine(['import', '-', '--data-dir', '/d'])).toEqual({
      kind: 'import',
      file: '-',
      dataDir: '/d',
    });
    expect(parseCommandLine(['list'])).toEqual({ kind: 'list', json: false, dataDir: undefined });
    expect(parseCommandLine(['list', '--json', '--data-dir=/d'])).toEqual({
      kind: 'list',
      json: true,
      dataDir: '/d',
    });
    expect(parseCommandLine(['token', 'acme'])).toEqual({
      kind: 'token',
      name: 'acme',
      minValid: undefined,
      rejected: false,
      dataDir: undefined,
    });
    expect(parseCommandLine(['token', '--min-valid', '300', 'acme'])).toEqual({
      kind: 'token',
      name: 'acme',
      minValid: 300,
      rejected: false,
      dataDir: undefined,
    });
    expect(parseCommandLine(['token', 'acme', '--rejected'])).toMatchObject({ rejected: true });
    expect(parseCommandLine(['--data-dir', '/d', 'list'])).toEqual({
      kind: 'list',
      json: false,
      dataDir: '/d',
    });
    expect(parseCommandLine(['--data-dir=/d', 'token', 'acme'])).toMatchObject({
      kind: 'token',
      dataDir: '/d',
    });
    expect(parseCommandLine(['header', 'acme', '--data-dir', '/d'])).toMatchObject({
      kind: 'header',
      name: 'acme',
      dataDir: '/d',
    });
    expect(parseCommandLine(['refresh', 'acme'])).toEqual({
      kind: 'refresh',
      name: 'acme',
      dataDir: undefined,
    });
    expect(parseCommandLine(['remove', 'acme'])).toEqual({
      kind: 'remove',
      name: 'acme',
      dataDir: undefined,
    });
  });

  it('exec takes everything after the first "--" as the command, untouched', () => {
    expect(
      parseCommandLine(['exec', 'acme', '--data-dir', '/d', '--', 'curl', '-H', '--', '--data-dir', 'x']),
    ).toEqual({
      kind: 'exec',
      name: 'acme',
      dataDir: '/d',
      minValid: undefined,
      command: ['curl', '-H', '--', '--data-dir', 'x'],
    });
  });

  it('hands everything after "agent" to the agent, unparsed', () => {
    expect(parseCommandLine(['agent', '--data-dir', 'd', '--passphrase-file', 'p'])).toEqual({
      kind: 'agent',
      argv: ['--data-dir', 'd', '--passphrase-file', 'p'],
    });
    expect(parseCommandLine(['help', 'agent'])).toEqual({ kind: 'agent', argv: ['--help'] });
  });

  it('answers --help, -h and "help" for the program and every command', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', text: MAIN_USAGE });
    expect(parseCommandLine(['help'])).toEqual({ kind: 'help', text: MAIN_USAGE });
    for (const [name, usage] of Object.entries(COMMAND_USAGE)) {
      expect(parseCommandLine([name, '--help'])).toEqual({ kind: 'help', text: usage });
      expect(parseCommandLine([name, '-h'])).toEqual({ kind: 'help', text: usage });
      expect(parseCommandLine(['help', name])).toEqual({ kind: 'help', text: usage });
      expect(usage).toMatch(new RegExp(`^Usage: tokentray ${name}`));
      expect(usage).toContain('--data-dir DIR');
    }
  });

  it.each([
    [[], 'no command given'],
    [['frob'], 'unknown command "frob"'],
    [['help', 'frob'], 'unknown command "frob"'],
    [['token'], 'missing account NAME'],
    [['token', 'a', 'b'], 'unexpected argument "b"'],
    [['token', 'a', '--min-valid', '-1'], 'min-valid'],
    [['token', 'a', '--min-valid', '1.5'], '--min-valid must be a whole number'],
    [['token', 'a', '--min-valid', '9007199254741'], 'up to 9007199254740'],
    [['token', 'a', '--json'], 'option --json is not valid for "token"'],
    [['list', '--min-valid', '5'], 'option --min-valid is not valid for "list"'],
    [['list', '--nope'], 'unknown option "--nope"'],
    [['list', '--jsn'], 'unknown option "--jsn"'],
    [['list', '--\u001b]0;PWN\u0007'], 'unknown option "--\\u001b]0;PWN\\u0007"'],
    [['\u001b[2J'], 'unknown command "\\u001b[2J"'],
    [['x\u009b31m'], 'unknown command "x\\u009b31m"'],
    [['token', 'a', 'b\u001b[31m'], 'unexpected argument "b\\u001b[31m"'],
    [['list', '--json=1'], '--json takes no value'],
    [['token', 'a', '--min-valid'], '--min-valid needs a value'],
    [
      ['token', 'a', '--min-valid', '-5'],
      '--min-valid needs a value, and "-5" starts with "-" (if it is the value, write --min-valid=-5)',
    ],
    [['token', 'a', '--min-valid=-5'], '--min-valid must be a whole number of seconds'],
    [['token', 'a', '--min-valid=30', '--min-valid=40'], '--min-valid is given more than once'],
    [['header', 'a', '--min-valid', '30', '--min-valid', '30'], '--min-valid is given more than once'],
    [['list', '--data-dir', '/x', '--data-dir=/y'], '--data-dir is given more than once'],
    [['--data-dir'], '--data-dir needs a directory, then a command'],
    [['--data-dir', '/x'], 'no command given'],
    [['--json', 'list'], '"--json" is not a command: options go after the command'],
    [['exec', 'a'], 'missing "-- CMD [ARGS...]"'],
    [['exec', 'a', '--'], 'missing "-- CMD [ARGS...]"'],
    [['exec', '--', 'ls'], 'missing account NAME'],
    [['import'], 'missing FILE'],
    [['remove', '--data-dir', '', 'x'], '--data-dir needs a directory'],
  ])('%j is a usage error: %s', (argv, message) => {
    let caught: unknown;
    try {
      parseCommandLine(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toContain(message);
    expect((caught as UsageError).usage).toMatch(/^Usage: tokentray/);
  });
});
