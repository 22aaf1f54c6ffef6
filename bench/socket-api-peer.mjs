// The other processes of bench/socket-api.ts, plain JavaScript so that no loader runs in them:
//   node socket-api-peer.mjs client SOCKET PATH COUNT WARM [SERVER_PID] [GAP_MS]
//        WARM untimed then COUNT timed keep-alive GETs with node:http, GAP_MS apart (default 0:
//        back to back); prints JSON: p50, p99, max (µs) and, given SERVER_PID, the CPU time that
//        process spent per timed request (µs; with a gap, its own timers' work in the gaps too)
//   node socket-api-peer.mjs floor SOCKET               a bare node:http server answering fixed JSON
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout } from 'node:timers';
import { Agent, createServer, request } from 'node:http';

const [mode, socketPath, path, countText, warmText, serverPid, gapText] = process.argv.slice(2);

/** CPU time of every thread of `pid` so far, ns, from /proc (Linux); NaN elsewhere or without a pid. */
function cpuNs(pid) {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return total;
  } catch {
    return NaN;
  }
}

if (mode === 'floor') {
  // The same answer the agent gives a cached static token, with the same headers.
  const body = JSON.stringify({
    accessToken: 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJiZW5jaCIsImV4cCI6NDEwMjQ0NDgwMH0.',
    tokenType: 'bearer',
    expiresAt: '2099-12-31T00:00:00.000Z',
  });
  const server = createServer((req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  });
  server.listen(socketPath, () => process.stdout.write('listening\n'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (mode === 'client') {
  const count = Number(countText);
  const warm = Number(warmText);
  const gap = Number(gapText || 0);
  const pause = () => new Promise((resolve) => setTimeout(resolve, gap));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath, path, agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  const first = await get();
  if (first.status !== 200 || !first.body.includes('"accessToken"')) {
    process.stderr.write(`unexpected answer: HTTP ${first.status} ${first.body.slice(0, 200)}\n`);
    process.exit(1);
  }
  for (let i = 0; i < warm; i++) await get();
  const cpuBefore = serverPid === undefined || serverPid === '' ? NaN : cpuNs(serverPid);
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (gap > 0) await pause();
    const started = process.hrtime.bigint();
    const answer = await get();
    samples[i] = Number(process.hrtime.bigint() - started) / 1e3;
    if (answer.status !== 200) {
      process.stderr.write(`request ${i}: HTTP ${answer.status}\n`);
      process.exit(1);
    }
  }
  const cpu = (cpuNs(serverPid) - cpuBefore) / 1e3 / count;
  samples.sort();
  const at = (q) => samples[Math.min(count - 1, Math.floor(q * count))];
  process.stdout.write(`${JSON.stringify({ p50: at(0.5), p99: at(0.99), max: at(1), cpu: cpu })}\n`);
  agent.destroy();
} else {
  process.stderr.write(
    'usage: socket-api-peer.mjs client SOCKET PATH COUNT WARM [SERVER_PID] | floor SOCKET\n',
  );
  process.exit(2);
}
