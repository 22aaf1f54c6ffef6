/**
 * The account form's data: the values a form starts with, and the AccountInput it sends. Pure, so
 * the rules (omit empty optionals, send a secret only when typed, numbers as numbers) are in one
 * place the tests can read.
 */
import type { AccountInput, AccountView, ValidationIssue } from '../../preload/contract.js';
import {
  formFields,
  visibleFields,
  type FieldSpec,
  type FormValue,
  type FormValues,
  type KeyValueRow,
  type Preset,
} from './presets.js';

function initialValue(field: FieldSpec, saved: unknown): string | boolean | KeyValueRow[] {
  switch (field.kind) {
    case 'checkbox':
      return saved === true;
    case 'keyvalue':
      return typeof saved === 'object' && saved !== null
        ? Object.entries(saved as Record<string, unknown>).map(([key, value]) => ({
            key,
            value: String(value),
          }))
        : [];
    case 'secret':
      return '';
    default:
      if (typeof saved === 'string' || typeof saved === 'number') return String(saved);
      return field.default ?? '';
  }
}

/** Values for a new account of this preset (defaults filled in) or for editing a saved one. */
export function initialValues(preset: Preset, view?: AccountView): FormValues {
  const values: FormValues = {};
  for (const field of formFields(preset)) {
    const saved = view
      ? field.name === 'name'
        ? view.name
        : field.name === 'label'
          ? (view.label ?? undefined)
          : field.name === 'cliAccess'
            ? view.cliAccess
            : view.settings[field.name]
      : undefined;
    values[field.name] = initialValue(field, saved);
  }
  return values;
}

/** Carries what the user typed over to another preset's fields (same name, same meaning). */
export function switchPreset(
  preset: Preset,
  previousPreset: Preset | null,
  previous: FormValues,
): FormValues {
  const fresh = initialValues(preset);
  const oldDefaults = new Map(
    previousPreset ? formFields(previousPreset).map((f) => [f.name, f.default]) : [],
  );
  for (const field of formFields(preset)) {
    const old = previous[field.name];
    const typed =
      typeof old === 'string'
        ? old !== '' && old !== oldDefaults.get(field.name)
        : Array.isArray(old)
          ? old.length > 0
          : old === true;
    // Keep only what the user typed; the old preset's defaults are not the new one's, and a URL
    // means another vendor's server (MPS Monitor's base URL is not MSP360's).
    if (typed && field.kind !== 'url') fresh[field.name] = old as FormValue;
  }
  return fresh;
}

function numberOrRaw(text: string): number | string {
  // Anything but plain digits goes to the engine as typed, so its schema names the problem.
  return /^\d+$/.test(text) ? Number(text) : text;
}

/**
 * The AccountInput the form stands for. Hidden and empty optional fields are left out (an optional
 * field is absent or valid; `null` is invalid), and a secret is sent only when the user typed one:
 * a stored secret left alone keeps its value in the engine.
 */
export function buildInput(preset: Preset, values: FormValues): AccountInput {
  const name = values.name;
  const input: AccountInput = { name: typeof name === 'string' ? name.trim() : '', preset };
  for (const field of visibleFields(preset, values)) {
    const value = values[field.name];
    if (field.name === 'name') continue;
    switch (field.kind) {
      case 'checkbox':
        input[field.name] = value === true;
        break;
      case 'keyvalue': {
        const rows = Array.isArray(value)
          ? value.filter((row) => row.key.trim() !== '' || row.value !== '')
          : [];
        if (rows.length > 0)
          input[field.name] = Object.fromEntries(rows.map((row) => [row.key.trim(), row.value]));
        break;
      }
      case 'secret':
        // A password may begin or end with a space; a pasted token (the multi-line field) never does,
        // and a paste often brings a line break with it.
        if (typeof value === 'string') {
          const given = field.multiline === true ? value.trim() : value;
          if (given !== '') input[field.name] = given;
        }
        break;
      case 'number':
        if (typeof value === 'string' && value.trim() !== '') input[field.name] = numberOrRaw(value.trim());
        break;
      default:
        if (typeof value === 'string' && value.trim() !== '') input[field.name] = value.trim();
    }
  }
  return input;
}

/** The form field an issue belongs to (`extraParams.resource` → `extraParams`), or null for the form as a whole. */
export function issueField(issue: ValidationIssue, preset: Preset | null): string | null {
  const head = issue.field.split(/[.[]/)[0] ?? '';
  if (head === 'preset') return 'preset';
  if (!preset) return null;
  return formFields(preset).some((f) => f.name === head) ? head : null;
}

/** Groups issues by form field; those that fit no field are under `''`. */
export function issuesByField(
  issues: ValidationIssue[],
  preset: Preset | null,
): Map<string, ValidationIssue[]> {
  const grouped = new Map<string, ValidationIssue[]>();
  for (const issue of issues) {
    const key = issueField(issue, preset) ?? '';
    grouped.set(key, [...(grouped.get(key) ?? []), issue]);
  }
  return grouped;
}

/** The engine's messages name other fields by their JSON name; the form shows their labels. */
function withLabels(message: string, preset: Preset | null): string {
  if (!preset) return message;
  const labels = new Map(
    formFields(preset).map((f) => [f.name, f.advanced ? `${f.label} (under Advanced)` : f.label]),
  );
  // camelCase words only: "password" or "name" in a sentence are plain English.
  return message.replace(/\b[a-z]+[A-Z][A-Za-z]*\b/g, (word) => labels.get(word) ?? word);
}

/** An issue as a sentence under its field: `Client secret is required`, `resource: must be a string`. */
export function issueText(
  issue: ValidationIssue,
  field: FieldSpec | undefined,
  preset: Preset | null = null,
): string {
  if (!field) return `${issue.field}: ${withLabels(issue.message, preset)}`;
  const sub = issue.field.slice(field.name.length).replace(/^\./, '');
  const message = withLabels(issue.message, preset).replace(/^must not be empty$/, 'is required');
  return sub ? `${sub} ${message}` : `${field.label} ${message}`;
}
