/**
 * Issue #12, item 8: one token endpoint that hangs cannot stall every account. Requests are limited
 * in total (8) and per endpoint (origin + path: 2, its share); an endpoint that answers promptly may
 * borrow idle slots, and gives them back as soon as one of its requests stalls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../main/engine/types.js';
import { ACRONIS_DEFAULTS, startAcronisPeer, type AcronisPeerHandle } from '../peers/index.js';
import { Cleanups, startHarness, until } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/** A pass-through fetch that counts requests in flight per host, and the peak of each. */
function countingFetch() {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let total = 0;
  let peakTotal = 0;
  const fetchLike: FetchLike = async (input, init) => {
    const host = new URL(String(input instanceof Request ? input.url : input)).host;
    inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
    peak.set(host, Math.max(peak.get(host) ?? 0, inFlight.get(host) ?? 0));
    peakTotal = Math.max(peakTotal, ++total);
    try {
      const response = await fetch(input, init);
      // The body is read by the engine; the slot is held until then, so count until it is.
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, headers: response.headers });
    } finally {
      inFlight.set(host, (inFlight.get(host) ?? 1) - 1);
      total--;
    }
  };
  return { fetch: fetchLike, peak, peakTotal: () => peakTotal };
}

const account = (peer: AcronisPeerHandle, name: string) => ({
  name,
  preset: 'acronis',
  baseUrl: peer.url,
  clientId: ACRONIS_DEFAULTS.clientId,
  clientSecret: ACRONIS_DEFAULTS.clientSecret,
});

const hostOf = (peer: AcronisPeerHandle) => new URL(peer.url).host;

describe('per-endpoint concurrency', () => {
  it('a healthy account is served at once while another endpoint hangs with 10 accounts', async () => {
    const hanging = cleanups.add(await startAcronisPeer());
    const healthy = cleanups.add(await startAcronisPeer());
    hanging.faults.always({ kind: 'hang' });
    const counting = countingFetch();
    const h = await startHarness(cleanups, { fetch: counting.fetch, requestTimeoutMs: 10_000 });
    h.engine.setPaused(true);
    await h.engine.importAccounts({
      accounts: [
        ...Array.from({ length: 10 }, (_, i) => account(hanging, `stuck-${i}`)),
        account(healthy, 'fine'),
      ],
    });
    const stuck = Array.from({ length: 10 }, (_, i) => h.engine.token(`stuck-${i}`).catch(() => null));
    await until(() => hanging.requests.length >= 2);
    const started = Date.now();
    const token = await h.engine.token('fine');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(token.accessToken).toBe(healthy.issued.at(-1));
    // The endpoint that never answered holds its share, no more.
    expect(hanging.requests).toHaveLength(2);
    expect(counting.peak.get(hostOf(hanging))).toBe(2);
    // Closing the peer ends the hung requests (stop() would wait for them, up to their timeout).
    await hanging.close();
    await Promise.all(stuck);
  });

  it('lets a prompt endpoint use every slot, and takes back what it borrowed once it stalls', async () => {
    const busy = cleanups.add(await startAcronisPeer());
    const other = cleanups.add(await startAcronisPeer());
    const counting = countingFetch();
    const h = await startHarness(cleanups, { fetch: counting.fetch, requestTimeoutMs: 10_000, stallMs: 300 });
    h.engine.setPaused(true);
    const names = Array.from({ length: 40 }, (_, i) => `busy-${i}`);
    await h.engine.importAccounts({
      accounts: [...names.map((name) => account(busy, name)), account(other, 'other')],
    });
    // While it answers promptly (50 ms each), it borrows idle slots: up to the total of 8.
    busy.faults.always({ kind: 'delay', ms: 50 });
    await Promise.all(names.slice(0, 30).map((name) => h.engine.token(name)));
    const peakBusy = counting.peak.get(hostOf(busy)) ?? 0;
    expect(peakBusy).toBeGreaterThan(2);
    expect(peakBusy).toBeLessThanOrEqual(8);
    expect(counting.peakTotal()).toBeLessThanOrEqual(8);
    // Then it hangs with every slot taken: the other endpoint waits only until the stall shows.
    busy.faults.always({ kind: 'hang' });
    const stuck = names.slice(30).map((name) => h.engine.token(name).catch(() => null));
    await until(() => busy.requests.length >= 30 + 8);
    const started = Date.now();
    await h.engine.token('other');
    expect(Date.now() - started).toBeLessThan(3000);
    // No new request went to the stalled endpoint: it is back to its share (already exceeded).
    expect(busy.requests).toHaveLength(38);
    await busy.close();
    await Promise.all(stuck);
  });
});
