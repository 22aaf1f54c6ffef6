/**
 * What a preset's definition is made of: its fields (label, kind, default, which are secret,
 * when they show and when they are required), its title, help line and vendor document, and its
 * rules across fields. Plain data and pure functions that import nothing: the schema, the IPC
 * contract and the window all read the same definitions (presets/definitions.ts), and the
 * renderer bundles them.
 */

/** How a field is entered; a `secret` is encrypted at rest and never shown back. */
export type FieldKind = 'text' | 'url' | 'secret' | 'select' | 'keyvalue';

export interface FieldOption {
  readonly value: string;
  readonly label: string;
}

/**
 * A condition on another field of the same preset: its value (its default when left empty) is
 * one of `is`, or none of `isNot`.
 */
export type FieldCondition =
  | { readonly field: string; readonly is: readonly string[] }
  | { readonly field: string; readonly isNot: readonly string[] };

/** Checks beyond the kind's own, for the schema. */
export type FieldFormat =
  /** Starts with `/` (a path on a base URL). */
  | 'path'
  /** RFC 3339 date-time with `Z` or an offset. */
  | 'rfc3339'
  /** An RFC 8252 §7.3 loopback redirect: `http://127.0.0.1:PORT/path` (or `[::1]`, `localhost`). */
  | 'redirect-uri';

export interface FieldSpec {
  readonly label: string;
  readonly kind: FieldKind;
  /**
   * Marked required in the form: always (`true`) or while the condition holds. The schema
   * requires a field only when this is `true` and it has no `showWhen` or `requiredUnless`;
   * conditional requirements are the preset's `rules`, with their own words.
   */
  readonly required: boolean | FieldCondition;
  /** Used when the field is absent, and filled in for a new account. */
  readonly default?: string;
  readonly placeholder?: string;
  readonly help?: string;
  /** The values a `select` offers (an empty value, "Automatic", is never valid in a definition). */
  readonly options?: readonly FieldOption[];
  /** Values a text field suggests: the user may still type another. */
  readonly suggestions?: readonly FieldOption[];
  /** Lives in the form's collapsed "Advanced" section. */
  readonly advanced?: boolean;
  /** A long value (a pasted token): a text area. */
  readonly multiline?: boolean;
  /** The form shows the field (and sends it) only while this holds. */
  readonly showWhen?: FieldCondition;
  readonly format?: FieldFormat;
  /** A check of the preset's own on a non-empty string value: what is wrong, or null. */
  readonly check?: (value: string) => string | null;
  /** Required unless this other field is given ("baseUrl is required unless tokenUrl is given"). */
  readonly requiredUnless?: string;
}

/** What a preset's rules see of an account definition. */
export interface RuleInput {
  /** The values as given; a stored secret an edit leaves out counts as present. */
  readonly values: Readonly<Record<string, unknown>>;
  /** True when this input itself gives the field (a stored secret that is only kept is not). */
  given(field: string): boolean;
}

/** Reports one problem of one field; the message reads after the field's name ("is required for …"). */
export type ReportIssue = (field: string, message: string) => void;

/** The plain part of a preset: everything the schema and the window need, and nothing that runs a request. */
export interface PresetDefinition {
  readonly title: string;
  /** One line: what the preset does and where the credentials come from. */
  readonly help: string;
  /** The vendor document the preset follows, as the form names it. */
  readonly doc: string;
  /** Where that document is: a file in shared/vendor-docs, an RFC or the vendor's pages. */
  readonly sources: readonly string[];
  /** The preset's own fields, in form order (the common ones are the schema's and the form's). */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Rules across fields the field specs cannot state; every message names its field. */
  readonly rules?: (input: RuleInput, report: ReportIssue) => void;
}

/** The grants a person signs in to (CONTRACT §1 "Interactive grants"). */
export const INTERACTIVE_GRANTS = ['authorization_code', 'device_code'] as const;
export type InteractiveGrant = (typeof INTERACTIVE_GRANTS)[number];

export function isInteractiveGrant(grant: unknown): grant is InteractiveGrant {
  return (INTERACTIVE_GRANTS as readonly unknown[]).includes(grant);
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** True when `condition` holds for these values (an empty value counts as the field's default). */
export function conditionHolds(
  condition: FieldCondition,
  values: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, FieldSpec>>,
): boolean {
  const value = textOf(values[condition.field]) || (fields[condition.field]?.default ?? '');
  return 'is' in condition ? condition.is.includes(value) : !condition.isNot.includes(value);
}

/** The value of a setting, or the field's default when it is absent or empty. */
export function settingOrDefault(
  definition: PresetDefinition,
  settings: Readonly<Record<string, unknown>>,
  field: string,
): string | undefined {
  return textOf(settings[field]) || definition.fields[field]?.default;
}

// Building blocks the definitions share.

export const secretField = (label: string, help?: string): FieldSpec => ({
  label,
  kind: 'secret',
  required: true,
  ...(help === undefined ? {} : { help }),
});

export const clientIdField = (help: string): FieldSpec => ({
  label: 'Client ID',
  kind: 'text',
  required: true,
  help,
});

export const OPTIONAL_SCOPE: FieldSpec = {
  label: 'Scope',
  kind: 'text',
  required: false,
  help: 'Optional; space-separated.',
};

export const BASIC_AUTH: FieldOption = {
  value: 'client_secret_basic',
  label: 'HTTP Basic (client_secret_basic)',
};
export const POST_AUTH: FieldOption = {
  value: 'client_secret_post',
  label: 'In the form body (client_secret_post)',
};

/** Values of a select, without the empty "Automatic" choice. */
export function optionValues(field: FieldSpec): string[] {
  return (field.options ?? []).map((option) => option.value).filter((value) => value !== '');
}
