/**
 * What the account form shows for each preset (CONTRACT §1): a title, one line of help, the vendor
 * document the preset follows, and its fields in order. All of it comes from the engine's preset
 * definitions through the IPC contract (plain data), so the form, its tests and the schema read
 * the same table. Validation itself is the engine's.
 */
import {
  conditionHolds,
  PRESET_DEFINITIONS,
  PRESETS,
  type FieldCondition,
  type FieldOption,
  type Preset,
  type PresetFieldSpec,
} from '../../preload/contract.js';

export type { Preset };

export type FieldKind = 'text' | 'url' | 'secret' | 'select' | 'number' | 'checkbox' | 'keyvalue';

/** One row of a key/value editor (e.g. `extraParams`). */
export interface KeyValueRow {
  key: string;
  value: string;
}

export type FormValue = string | boolean | KeyValueRow[];
export type FormValues = Record<string, FormValue>;

export type { FieldOption };

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  /** Values a text field suggests (a datalist): the user may still type another. */
  suggestions?: readonly FieldOption[];
  /** Shown as required (for the form's current values, in visibleFields); the engine decides what is actually valid. */
  required: boolean;
  /** Required only while this holds (visibleFields resolves it into `required`). */
  requiredWhen?: FieldCondition;
  /** Filled in for a new account. */
  default?: string;
  placeholder?: string;
  options?: readonly FieldOption[];
  help?: string;
  /** Lives in the collapsed "Advanced" section. */
  advanced?: boolean;
  /** A long value (a pasted token): a text area instead of a one-line input. */
  multiline?: boolean;
  /** Shown (and sent) only while this holds for the form's current values. */
  showWhen?: FieldCondition;
}

export interface PresetSpec {
  id: Preset;
  title: string;
  /** One line: what the preset does and where the credentials come from. */
  help: string;
  /** The vendor document (in shared/vendor-docs, an RFC or the vendor's pages) the preset follows. */
  doc: string;
  fields: FieldSpec[];
}

function formField(name: string, spec: PresetFieldSpec): FieldSpec {
  const { required, check: _check, format: _format, requiredUnless: _unless, ...rest } = spec;
  return {
    name,
    ...rest,
    required: required === true,
    ...(typeof required === 'object' ? { requiredWhen: required } : {}),
  };
}

function presetForm(id: Preset): PresetSpec {
  const definition = PRESET_DEFINITIONS[id];
  return {
    id,
    title: definition.title,
    help: definition.help,
    doc: definition.doc,
    fields: Object.entries<PresetFieldSpec>(definition.fields).map(([name, spec]) => formField(name, spec)),
  };
}

/** Every preset's form, by preset: a preset of the engine's table always has one. */
export const PRESET_FORMS: Readonly<Record<Preset, PresetSpec>> = Object.fromEntries(
  PRESETS.map((id) => [id, presetForm(id)]),
) as Record<Preset, PresetSpec>;

/** The presets in the order the picker shows them (the engine's table order). */
export const PRESET_SPECS: readonly PresetSpec[] = PRESETS.map((id) => PRESET_FORMS[id]);

/** Fields every preset has, around its own (the preset itself is chosen by the picker). */
export const NAME_FIELD: FieldSpec = {
  name: 'name',
  label: 'Name',
  kind: 'text',
  required: true,
  placeholder: 'e.g. acme-eu',
  help: 'How the tray and the CLI name it: letters, digits, . _ -',
};

export const LABEL_FIELD: FieldSpec = {
  name: 'label',
  label: 'Label',
  kind: 'text',
  required: false,
  placeholder: 'e.g. customer, tenant or data center',
};

export const CLI_ACCESS_FIELD: FieldSpec = {
  name: 'cliAccess',
  label: 'Allow the CLI and local API to hand out this token',
  kind: 'checkbox',
  required: false,
};

const ADVANCED_COMMON: FieldSpec[] = [
  {
    name: 'tokenUrl',
    label: 'Token URL override',
    kind: 'url',
    required: false,
    advanced: true,
    help: 'Replaces the preset’s token endpoint.',
  },
  {
    name: 'refreshBeforeSeconds',
    label: 'Renew before expiry (seconds)',
    kind: 'number',
    required: false,
    advanced: true,
    placeholder: 'Derived from the token lifetime',
  },
  {
    name: 'notifyBeforeSeconds',
    label: 'Warn before expiry (seconds)',
    kind: 'number',
    required: false,
    advanced: true,
    placeholder: '600',
    help: 'Empty uses the default lead time from Settings.',
  },
];

/** The preset's form. */
export function presetSpec(id: Preset): PresetSpec {
  return PRESET_FORMS[id];
}

/** Every field of the form for this preset, in display order (name and label first, advanced last). */
export function formFields(id: Preset): FieldSpec[] {
  const own = presetSpec(id).fields;
  const ownNames = new Set(own.map((f) => f.name));
  // A pasted token is never renewed, so renewal settings would only confuse.
  const advanced = ADVANCED_COMMON.filter(
    (f) => !ownNames.has(f.name) && !(id === 'static' && f.name !== 'notifyBeforeSeconds'),
  );
  return [NAME_FIELD, LABEL_FIELD, ...own, ...advanced, CLI_ACCESS_FIELD];
}

/**
 * The fields shown for these values (conditional ones only while they apply), each marked
 * required as these values make it.
 */
export function visibleFields(id: Preset, values: FormValues): FieldSpec[] {
  const own = PRESET_DEFINITIONS[id].fields;
  return formFields(id)
    .filter((f) => !f.showWhen || conditionHolds(f.showWhen, values, own))
    .map((f) => (f.requiredWhen ? { ...f, required: conditionHolds(f.requiredWhen, values, own) } : f));
}
