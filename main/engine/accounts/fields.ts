/**
 * Which fields each preset has and which are secret, derived from the presets' definitions
 * (presets/definitions.ts), plus the fields every preset shares.
 */
import { PRESET_DEFINITIONS, PRESETS, type Preset } from '../presets/definitions.js';

export const COMMON_FIELDS = [
  'name',
  'preset',
  'tokenUrl',
  'refreshBeforeSeconds',
  'notifyBeforeSeconds',
  'cliAccess',
  'label',
] as const;

/** CONTRACT §1 account names: 1–64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Definitions = typeof PRESET_DEFINITIONS;
type SecretFieldOf<P extends Preset> = {
  [F in keyof Definitions[P]['fields']]: Definitions[P]['fields'][F] extends { kind: 'secret' } ? F : never;
}[keyof Definitions[P]['fields']];

/** A field some preset keeps encrypted: `password`, `clientSecret`, `refreshToken`, `token`. */
export type SecretField = Extract<{ [P in Preset]: SecretFieldOf<P> }[Preset], string>;

/** Every secret field of every preset (a field name is secret in every preset that has it). */
export const SECRET_FIELDS: readonly SecretField[] = [
  ...new Set(
    PRESETS.flatMap((preset) =>
      Object.entries(PRESET_DEFINITIONS[preset].fields)
        .filter(([, spec]) => spec.kind === 'secret')
        .map(([field]) => field as SecretField),
    ),
  ),
];

export function isSecretField(field: string): field is SecretField {
  return (SECRET_FIELDS as readonly string[]).includes(field);
}

const fieldLists = {} as Record<Preset, readonly string[]>;
for (const preset of PRESETS) fieldLists[preset] = Object.keys(PRESET_DEFINITIONS[preset].fields);

/** Each preset's own fields, in form order. */
export const PRESET_FIELDS: Readonly<Record<Preset, readonly string[]>> = fieldLists;

export const DEFAULTS = {
  notifyBeforeSeconds: 600,
} as const;

/** Secret fields a preset can hold. */
export function secretFieldsOf(preset: Preset): SecretField[] {
  return PRESET_FIELDS[preset].filter(isSecretField);
}
