/** Body limits of the local API, shared with the CLI (which must not load the agent's code). */

/** Requests other than import carry no body worth more than this. */
export const SMALL_BODY_LIMIT = 16 * 1024;
/** CONTRACT §1/§3: an import file of up to 1 MiB is always accepted; leave room above it. */
export const IMPORT_BODY_LIMIT = 4 * 1024 * 1024;
