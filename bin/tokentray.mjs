#!/usr/bin/env node
// The `tokentray` command: a thin launcher for the bundled CLI (run `npm run build` first).
import '../dist/cli/tokentray.mjs';
