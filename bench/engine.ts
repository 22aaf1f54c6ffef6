/**
 * Engine benchmarks (printed, never asserted): loading and scheduling many accounts, renewing
 * 1,000 accounts against a real oidc-provider, and timer wake-ups over a simulated day.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../main/engine/index.js';
import { STORE_FILE, STORE_FORMAT_VERSION, type AccountRecord } from '../main/engine/store.js';
import type { Cipher, Engine } from '../main/engine/types.js';
import { ManualClock, testCipher } from '../test/helpers/engine.js';
import {
  ACRONIS_DEFAULTS,
  OIDC_DEFAULT_CLIENT,
  startAcronisPeer,
  startOidcPeer,
} from '../test/peers/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Writes a store of `count` accounts, each with an encrypted secret and a valid encrypted token. */
export async function writeStore(dir: string, count: number, cipher: Cipher, now: number): Promise<void> {
  const envelope = async (plain: string) => ({
    c: cipher.id,
    d: Buffer.from(await cipher.encrypt(plain)).toString('base64'),
  });
  const accounts: Record<string, AccountRecord> = {};
  for (let i = 0; i < count; i++) {
    const obtainedAt = now - ((i * 7919) % 1_800_000);
    accounts[`tenant-${i}`] = {
      settings: {
        name: `tenant-${i}`,
        preset: 'acronis',
        baseUrl: 'https://eu8-cloud.acronis.com',
        clientId: `client-${i}`,
        label: `Customer ${i}`,
      },
      secrets: { clientSecret: await envelope(`secret-${i}-xxxxxxxxxxxxxxxx`) },
      token: {
        access: await envelope(`access-token-${i}-${'x'.repeat(600)}`),
        refresh: null,
        tokenType: 'bearer',
        scope: null,
        obtainedAt: new Date(obtainedAt).toISOString(),
        expiresAt: new Date(obtainedAt + 7_200_000).toISOString(),
        expirySource: 'expires_on',
        grant: 'client_credentials',
      },
      lastRefreshAt: new Date(obtainedAt).toISOString(),
      error: null,
      activity: [],
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    };
  }
  await mkdir(dir, { recursive: true });
  const file = { accounts, __internal__: { migrations: { version: STORE_FORMAT_VERSION } } };
  await writeFile(join(dir, STORE_FILE), JSON.stringify(file), { mode: 0o600 });
}

async function benchLoad(count: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tokentray-bench-'));
  const cipher = testCipher();
  const clock = new ManualClock(Date.now());
  await writeStore(dir, count, cipher, clock.now());
  const before = heap();
  let start = process.hrtime.bigint();
  const engine = createEngine({
    dataDir: dir,
    cipher,
    clock,
    fetch: () => Promise.reject(new Error('no network in this benchmark')),
  });
  await engine.start();
  const loadMs = ms(start);
  const loadedHeap = heap() - before;
  start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await engine.token(`tenant-${i}`, { minValidSeconds: 0 });
  const decryptMs = ms(start);
  const afterDecrypt = heap() - before;
  console.log(
    `load+schedule ${count} accounts: ${loadMs.toFixed(0)} ms, heap ${(loadedHeap / count / 1024).toFixed(2)} KB/account; ` +
      `decrypt every token: ${decryptMs.toFixed(0)} ms (heap with tokens cached ${(afterDecrypt / count / 1024).toFixed(2)} KB/account)`,
  );
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
}

async function benchRenewals(count: number, cap: number): Promise<void> {
  const peer = await startOidcPeer();
  const dir = await mkdtemp(join(tmpdir(), 'tokentray-bench-'));
  let inFlight = 0;
  let peak = 0;
  const durations: number[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const start = process.hrtime.bigint();
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
      if (String(input).endsWith('/token')) durations.push(ms(start));
    }
  };
  const engine: Engine = createEngine({
    dataDir: dir,
    cipher: testCipher(),
    fetch: timedFetch,
    maxConcurrentRenewals: cap,
  });
  await engine.start();
  engine.setPaused(true);
  const accounts = Array.from({ length: count }, (_, i) => ({
    name: `cc-${i}`,
    preset: 'oauth2',
    issuer: peer.issuer,
    clientId: OIDC_DEFAULT_CLIENT.client_id,
    clientSecret: OIDC_DEFAULT_CLIENT.client_secret,
  }));
  await engine.importAccounts({ accounts });
  const start = process.hrtime.bigint();
  await Promise.all(accounts.map((a) => engine.token(a.name)));
  const wall = ms(start);
  durations.sort((a, b) => a - b);
  console.log(
    `renew ${count} client_credentials accounts (oidc-provider, cap ${cap}): ${wall.toFixed(0)} ms wall, ` +
      `peak concurrent requests ${peak}, per request p50 ${pct(durations, 50).toFixed(1)} ms p99 ${pct(durations, 99).toFixed(1)} ms`,
  );
  await engine.stop();
  await peer.close();
  await rm(dir, { recursive: true, force: true });
}

async function benchDay(count: number): Promise<void> {
  const peer = await startAcronisPeer({ lifetimeSeconds: 8 * 3600 });
  const dir = await mkdtemp(join(tmpdir(), 'tokentray-bench-'));
  const clock = new ManualClock(Date.now());
  const engine = createEngine({ dataDir: dir, cipher: testCipher(), clock });
  await engine.start();
  engine.setPaused(true);
  await engine.importAccounts({
    accounts: Array.from({ length: count }, (_, i) => ({
      name: `day-${i}`,
      preset: 'acronis',
      baseUrl: peer.url,
      clientId: ACRONIS_DEFAULTS.clientId,
      clientSecret: ACRONIS_DEFAULTS.clientSecret,
    })),
  });
  engine.setPaused(false);
  // Let the first round of renewals finish on real loopback I/O before time starts moving.
  for (let i = 0; i < 2000 && engine.list().some((a) => a.state !== 'valid'); i++)
    await new Promise((r) => setTimeout(r, 5));
  const requestsBefore = peer.requests.length;
  clock.wakeups = 0;
  for (let minute = 0; minute < 24 * 60; minute++) {
    await clock.advance(60_000);
    // Renewals are real HTTP calls: give them a moment to complete.
    for (let i = 0; i < 200 && engine.list().some((a) => a.state === 'refreshing'); i++)
      await new Promise((r) => setTimeout(r, 1));
  }
  const renewals = peer.requests.length - requestsBefore;
  console.log(
    `simulated day, ${count} accounts with 8 h tokens: ${clock.wakeups} timer wake-ups for ${renewals} renewals ` +
      `(${clock.wakeups - renewals} wake-ups beyond renewals; 1440 minutes)`,
  );
  await engine.stop();
  await peer.close();
  await rm(dir, { recursive: true, force: true });
}

/** Runs every engine benchmark and prints one line each. */
export async function benchEngine(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for exact heap numbers)');
  await benchLoad(1_000);
  await benchLoad(10_000);
  await benchRenewals(1_000, 8);
  await benchDay(1_000);
}
