/**
 * Circuit breaking per token endpoint (checklist C6) against a real loopback Acronis peer: an MSP
 * with many tenants on one data center must not hammer it while it is down, yet a person's
 * "Renew now" always goes out, and the accounts recover by themselves once it is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { COOLDOWN_BASE_MS, OPEN_AFTER_FAILURES } from '../../main/engine/circuit.js';
import { ACRONIS_DEFAULTS, startAcronisPeer, type AcronisPeerHandle } from '../peers/index.js';
import { Cleanups, idle, startHarness, until, type Harness } from '../fixtures/engine-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const TENANTS = 8;
const DOWN = { kind: 'status', status: 503, body: 'Service Unavailable' } as const;

const tenant = (peer: AcronisPeerHandle, i: number) => ({
  name: `tenant-${i}`,
  preset: 'acronis',
  baseUrl: peer.url,
  clientId: ACRONIS_DEFAULTS.clientId,
  clientSecret: ACRONIS_DEFAULTS.clientSecret,
});

/** Eight tenants saved while the data center answers 503: each save's own attempt fails. */
async function tenantsOnADeadDataCenter(): Promise<{ peer: AcronisPeerHandle; h: Harness }> {
  const peer = cleanups.add(await startAcronisPeer());
  peer.faults.always(DOWN);
  const h = await startHarness(cleanups);
  for (let i = 0; i < TENANTS; i++) await h.engine.saveAccount(tenant(peer, i));
  await until(() => peer.requests.length >= TENANTS);
  await idle(h.engine);
  return { peer, h };
}

/** Moves the manual clock in steps, letting renewals run between them. */
async function advance(h: Harness, ms: number, step = 5_000): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await h.clock.advance(Math.min(step, ms - done));
    await idle(h.engine);
  }
}

describe('circuit breaking per token endpoint', () => {
  it('stops scheduled retries to an endpoint that keeps failing, then lets one probe through', async () => {
    const { peer, h } = await tenantsOnADeadDataCenter();
    expect(TENANTS).toBeGreaterThanOrEqual(OPEN_AFTER_FAILURES);
    expect(h.engine.list().every((view) => view.state === 'error')).toBe(true);
    const afterSaves = peer.requests.length;

    // Every tenant's own backoff (5 s and up) comes due within the cool-down: none reaches the peer.
    await advance(h, COOLDOWN_BASE_MS - 5_000);
    expect(peer.requests.length).toBe(afterSaves);
    const view = h.engine.view('tenant-0');
    expect(view?.errorCode).toBe('circuit_open');
    expect(view?.error).toMatch(
      /failed \d+ times in a row \(last: server_error, HTTP 503\); Tokentray asks it again after/,
    );
    // Another account's failure lends its code, never its words (they were redacted for it only).
    expect(view?.error).not.toContain('Service Unavailable');

    // After the cool-down, a single probe; it fails, so the circuit opens again for twice as long.
    await advance(h, 10_000);
    expect(peer.requests.length).toBe(afterSaves + 1);
    await advance(h, 2 * COOLDOWN_BASE_MS - 10_000);
    expect(peer.requests.length).toBe(afterSaves + 1);
    await advance(h, 10_000);
    expect(peer.requests.length).toBe(afterSaves + 2);
    expect(h.lines.some((line) => line.includes('circuit_open'))).toBe(true);
  });

  it('sends Renew now even while the circuit is open', async () => {
    const { peer, h } = await tenantsOnADeadDataCenter();
    const before = peer.requests.length;
    peer.faults.clear();
    const renewed = await h.engine.refresh('tenant-3');
    expect(renewed.state).toBe('valid');
    expect(peer.requests.length).toBe(before + 1);
  });

  it('recovers every account once the endpoint answers again, with far fewer requests than accounts × retries', async () => {
    const { peer, h } = await tenantsOnADeadDataCenter();
    await advance(h, 10 * 60_000, 10_000);
    const whileDown = peer.requests.length - TENANTS;
    // Without the breaker each of the 8 accounts would retry about 7 times in 10 minutes.
    expect(whileDown).toBeLessThanOrEqual(5);
    peer.faults.clear();
    await advance(h, 30 * 60_000, 10_000);
    expect(h.engine.list().map((view) => view.state)).toEqual(Array(TENANTS).fill('valid'));
  });

  it('forgets past failures on reconcile (resume, unlock, back online)', async () => {
    const { peer, h } = await tenantsOnADeadDataCenter();
    peer.faults.clear();
    const before = peer.requests.length;
    h.engine.reconcile();
    // The accounts' own backoff still applies; once it is over, they renew without waiting on a probe.
    await advance(h, 2 * 60_000);
    expect(peer.requests.length - before).toBe(TENANTS);
    expect(h.engine.list().every((view) => view.state === 'valid')).toBe(true);
  });
});
