/**
 * `tokentray --version`. A constant rather than an import of package.json, which would put the
 * whole manifest into the CLI bundle (test/unit/cli-bundle.test.ts keeps it to the CLI's own
 * files); test/unit/cli-version.test.ts fails when the two disagree.
 */
export const TOKENTRAY_CLI_VERSION = '0.1.0';
