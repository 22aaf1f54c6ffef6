/**
 * The presets as plain data (CONTRACT §1), in the order the window offers them: the one list the
 * `Preset` type, the schema, the IPC contract and the window derive from. Each preset's flow, API
 * base and sign-in settings complete it in presets/index.ts, whose table is keyed by `Preset`:
 * a preset listed here and missing there (or the other way round) does not compile.
 */
import { acronisDefinition } from './acronis.fields.js';
import { backupNetDefinition } from './backup-net.fields.js';
import { entraDefinition } from './entra.fields.js';
import { mpsMonitorDefinition } from './mps-monitor.fields.js';
import { msp360Definition } from './msp360.fields.js';
import { oauth2Definition } from './oauth2.fields.js';
import type { PresetDefinition } from './spec.js';
import { staticDefinition } from './static.fields.js';

export const PRESET_DEFINITIONS = {
  msp360: msp360Definition,
  'backup-net': backupNetDefinition,
  'mps-monitor': mpsMonitorDefinition,
  acronis: acronisDefinition,
  oauth2: oauth2Definition,
  entra: entraDefinition,
  static: staticDefinition,
} as const satisfies Record<string, PresetDefinition>;

export type Preset = keyof typeof PRESET_DEFINITIONS;

/** Every preset id, in the table's order. */
export const PRESETS = /* @__PURE__ */ Object.keys(PRESET_DEFINITIONS) as readonly Preset[];

export function isPreset(value: unknown): value is Preset {
  return typeof value === 'string' && Object.hasOwn(PRESET_DEFINITIONS, value);
}

export type { FieldCondition, FieldKind, FieldOption, FieldSpec, PresetDefinition } from './spec.js';
export { conditionHolds, INTERACTIVE_GRANTS, isInteractiveGrant } from './spec.js';
