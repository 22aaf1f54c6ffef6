/** `tokentray --version`: the version in package.json, bundled in (only `version` is read). */
import pkg from '../../package.json' with { type: 'json' };

export const TOKENTRAY_CLI_VERSION: string = pkg.version;
