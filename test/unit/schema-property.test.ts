/** Validation must answer, never throw, whatever an import file or a form sends. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateAccountInput, validateImportFile } from '../../main/engine/index.js';
import { PRESET_FIELDS, COMMON_FIELDS } from '../../main/engine/accounts/fields.js';
import { PRESETS } from '../../main/engine/types.js';

const FIELD_NAMES = [
  ...new Set([...COMMON_FIELDS, ...Object.values(PRESET_FIELDS).flat(), '__proto__', 'constructor']),
];

/** Objects that look like accounts: known field names with arbitrary values, sometimes a real preset. */
const accountLike = fc.dictionary(
  fc.constantFrom(...FIELD_NAMES),
  fc.oneof(fc.anything(), fc.string(), fc.constantFrom(...PRESETS), fc.webUrl()),
  { maxKeys: 12 },
);

function wellFormed(outcome: ReturnType<typeof validateAccountInput>): boolean {
  if (outcome.ok) return outcome.issues.length === 0;
  return (
    outcome.issues.length > 0 &&
    outcome.issues.every(
      (issue) =>
        typeof issue.account === 'string' &&
        typeof issue.field === 'string' &&
        typeof issue.message === 'string',
    )
  );
}

describe('validation never throws', () => {
  it('answers with a well-formed outcome for any value as an account', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (input) => {
        expect(wellFormed(validateAccountInput(input))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('answers with a well-formed outcome for account-like objects', () => {
    fc.assert(
      fc.property(accountLike, (input) => {
        expect(wellFormed(validateAccountInput(input))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('answers for any value as an import file, and for arrays of account-like objects', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ accounts: fc.array(accountLike, { maxLength: 5 }) })),
        (file) => {
          const outcome = validateImportFile(file);
          expect(typeof outcome.ok).toBe('boolean');
          if (!outcome.ok) expect(outcome.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports at most one issue per field', () => {
    fc.assert(
      fc.property(accountLike, (input) => {
        const outcome = validateAccountInput(input);
        const fields = outcome.issues.map((issue) => issue.field);
        expect(new Set(fields).size).toBe(fields.length);
      }),
      { numRuns: 1000 },
    );
  });
});
