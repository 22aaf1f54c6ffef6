/**
 * Issue #10: a cached token is answered at once (Engine.heldToken, the local API's runNow) and a
 * token target read once is remembered (createRouter). Neither may answer differently from the
 * long way: same token, same refusals, same activity, and null whenever the long way would have
 * something to do (renew, wait, decrypt, save) — against a real MPS Monitor emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter, routeRequest, type ApiResponse, type ApiRoute } from '../../main/agent/routes.js';
import { CliAccessDeniedError, NoSuchAccountError } from '../../main/engine/index.js';
import { startMpsMonitorPeer } from '../peers/index.js';
import { Cleanups, mpsAccount, startHarness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const SEC = 1000;
const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

/** An account whose tokens live 30 minutes, renewed once; paused so only callers renew. */
async function setup(more: Record<string, unknown> = { cliAccess: true }) {
  const peer = cleanups.add(await startMpsMonitorPeer({ expiresIn: 1800 }));
  const h = await startHarness(cleanups);
  h.engine.setPaused(true);
  await h.engine.saveAccount(mpsAccount(peer, more));
  return { peer, h };
}

describe('Engine.heldToken', () => {
  it('answers what token() answers, with no request, and records it the same way', async () => {
    const { peer, h } = await setup();
    expect(h.engine.heldToken('mps', { purpose: 'cli' })).toBeNull(); // nothing obtained yet
    const first = await h.engine.token('mps', { purpose: 'cli' });
    const before = h.engine.activity('mps').length;
    const held = h.engine.heldToken('MPS', { purpose: 'cli' });
    expect(held).toEqual(first);
    expect(held?.name).toBe('mps'); // the name as saved, whatever the case asked
    expect(peer.requests).toHaveLength(1);
    expect(h.engine.activity('mps').slice(before)).toEqual([
      expect.objectContaining({ kind: 'served', detail: 'token handed to a script' }),
    ]);
  });

  it('is null whenever token() has something to do first: a rejected token, a minimum not met, an expired token', async () => {
    const { peer, h } = await setup();
    await h.engine.token('mps', { purpose: 'cli' });
    expect(h.engine.heldToken('mps', { purpose: 'cli', rejected: true })).toBeNull();
    // 30 min tokens: 29 min of validity asked is met, 31 min is not.
    expect(h.engine.heldToken('mps', { purpose: 'cli', minValidSeconds: 29 * 60 })).not.toBeNull();
    expect(h.engine.heldToken('mps', { purpose: 'cli', minValidSeconds: 31 * 60 })).toBeNull();
    // Within the default minute of expiry, then past it.
    await h.clock.advance(1800 * SEC - 59 * SEC);
    expect(h.engine.heldToken('mps', { purpose: 'cli' })).toBeNull();
    expect(h.engine.heldToken('mps', { purpose: 'cli', minValidSeconds: 0 })).not.toBeNull();
    await h.clock.advance(60 * SEC);
    expect(h.engine.heldToken('mps', { purpose: 'cli', minValidSeconds: 0 })).toBeNull();
    expect(peer.requests).toHaveLength(1);
    // token() renews; the new token is then held.
    const renewed = await h.engine.token('mps', { purpose: 'cli' });
    expect(peer.requests).toHaveLength(2);
    expect(h.engine.heldToken('mps', { purpose: 'cli' })?.accessToken).toBe(renewed.accessToken);
  });

  it('is null for a token read from the store until token() has decrypted it', async () => {
    const { h } = await setup();
    const first = await h.engine.token('mps', { purpose: 'cli' });
    const restarted = await h.fixture.restart();
    expect(restarted.heldToken('mps', { purpose: 'cli' })).toBeNull();
    expect((await restarted.token('mps', { purpose: 'cli' })).accessToken).toBe(first.accessToken);
    expect(restarted.heldToken('mps', { purpose: 'cli' })?.accessToken).toBe(first.accessToken);
  });

  it('refuses as token() does: an unknown account, and a script when CLI access is off', async () => {
    const { h } = await setup({ cliAccess: false });
    await h.engine.token('mps', { purpose: 'copy' });
    expect(() => h.engine.heldToken('nosuch', { purpose: 'cli' })).toThrow(NoSuchAccountError);
    expect(() => h.engine.heldToken('mps', { purpose: 'cli' })).toThrow(CliAccessDeniedError);
    await expect(h.engine.token('mps', { purpose: 'cli' })).rejects.toBeInstanceOf(CliAccessDeniedError);
    // A person's copy is another purpose: held.
    expect(h.engine.heldToken('mps', { purpose: 'copy' })).not.toBeNull();
  });
});

