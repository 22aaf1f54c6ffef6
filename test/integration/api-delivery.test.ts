/**
 * The local API's record of who got which token says what happened: a script that hangs up while
 * its token is being renewed (or an agent stopping past its grace, which closes the connection)
 * is logged "token not delivered", not "token served". A real engine, a real token server that
 * answers late, the real API server on a Unix socket, and a raw client that hangs up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer } from '../../main/agent/server.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, mpsAccount, startHarness, until } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

function collectingLog() {
  const lines: string[] = [];
  const line = (message: string, fields?: Record<string, unknown>) =>
    void lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, log: { info: line, warn: line, error: line } };
}

function getStatus(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end();
  });
}

describe('the "token served" line', () => {
  it('is "token not delivered" when the client hung up before its token was ready', async () => {
    const peer = cleanups.add(await startMpsMonitorPeer());
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer, { cliAccess: true }));
    const dir = await mkdtemp(join(tmpdir(), 'ttdeliver-'));
    cleanups.add({ close: () => rm(dir, { recursive: true, force: true }) });
    const { lines, log } = collectingLog();
    const server = await startApiServer({ engine: h.engine, socketPath: join(dir, 'api.sock'), log });
    cleanups.add(server);

    peer.faults.push({ kind: 'delay', ms: 400 });
    const socket = connect({ path: server.socketPath });
    cleanups.add({ close: async () => void socket.destroy() });
    socket.on('error', () => {});
    socket.write('GET /v1/accounts/mps/token HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await until(() => peer.requests.length === 1, 5_000);
    socket.destroy();

    await until(() => lines.some((line) => line.startsWith('token not delivered')), 5_000);
    expect(lines.filter((line) => line.startsWith('token '))).toEqual([
      'token not delivered {"account":"mps","outcome":"client_gone"}',
    ]);
    // The renewal itself was kept: the next caller gets that token, with no second request.
    expect(await getStatus(server.socketPath, '/v1/accounts/mps/token')).toBe(200);
    expect(peer.requests).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('token '))).toEqual([
      'token not delivered {"account":"mps","outcome":"client_gone"}',
      'token served {"account":"mps","outcome":"ok"}',
    ]);
  });
});
