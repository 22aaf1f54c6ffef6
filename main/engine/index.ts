/** The token engine's public surface: everything hosts and tests import. */
export { createEngine, type EngineOptions } from './engine.js';
export { systemClock } from './clock.js';
export { openPassphraseCipher } from './passphrase-cipher.js';
export { createLogger, redact, silentLogger, type Logger } from './log.js';
export { validateAccountInput, validateImportFile } from './accounts/schema.js';
export { toListJson } from './views.js';
export * from './errors.js';
export type * from './types.js';