/** What the client is sent: the status and the body (not the `sent` hook, a new closure each time). */
const answerOf = (response: ApiResponse | null | undefined) =>
  response == null ? response : { status: response.status, body: response.body };

describe('the local API: runNow and the router that remembers token targets', () => {
  it('answers now exactly what run() answers later, refusals included', async () => {
    const { peer, h } = await setup();
    const route = (target: string) => routeRequest(h.engine, silentLog, 'GET', target) as ApiRoute;
    // Nothing held yet: runNow leaves it to run(), which gets one.
    expect(route('/v1/accounts/mps/token').runNow?.()).toBeNull();
    const later = await route('/v1/accounts/mps/token').run(Buffer.alloc(0));
    expect(answerOf(route('/v1/accounts/mps/token').runNow?.())).toEqual(answerOf(later));
    expect(answerOf(route('/v1/accounts/mps/header').runNow?.())).toEqual(
      answerOf(await route('/v1/accounts/mps/header').run(Buffer.alloc(0))),
    );
    expect(answerOf(route('/v1/accounts/nosuch/token').runNow?.())).toEqual(
      answerOf(await route('/v1/accounts/nosuch/token').run(Buffer.alloc(0))),
    );
    expect(route('/v1/accounts/nosuch/token').runNow?.()).toMatchObject({ status: 404 });
    await h.engine.setCliAccess('mps', false);
    expect(route('/v1/accounts/mps/token').runNow?.()).toMatchObject({
      status: 403,
      body: { error: 'cli_access_denied' },
    });
    expect(peer.requests).toHaveLength(1);
  });

  it('remembers only GET token and header targets, and answers them as a fresh read would', async () => {
    const { h } = await setup();
    await h.engine.token('mps', { purpose: 'cli' });
    const route = createRouter(h.engine, silentLog);
    const target = '/v1/accounts/mps/token?minValid=30';
    const first = route('GET', target);
    expect(route('GET', target)).toBe(first); // remembered
    expect((route('GET', target) as ApiRoute).runNow?.()).toMatchObject({ status: 200 });
    // Another method on the same target is read again: 405, not the remembered route.
    expect(route('POST', target)).toMatchObject({ status: 405 });
    expect(route('HEAD', target)).toMatchObject({ status: 405 });
    // Refused targets are not remembered (each is read again) and stay refused.
    expect(route('GET', '/v1/accounts/mps/token?minvalid=30')).toMatchObject({ status: 400 });
    expect(route('GET', '/v1/accounts/mps/token?minvalid=30')).toMatchObject({ status: 400 });
    // Other endpoints are never remembered.
    const list = route('GET', '/v1/accounts');
    expect(route('GET', '/v1/accounts')).not.toBe(list);
    // Bounded: after many different targets the first is read anew, and still answers the same.
    for (let i = 0; i < 300; i++) route('GET', `/v1/accounts/mps/token?minValid=${i}`);
    const again = route('GET', target);
    expect(again).not.toBe(first);
    expect(answerOf((again as ApiRoute).runNow?.())).toEqual(answerOf((first as ApiRoute).runNow?.()));
  });
});

describe('a 404 for a name that does not exist', () => {
  it('carries the 50 names closest to it, and how many there are in all', async () => {
    const h = await startHarness(cleanups);
    const accounts = Array.from({ length: 120 }, (_, i) => ({
      name: `site-${String(i).padStart(3, '0')}`,
      preset: 'static',
      token: `opaque-token-${i}`,
    }));
    await h.engine.importAccounts({
      accounts: [...accounts, { name: 'zz-acme', preset: 'static', token: 'o' }],
    });
    const route = routeRequest(
      h.engine,
      { info: () => {}, warn: () => {}, error: () => {} },
      'GET',
      '/v1/accounts/acme/token',
    );
    const answer = (await (route as ApiRoute).run(Buffer.alloc(0))) as ApiResponse;
    expect(answer.status).toBe(404);
    const body = answer.body as { accounts: string[]; accountsTotal: number };
    expect(body.accountsTotal).toBe(121);
    expect(body.accounts).toHaveLength(50);
    expect(body.accounts[0]).toBe('zz-acme'); // the look-alike first
    expect(body.accounts[1]).toBe('site-000');
  });
});
