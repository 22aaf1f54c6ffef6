/** `npm run bench`: every benchmark, printed. Targets are met here, never in timed unit tests. */
import { existsSync } from 'node:fs';
import { benchEngine } from './engine.js';

console.log('== engine');
await benchEngine();
for (const [file, fn] of [
  ['./cli.ts', 'benchCli'],
  ['./socket-api.ts', 'benchSocketApi'],
  ['./cli-exe.ts', 'benchCliExe'],
  ['./ui.ts', 'benchUi'],
] as const) {
  if (!existsSync(new URL(file, import.meta.url))) continue;
  console.log(`== ${fn.replace('bench', '').toLowerCase()}`);
  const mod = (await import(file.replace('.ts', '.js'))) as Record<string, () => Promise<void>>;
  await mod[fn]?.();
}
process.exit(0);
