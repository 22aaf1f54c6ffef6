// Top self-time functions of a V8 .cpuprofile (node --cpu-prof), for bench/socket-api.ts:
//   node bench/profile-top.mjs FILE [--top N] [--after NAME] [--per COUNT] [--callers NAME]...
// Self time of a sample is its time delta, charged to the function on top of the stack; entries
// are grouped by function, file and line. "(idle)" (waiting for the next request) is left out.
//   --after NAME    count only samples from the first one with NAME on its stack (skips start-up)
//   --per COUNT     also print µs per request, for COUNT requests served in the profiled window
//   --callers NAME  the call paths under which NAME spent its self time, heaviest first
//   --total NAME    time with NAME anywhere on the stack (itself and what it called)
//   --split NAME    NAME's total time split by the function it called (or "self")
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
if (file === undefined || file.startsWith('--')) {
  process.stderr.write(
    'usage: node bench/profile-top.mjs FILE.cpuprofile [--top N] [--after NAME] [--per COUNT] [--callers NAME]\n',
  );
  process.exit(2);
}
const top = Number(option('--top') ?? 30);
const after = option('--after');
const per = option('--per') === undefined ? null : Number(option('--per'));
const listOf = (name) => args.flatMap((arg, i) => (arg === name ? [args[i + 1]] : []));
const callers = listOf('--callers');
const totals = listOf('--total');
const splits = listOf('--split');

const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const stackHas = (id, name) => {
  for (let at = id; at !== undefined; at = parent.get(at))
    if (byId.get(at).callFrame.functionName === name) return true;
  return false;
};

const self = new Map();
let started = after === undefined;
let busy = 0;
profile.samples.forEach((id, i) => {
  if (!started) started = stackHas(id, after);
  if (!started) return;
  const dt = profile.timeDeltas[i] ?? 0;
  if (byId.get(id).callFrame.functionName === '(idle)') return;
  self.set(id, (self.get(id) ?? 0) + dt);
  busy += dt;
});

const short = (url) => url.replace(/^.*\/(node_modules|dist|main|bench)\//, '$1/');
const groups = new Map();
const files = new Map();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || '(anonymous)'}  ${short(url)}${url ? `:${lineNumber + 1}` : ''}`;
  groups.set(key, (groups.get(key) ?? 0) + us);
  const where =
    url === '' ? `(native) ${functionName}` : url.startsWith('node:') ? 'node: builtins' : short(url);
  files.set(where, (files.get(where) ?? 0) + us);
}
const line = (us) =>
  `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms` +
  (per === null ? '' : `  ${(us / per).toFixed(2).padStart(6)} µs/req`);
console.log(
  `${file}: ${(busy / 1000).toFixed(0)} ms busy${after === undefined ? '' : ` from the first ${after}`}` +
    (per === null ? '' : `, ${(busy / per).toFixed(1)} µs per request over ${per}`),
);
console.log('self time by function:');
for (const [key, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${line(us)}  ${key}`);
console.log('self time by file:');
for (const [where, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`${line(us)}  ${where}`);

for (const wanted of callers) {
  const paths = new Map();
  for (const [id, us] of self) {
    if (byId.get(id).callFrame.functionName !== wanted) continue;
    const chain = [];
    for (let at = parent.get(id); at !== undefined && chain.length < 8; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      chain.push(`${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`);
    }
    const key = chain.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  }
  console.log(`callers of ${wanted}:`);
  for (const [key, us] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 8))
    console.log(`${line(us)}  ${key}`);
}

if (totals.length > 0) console.log('total time (self plus callees):');
for (const wanted of totals) {
  let us = 0;
  for (const [id, t] of self) if (stackHas(id, wanted)) us += t;
  console.log(`${line(us)}  ${wanted}`);
}

for (const wanted of splits) {
  const parts = new Map();
  for (const [id, t] of self) {
    let below = null;
    for (let at = id; at !== undefined; below = at, at = parent.get(at)) {
      if (byId.get(at).callFrame.functionName !== wanted) continue;
      const frame = below === null ? null : byId.get(below).callFrame;
      const key =
        frame === null ? '(self)' : `${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
      parts.set(key, (parts.get(key) ?? 0) + t);
      break;
    }
  }
  console.log(`${wanted} split by callee:`);
  for (const [key, us] of [...parts].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${line(us)}  ${key}`);
}
