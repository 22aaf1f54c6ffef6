#!/usr/bin/env node
// The `tokentray` command: a thin launcher for the bundled CLI (run `npm run build` first).
// CommonJS on purpose: it starts measurably faster than an ES module, and scripts call it often.
require('../dist/cli/tokentray.cjs');
