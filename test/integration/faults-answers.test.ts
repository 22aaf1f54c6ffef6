/**
 * Issue #12, items 3, 5 and 12: what a token server answers cannot inject or exhaust. Tokens with
 * characters that could not be handed on safely are refused naming the field (never printed or
 * stored); an answer is read as a stream and cut at 1 MiB; lifetimes are clamped to what RFC 3339
 * and sense allow.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FloodStats } from '../peers/faults.js';
import { MPS_MONITOR_DEFAULTS as MPS, startMpsMonitorPeer } from '../peers/index.js';
import {
  Cleanups,
  expectNoSecrets,
  mpsAccount,
  requestsThenIdle,
  startHarness,
  type Harness,
} from '../fixtures/engine-harness.js';

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

async function storeText(h: Harness): Promise<string> {
  return readFile(join(h.fixture.dataDir, 'accounts.json'), 'utf8');
}

describe('tokens are visible ASCII (item 3)', () => {
  const bad: [string, string, Record<string, unknown>][] = [
    ['a CR/LF in the access_token', 'access_token', { access_token: 'zqxAbc\r\nX-Injected: 1' }],
    ['a space in the access_token', 'access_token', { access_token: 'zqxTwo zqxWords' }],
    ['a tab in the access_token', 'access_token', { access_token: 'zqxTab\tzqxHere' }],
    ['a DEL in the access_token', 'access_token', { access_token: 'zqxDel\u007fzqxHere' }],
    ['non-ASCII in the access_token', 'access_token', { access_token: 'zqxCaf\u00e9-token' }],
    ['a NUL in the access_token', 'access_token', { access_token: 'zqxNul\u0000zqxHere' }],
    [
      'a CR/LF in the refresh_token',
      'refresh_token',
      { access_token: 'zqxGood-token', refresh_token: 'zqxRt\r\nSet-Cookie: x=1' },
    ],
    [
      'a number as the refresh_token',
      'refresh_token',
      { access_token: 'zqxGood-token', refresh_token: 12345 },
    ],
  ];

  it.each(bad)('refuses %s, naming the field and never the value', async (_what, field, fields) => {
    const { peer, h } = await setup();
    peer.faults.push(answer({ token_type: 'bearer', expires_in: 1800, ...fields }));
    const error = await h.engine.token('mps').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_token_value' });
    const message = (error as Error).message;
    expect(message).toContain(field);
    expect(message).toContain('127.0.0.1');
    // Even the good access token of a refused answer is neither kept nor shown.
    const values = Object.values(fields).filter((value): value is string => typeof value === 'string');
    const view = h.engine.view('mps');
    expect(view).toMatchObject({ state: 'error', errorCode: 'invalid_token_value' });
    const texts = [message, view?.error, ...h.lines, await storeText(h)];
    for (const value of values) {
      for (const text of texts) expect(text).not.toContain(value);
      // Nor its printable parts (the store holds only envelopes; the error never echoes the value).
      for (const part of value.split(/[^!-~]+/).filter((p) => p.length >= 4))
        for (const text of texts) expect(text).not.toContain(part);
    }
    // No token was stored: the account has none yet.
    expect(view?.expiresAt).toBeNull();
  });

  it.each(['DPoP', 'mac'])(
    'refuses a %s token (not a bearer token), naming its type; nothing is kept',
    async (type) => {
      const { peer, h } = await setup();
      peer.faults.push(answer({ access_token: 'zqxBound-token', token_type: type, expires_in: 1800 }));
      const error = await h.engine.token('mps').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unsupported_token_type' });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^127\\.0\\.0\\.1:\\d+ issued a token of type "${type}" \\(token_type\\), not a bearer token; `,
        ),
      );
      expect(h.engine.view('mps')).toMatchObject({
        state: 'error',
        errorCode: 'unsupported_token_type',
        expiresAt: null,
      });
      expect(await storeText(h)).not.toContain('zqxBound-token');
    },
  );

  it('takes "Bearer" in any case (RFC 6749 §5.1: token_type is case-insensitive)', async () => {
    const { peer, h } = await setup();
    peer.faults.push(answer({ access_token: 'zqxCased-token', token_type: 'BeArEr', expires_in: 1800 }));
    expect((await h.engine.token('mps')).accessToken).toBe('zqxCased-token');
  });

  it("checks a token endpoint's answer whatever its URL: one under /.well-known/ too", async () => {
    // A discovery document may name any token_endpoint: the checks once skipped such URLs.
    const peer = cleanups.add(await startMpsMonitorPeer({ basePath: '/.well-known' }));
    const h = await startHarness(cleanups);
    h.engine.setPaused(true);
    await h.engine.saveAccount(mpsAccount(peer));
    peer.faults.push(
      answer({ access_token: 'zqxAbc\r\nX-Injected: 1', token_type: 'bearer', expires_in: 1800 }),
    );
    expect(await h.engine.token('mps').catch((e: unknown) => e)).toMatchObject({
      code: 'invalid_token_value',
    });
    await h.engine.saveAccount(mpsAccount(peer, { name: 'mps-bound' }));
    peer.faults.push(answer({ access_token: 'zqxBound', token_type: 'DPoP', expires_in: 1800 }));
    expect(await h.engine.token('mps-bound').catch((e: unknown) => e)).toMatchObject({
      code: 'unsupported_token_type',
    });
  });

  it('accepts every visible ASCII character (RFC 6750 b64token and more)', async () => {
    const { peer, h } = await setup();
    const visible = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
    peer.faults.push(answer({ access_token: visible, token_type: 'bearer', expires_in: 1800 }));
    expect((await h.engine.token('mps')).accessToken).toBe(visible);
  });
});

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

describe('lifetimes are clamped (item 12)', () => {
  it('treats expires_in 1e12 as a year, writes an RFC 3339 expiry and says so in the activity log', async () => {
    const { peer, h } = await setup();
    peer.faults.push(answer({ access_token: 'long-lived', token_type: 'bearer', expires_in: 1e12 }));
    const token = await h.engine.token('mps');
    const year = 365 * 24 * 3600 * 1000;
    expect(Date.parse(token.expiresAt ?? '')).toBe(h.clock.now() + year);
    expect(token.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const view = h.engine.view('mps');
    expect(view?.expiresAt).toBe(token.expiresAt);
    const renewed = h.engine.activity('mps').filter((entry) => entry.kind === 'renewed');
    expect(renewed.at(-1)?.detail).toMatch(/1000000000000 s, treated as one year/);
    // ...and it is renewed like any other token: before the year is out.
    h.engine.setPaused(false);
    const next = Date.parse(h.engine.view('mps')?.nextRefreshAt ?? '');
    expect(next).toBeGreaterThan(h.clock.now());
    expect(next).toBeLessThan(h.clock.now() + year);
  });

  it.each([[0], [-30], ['-1']])(
    'refuses expires_in %j as a token already expired on arrival (never served, never "unknown expiry")',
    async (expiresIn) => {
      const { peer, h } = await setup();
      peer.faults.push(
        answer({ access_token: 'dead-on-arrival', token_type: 'bearer', expires_in: expiresIn }),
      );
      await expect(h.engine.token('mps')).rejects.toMatchObject({ code: 'expired_on_arrival' });
      expect(h.engine.view('mps')).toMatchObject({ state: 'error', errorCode: 'expired_on_arrival' });
      expect(h.engine.view('mps')?.state).not.toBe('unknown-expiry');
      expectNoSecrets([...h.lines, h.engine.view('mps')?.error], ['dead-on-arrival', MPS.clientSecret]);
      // A transient failure: retried with backoff, and the next good answer is served.
      await h.clock.advance(31_000);
      expect((await h.engine.token('mps')).accessToken).toBe(peer.issued.accessTokens.at(-1));
    },
  );
});
