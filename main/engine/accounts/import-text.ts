/**
 * An import file's text, read before the engine sees it: `JSON.parse` is the authority on what is
 * JSON, and jsonc-parser (VS Code's JSON scanner) tells where a broken file breaks and which keys a
 * file gives twice, which `JSON.parse` silently reads as the last one. Used by the agent's
 * `POST /v1/import` and by the account window's import: both get the same issues.
 */
import { printParseErrorCode, visit, type JSONPath, type ParseError } from 'jsonc-parser';
import { accountLabelOf } from './schema.js';
import type { ValidationIssue } from '../types.js';

const FILE = '(file)';

/** Line and column (both from 1) of `offset` in `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** "PropertyNameExpected" -> "property name expected". */
function describeCode(error: ParseError): string {
  const code = printParseErrorCode(error.error);
  if (code === 'InvalidSymbol') return 'unexpected character';
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** Why a text is not JSON, by place: never a quote of it (an import file holds secrets). */
export function describeNotJson(text: string): string {
  const errors: ParseError[] = [];
  visit(
    text,
    { onError: (error, offset, length) => errors.push({ error, offset, length }) },
    { disallowComments: true },
  );
  const first = errors[0];
  if (first === undefined) return 'not valid JSON';
  return `not valid JSON (${lineAndColumn(text, first.offset)}: ${describeCode(first)})`;
}

/**
 * Where a repeated key stands: an account's own field names the account as validation issues do
 * (by the name it has, by where it stands when that name is the repeated key), else the file.
 */
function issueFor(path: JSONPath, key: string, value: unknown): ValidationIssue {
  const message = 'is given more than once (only one value may be given)';
  const [top, index, ...inner] = path;
  if (top !== 'accounts' || typeof index !== 'number')
    return { account: FILE, field: [...path, key].join('.'), message };
  const entries = (value as { accounts?: unknown }).accounts;
  const entry: unknown = Array.isArray(entries) ? entries[index] : undefined;
  const name = (entry as { name?: unknown } | null | undefined)?.name;
  const nameIsRepeated = inner.length === 0 && key === 'name';
  const account = accountLabelOf(
    typeof name === 'string' && !nameIsRepeated ? name : '',
    `accounts[${index}]`,
  );
  return { account, field: [...inner, key].join('.'), message };
}

/** Keys an object of `text` gives twice (each reported once, with where it stands). */
function repeatedKeys(text: string, value: unknown): ValidationIssue[] {
  const open: Set<string>[] = [];
  const reported = new Set<string>();
  const issues: ValidationIssue[] = [];
  visit(
    text,
    {
      onObjectBegin: () => {
        open.push(new Set());
      },
      onObjectEnd: () => void open.pop(),
      onObjectProperty: (key, _offset, _length, _line, _column, pathSupplier) => {
        const keys = open.at(-1);
        if (keys === undefined) return;
        if (!keys.has(key)) {
          keys.add(key);
          return;
        }
        const issue = issueFor(pathSupplier(), key, value);
        const id = `${issue.account}\u0000${issue.field}`;
        if (reported.has(id)) return;
        reported.add(id);
        issues.push(issue);
      },
    },
    { disallowComments: true },
  );
  return issues;
}

/** Deeper than any import file (an account's `extraParams` is at depth 4): refused before any walk. */
export const MAX_IMPORT_DEPTH = 32;
/** Keys given twice reported one by one, then counted (a file of them must not make a huge answer). */
const MAX_REPEATED_KEY_ISSUES = 20;

/** How deep `text` nests objects and arrays (JSON or not: brackets in strings do not count), without recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * An import file's text as a value for `Engine.importAccounts`, or the issues that stop it: not
 * JSON (where it breaks), or a key given twice in one object. A byte-order mark (Windows editors
 * write one) is not part of the JSON.
 */
export function parseImportText(
  raw: string,
): { ok: true; file: unknown } | { ok: false; issues: ValidationIssue[] } {
  const text = raw.replace(/^\uFEFF/, '');
  // First, valid or not: the scanner below walks recursively (a deep broken file overflowed it too).
  if (nestingDepth(text) > MAX_IMPORT_DEPTH) {
    const message = `nests objects and arrays deeper than ${MAX_IMPORT_DEPTH} levels; an import file is { "accounts": [ { ... } ] }`;
    return { ok: false, issues: [{ account: FILE, field: '(json)', message }] };
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    return { ok: false, issues: [{ account: FILE, field: '(json)', message: describeNotJson(text) }] };
  }
  const issues = repeatedKeys(text, file);
  if (issues.length > MAX_REPEATED_KEY_ISSUES) {
    const more = issues.length - MAX_REPEATED_KEY_ISSUES;
    issues.splice(MAX_REPEATED_KEY_ISSUES, more, {
      account: FILE,
      field: '(json)',
      message: `${more} more keys are given more than once`,
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, file };
}
