/**
 * Issue #12, item 5: a token server cannot exhaust the agent's memory. Every answer is read as a
 * stream and cut at 1 MiB, with its own error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FloodStats } from '../peers/faults.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, mpsAccount, requestsThenIdle, startHarness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const MIB = 1024 * 1024;

/** An MPS Monitor peer and an engine with its account saved, paused (renewals only when asked). */
async function setup(options: Parameters<typeof startHarness>[1] = {}) {
  const peer = cleanups.add(await startMpsMonitorPeer());
  const h = await startHarness(cleanups, options);
  h.engine.setPaused(true);
  await h.engine.saveAccount(mpsAccount(peer));
  return { peer, h };
}

/** A 200 token answer with `fields` (JSON) for the next token request. */
const answer = (fields: Record<string, unknown>) =>
  ({ kind: 'status', status: 200, body: JSON.stringify(fields) }) as const;

describe('answers are read as a stream and cut at 1 MiB (item 5)', () => {
  it('fails a 50 MB chunked answer without Content-Length quickly, with its own error, reading little of it', async () => {
    const { peer, h } = await setup();
    const stats: FloodStats = { written: 0, closed: false };
    peer.faults.push({ kind: 'flood', bytes: 50 * 1000 * 1000, stats });
    const started = Date.now();
    const error = await h.engine.token('mps').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: 'too_large' });
    expect((error as Error).message).toBe("the token server's answer exceeded 1 MiB");
    expect(h.engine.view('mps')).toMatchObject({ errorCode: 'too_large', needsUser: false });
    // The connection was dropped soon after the cap: far less than the 50 MB was ever sent.
    await requestsThenIdle(h.engine, peer, 1);
    const deadline = Date.now() + 5000;
    while (!stats.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stats.closed).toBe(true);
    expect(stats.written).toBeLessThan(16 * MIB);
  });

  it('still takes an answer just under the cap', async () => {
    const { peer, h } = await setup();
    const padding = 'p'.repeat(MIB - 200);
    peer.faults.push(
      answer({ access_token: 'under-the-cap', token_type: 'bearer', expires_in: 1800, padding }),
    );
    expect((await h.engine.token('mps')).accessToken).toBe('under-the-cap');
  });

  it('refuses an answer that declares a Content-Length over the cap before reading it', async () => {
    const { peer, h } = await setup();
    peer.faults.push({
      kind: 'status',
      status: 200,
      body: JSON.stringify({ access_token: 'x', padding: 'p'.repeat(MIB + 10) }),
    });
    await expect(h.engine.token('mps')).rejects.toMatchObject({
      code: 'too_large',
      message: "the token server's answer exceeded 1 MiB",
    });
  });
});
