/** The CLI's exit codes (CONTRACT §2). */
export const EXIT = { ok: 0, failed: 1, usage: 2, noAgent: 3, noAccount: 4, cliDenied: 5 } as const;
