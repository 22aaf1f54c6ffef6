/** An import file's text before the engine: where broken JSON breaks, and keys given twice. */
import { describe, expect, it } from 'vitest';
import { parseImportText } from '../../main/engine/accounts/import-text.js';

function issuesOf(text: string) {
  const parsed = parseImportText(text);
  if (parsed.ok) throw new Error('expected the text to be refused');
  return parsed.issues;
}

describe('parseImportText', () => {
  it('reads a valid file, a byte-order mark in front', () => {
    const parsed = parseImportText('\uFEFF{"accounts": [{"name": "a", "preset": "static", "token": "t"}]}');
    expect(parsed).toEqual({ ok: true, file: { accounts: [{ name: 'a', preset: 'static', token: 't' }] } });
  });

  it('says where a file that is not JSON breaks, never quoting it (it may hold secrets)', () => {
    const issues = issuesOf('{"accounts": [\n  {"name": "x", "password": "fake-secret-value" oops}\n]}');
    expect(issues).toEqual([
      {
        account: '(file)',
        field: '(json)',
        message: 'not valid JSON (line 2, column 49: unexpected character)',
      },
    ]);
    expect(JSON.stringify(issues)).not.toContain('fake-secret-value');
    expect(issuesOf('{"accounts": [], // a comment\n}')[0]?.message).toBe(
      'not valid JSON (line 1, column 18: invalid comment token)',
    );
    expect(issuesOf('')[0]?.message).toMatch(/^not valid JSON/);
  });

  it('refuses a key given twice, which JSON.parse would read as the last one', () => {
    expect(
      issuesOf('{"accounts": [], "accounts": [{"name": "a", "preset": "static", "token": "t"}]}'),
    ).toEqual([
      {
        account: '(file)',
        field: 'accounts',
        message: 'is given more than once (only one value may be given)',
      },
    ]);
  });

  it('names the account and the field of a repeated account key, nested fields by their path', () => {
    const text = JSON.stringify({ accounts: [{ name: 'first' }, { name: 'acme', preset: 'oauth2' }, {}] })
      .replace(
        '"preset":"oauth2"',
        '"tokenUrl":"https://a.example/t","tokenUrl":"https://b.example/t","extraParams":{"p":"1","p":"2"}',
      )
      .replace('{}]', '{"name":"\\u0000odd","name":"x"}]');
    expect(issuesOf(text)).toEqual([
      {
        account: 'acme',
        field: 'tokenUrl',
        message: 'is given more than once (only one value may be given)',
      },
      {
        account: 'acme',
        field: 'extraParams.p',
        message: 'is given more than once (only one value may be given)',
      },
      {
        account: 'accounts[2]',
        field: 'name',
        message: 'is given more than once (only one value may be given)',
      },
    ]);
  });

  it('reports a key given three times once, and the same key in two objects not at all', () => {
    expect(issuesOf('{"accounts": [{"name": "a", "label": "1", "label": "2", "label": "3"}]}')).toHaveLength(
      1,
    );
    expect(
      parseImportText('{"accounts": [{"name": "a", "label": "1"}, {"name": "b", "label": "1"}]}').ok,
    ).toBe(true);
  });

  it('refuses a file nested deeper than any import file, before walking it (no stack overflow)', () => {
    const deep = `{"accounts": [${'['.repeat(200_000)}${']'.repeat(200_000)}]}`;
    expect(JSON.parse(deep)).toBeTruthy(); // valid JSON all the same
    expect(issuesOf(deep)).toEqual([
      {
        account: '(file)',
        field: '(json)',
        message:
          'nests objects and arrays deeper than 32 levels; an import file is { "accounts": [ { ... } ] }',
      },
    ]);
    // Broken as well as deep: refused the same way, before the scanner that says where it breaks.
    expect(issuesOf('['.repeat(200_000))[0]?.message).toMatch(/^nests objects and arrays deeper than 32/);
    expect(issuesOf(`${'{"a":'.repeat(100_000)}1`)[0]?.message).toMatch(/^nests objects and arrays deeper/);
    // Brackets inside strings are text, not nesting.
    const account = { name: 'a', preset: 'static', token: 't', label: '[[[[{{{{'.repeat(10) };
    expect(parseImportText(JSON.stringify({ accounts: [account] })).ok).toBe(true);
  });

  it('reports 20 repeated keys one by one, and counts the rest', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `"k${i}": 1, "k${i}": 2`).join(', ');
    const issues = issuesOf(`{"accounts": [], ${keys}}`);
    expect(issues).toHaveLength(21);
    expect(issues[20]).toEqual({
      account: '(file)',
      field: '(json)',
      message: '480 more keys are given more than once',
    });
  });
});
