/**
 * The OAuth and HTTP machinery the presets' flows are built from (oauth.ts, grants.ts, issuer.ts),
 * and the flow of each preset, which lives with the rest of the preset in presets/.
 */
import { flowOf } from '../presets/index.js';
import type { Preset } from '../types.js';
import type { Flow } from './types.js';

export type { Flow, FlowContext, FlowInput, ObtainedToken, SecretReader } from './types.js';

/** The flow that gets tokens for a preset. */
export function flowFor(preset: Preset): Flow {
  return flowOf(preset);
}
