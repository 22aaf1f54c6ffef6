/**
 * Every preset as one unit (issue #11): its fields, help and vendor document (the `*.fields.ts`
 * modules, plain data shared with the window), its flow, its API base and its sign-in settings
 * (the module named after it). The table is keyed by `Preset`, which presets/definitions.ts
 * derives from its own list: a preset missing a piece does not compile. Adding a preset is two
 * modules here and one line in each table.
 */
import type { Flow } from '../providers/types.js';
import { acronis } from './acronis.js';
import { backupNet } from './backup-net.js';
import type { Preset } from './definitions.js';
import { entra } from './entra.js';
import { mpsMonitor } from './mps-monitor.js';
import { msp360 } from './msp360.js';
import { oauth2 } from './oauth2.js';
import type { InteractiveSettings, PresetSpec, Settings } from './preset.js';
import { staticToken } from './static.js';

export const PRESET_SPECS: Readonly<Record<Preset, PresetSpec>> = {
  msp360,
  'backup-net': backupNet,
  'mps-monitor': mpsMonitor,
  acronis,
  oauth2,
  entra,
  static: staticToken,
};

export { PRESET_DEFINITIONS, PRESETS, isPreset, type Preset } from './definitions.js';
export type { InteractiveSettings, PresetSpec } from './preset.js';

/** The flow that gets tokens for a preset. */
export function flowOf(preset: Preset): Flow {
  return PRESET_SPECS[preset].flow;
}

/** Where a preset's REST API lives, for the curl and PowerShell formats. */
export function apiBaseOf(preset: Preset, settings: Settings): string {
  return PRESET_SPECS[preset].apiBase(settings);
}

/**
 * What a sign-in of this account is given: `browser` for signInWithAuthorizationCode (endpoints,
 * client and redirectUri spread into its settings), `device` for signInWithDeviceCode (endpoints
 * and client); null when its grant needs no person. `secret` is its stored client secret, if any.
 */
export function interactiveSettingsFor(
  preset: Preset,
  settings: Settings,
  secret?: string,
): InteractiveSettings | null {
  return PRESET_SPECS[preset].interactive?.(settings, secret) ?? null;
}

/** How a person signs this account in (`browser`, `device`), or null when its grant needs no one. */
export function signInKindOf(preset: Preset, settings: Settings): 'browser' | 'device' | null {
  return interactiveSettingsFor(preset, settings)?.kind ?? null;
}
