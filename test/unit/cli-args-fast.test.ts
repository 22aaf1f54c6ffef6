/**
 * args.ts reads `token|header NAME [options]` without parseArgs (a start-up cost); whenever that
 * quick path answers, the answer must be exactly the full parser's, and it must answer the
 * command lines scripts actually run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseCommandLine,
  parseCommandLineFully,
  parseTokenCommandQuickly,
  UsageError,
} from '../../main/cli/args.js';

function full(argv: string[]): unknown {
  try {
    return parseCommandLineFully(argv);
  } catch (error) {
    if (error instanceof UsageError) return `usage error: ${error.message}`;
    throw error;
  }
}

describe('the quick token parser', () => {
  it.each([
    [['token', 'acme']],
    [['token', 'acme', '--data-dir', '/d']],
    [['header', 'acme', '--data-dir=/d', '--min-valid', '300']],
    [['token', 'acme', '--min-valid=0', '--rejected', '--data-dir', 'rel/dir']],
    [['token', 'a.b_c-d', '--rejected']],
    [['token', 'acme', '--data-dir', '/d=x']],
  ])('answers %j as the full parser does', (argv) => {
    const quick = parseTokenCommandQuickly(argv);
    expect(quick).not.toBeNull();
    expect(quick).toStrictEqual(parseCommandLineFully(argv));
    expect(parseCommandLine(argv)).toStrictEqual(quick);
  });

  it.each([
    [['token']],
    [['token', '--help']],
    [['token', 'acme', '-h']],
    [['token', 'acme', 'extra']],
    [['token', 'acme', '--min-valid', 'soon']],
    [['token', 'acme', '--min-valid', '-5']],
    [['token', 'acme', '--min-valid', '99999999999999']],
    [['token', 'acme', '--data-dir']],
    [['token', 'acme', '--data-dir', '']],
    [['token', 'acme', '--data-dir', '/a', '--data-dir', '/b']],
    [['token', 'acme', '--rejected', '--rejected']],
    [['token', 'acme', '--rejected=1']],
    [['token', 'acme', '--json']],
    [['token', 'acme', '--', 'x']],
    [['--data-dir', '/d', 'token', 'acme']],
    [['exec', 'acme', '--', 'true']],
    [['list']],
  ])('leaves %j to the full parser', (argv) => {
    expect(parseTokenCommandQuickly(argv)).toBeNull();
    expect(full(argv)).toStrictEqual(
      (() => {
        try {
          return parseCommandLine(argv);
        } catch (error) {
          return `usage error: ${(error as Error).message}`;
        }
      })(),
    );
  });

  it('agrees with the full parser on every generated command line it answers', () => {
    const word = fc.constantFrom(
      'token',
      'header',
      'list',
      'acme',
      'x=y',
      '',
      '/d',
      '5',
      '0',
      '999999999',
      '31622400',
      '31622401',
      '9007199254740',
      '9007199254741',
      '99999999999999',
      '-5',
      '-',
      '--',
      '-h',
      '--help',
      '--json',
      '--data-dir',
      '--data-dir=',
      '--data-dir=/x',
      '--data-dir=-x',
      '--min-valid',
      '--min-valid=5',
      '--min-valid=',
      '--rejected',
      '--rejected=1',
      '--unknown',
    );
    const argv = fc.tuple(fc.constantFrom('token', 'header'), fc.array(word, { maxLength: 7 }));
    let answered = 0;
    fc.assert(
      fc.property(argv, ([first, rest]) => {
        const line = [first, ...rest];
        const quick = parseTokenCommandQuickly(line);
        if (quick === null) return;
        answered += 1;
        expect(quick).toStrictEqual(full(line));
      }),
      { numRuns: 20_000 },
    );
    expect(answered).toBeGreaterThan(100);
  });
});
