/** What the CLI prints for the agent's answers, and which exit code each one gets. */
import { describe, expect, it } from 'vitest';
import { EXIT, explainFailure, formatTable, type Output } from '../../main/cli/commands.js';
import { describeTokenError } from '../../main/agent/routes.js';
import { TokenError } from '../../main/engine/errors.js';

function capture(): Output & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

describe('explainFailure', () => {
  it('no such account → 4, naming the accounts that exist (or how to add one)', () => {
    const io = capture();
    const body = { error: 'no_such_account', message: 'no account named "x"', accounts: ['acme', 'beta'] };
    expect(explainFailure({ status: 404, body }, 'x', io)).toBe(EXIT.noAccount);
    expect(io.stderr).toBe('tokentray: no account named "x"; accounts: acme, beta\n');
    const empty = capture();
    explainFailure({ status: 404, body: { ...body, accounts: [] } }, 'x', empty);
    expect(empty.stderr).toContain('there are no accounts yet');
    // The agent sends its 50 closest names of 4,500: the count of the rest comes from accountsTotal.
    const many = capture();
    const names = Array.from({ length: 50 }, (_, i) => `acct-${String(i).padStart(2, '0')}`);
    explainFailure({ status: 404, body: { ...body, accounts: names, accountsTotal: 4500 } }, 'acct-4', many);
    expect(many.stderr).toBe(
      'tokentray: no account named "acct-4"; accounts: acct-40, acct-41, acct-42, acct-43, acct-44, acct-45, acct-46, acct-47, acct-48, acct-49 and 4490 more (tokentray list)\n',
    );
  });

  it('CLI access off → 5, saying where to turn it on', () => {
    const io = capture();
    const body = { error: 'cli_access_denied', message: 'CLI access is off for "acme"' };
    expect(explainFailure({ status: 403, body }, 'acme', io)).toBe(EXIT.cliDenied);
    expect(io.stderr).toContain('Turn on "CLI access" for it in the Tokentray account window');
  });

  it("provider failure → 1, with the agent's message (the server's text)", () => {
    const io = capture();
    const body = { error: 'invalid_client', message: 'token server refused: Client authentication failed.' };
    expect(explainFailure({ status: 502, body }, 'acme', io)).toBe(EXIT.failed);
    expect(io.stderr).toBe('tokentray: "acme" failed: token server refused: Client authentication failed.\n');
  });

  it('an invalid import → 1, one line per problem', () => {
    const io = capture();
    const body = {
      error: 'validation',
      message: 'import file is invalid: nothing imported',
      issues: [
        { account: 'a', field: 'colour', message: 'unknown field' },
        { account: 'b', field: 'password', message: 'required' },
      ],
    };
    expect(explainFailure({ status: 400, body }, null, io)).toBe(EXIT.failed);
    expect(io.stderr.split('\n')).toEqual([
      'tokentray: import file is invalid: nothing imported',
      '  a: colour: unknown field',
      '  b: password: required',
      '',
    ]);
  });

  it('anything else → 1 with whatever the agent said', () => {
    const io = capture();
    expect(explainFailure({ status: 500, body: {} }, null, io)).toBe(EXIT.failed);
    expect(io.stderr).toBe('tokentray: the agent answered HTTP 500\n');
  });
});

describe('formatTable', () => {
  it('aligns columns and shows "-" for unknown times', () => {
    const table = formatTable([
      {
        name: 'acme',
        preset: 'msp360',
        state: 'valid',
        expiresAt: '2030-01-01T10:00:00.000Z',
        lastRefreshAt: null,
        nextRefreshAt: '2030-01-01T09:00:00.000Z',
        error: null,
      },
      {
        name: 'b',
        preset: 'static',
        state: 'error',
        expiresAt: null,
        lastRefreshAt: null,
        nextRefreshAt: null,
        error: 'bad',
      },
    ]);
    expect(table.split('\n')).toEqual([
      'NAME  PRESET  STATE  EXPIRES               NEXT RENEWAL          ERROR',
      'acme  msp360  valid  2030-01-01T10:00:00Z  2030-01-01T09:00:00Z',
      'b     static  error  -                     -                     bad',
      '',
    ]);
  });

  it('says how to add accounts when there are none', () => {
    expect(formatTable([])).toContain('tokentray import FILE');
  });
});

describe('agent-side messages', () => {
  it("appends the token server's words to a token error once", () => {
    const withServer = new TokenError('invalid_client', 'the token server refused the client', 'auth', {
      serverMessage: 'Client authentication failed.',
    });
    expect(describeTokenError(withServer)).toBe(
      'the token server refused the client: Client authentication failed.',
    );
    const already = new TokenError('invalid_grant', 'refused: bad password', 'auth', {
      serverMessage: 'bad password',
    });
    expect(describeTokenError(already)).toBe('refused: bad password');
  });
});
