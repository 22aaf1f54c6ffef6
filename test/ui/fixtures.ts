/**
 * The real token peers the UI tests talk to, and a valid account of each preset for them, as a
 * person would type it into the form.
 */
import {
  ACRONIS_DEFAULTS,
  MPS_MONITOR_DEFAULTS,
  MSP360_DEFAULTS,
  OAUTH2_DEFAULTS,
  makeJwt,
  nowSeconds,
  startAcronisPeer,
  startBackupNetPeer,
  startMpsMonitorPeer,
  startMsp360Peer,
  startOAuth2ServerPeer,
  type AcronisPeerHandle,
  type MpsMonitorPeerHandle,
  type Msp360PeerHandle,
  type OAuth2PeerHandle,
  type OidcPeerHandle,
} from '../peers/index.js';
import type { Engine } from '../../main/engine/types.js';

export interface Peers {
  msp360: Msp360PeerHandle;
  backupNet: OidcPeerHandle;
  mpsMonitor: MpsMonitorPeerHandle;
  acronis: AcronisPeerHandle;
  oauth2: OAuth2PeerHandle;
  close(): Promise<void>;
}

/** Starts one peer per vendor on 127.0.0.1. */
export async function startPeers(): Promise<Peers> {
  const [msp360, backupNet, mpsMonitor, acronis, oauth2] = await Promise.all([
    startMsp360Peer(),
    startBackupNetPeer(),
    startMpsMonitorPeer(),
    startAcronisPeer(),
    startOAuth2ServerPeer(),
  ]);
  return {
    msp360,
    backupNet,
    mpsMonitor,
    acronis,
    oauth2,
    close: async () => {
      await Promise.all([msp360, backupNet, mpsMonitor, acronis, oauth2].map((peer) => peer.close()));
    },
  };
}

/** The backup.net peer's client (client_secret_post, as the vendor's example). */
export const BACKUP_NET_CLIENT = {
  clientId: 'fake-backupnet-client',
  clientSecret: 'fake-oidc-secret+/=%:-',
};

/** What a person types into the form for each preset (form field name → value), by preset title. */
export function formValuesFor(peers: Peers, name: string): Record<string, Record<string, string>> {
  return {
    MSP360: {
      name,
      baseUrl: peers.msp360.url,
      username: MSP360_DEFAULTS.username,
      password: MSP360_DEFAULTS.password,
    },
    'backup.net': { name, issuer: peers.backupNet.issuer, ...BACKUP_NET_CLIENT },
    'MPS Monitor': {
      name,
      baseUrl: peers.mpsMonitor.baseUrl,
      clientId: MPS_MONITOR_DEFAULTS.clientId,
      clientSecret: MPS_MONITOR_DEFAULTS.clientSecret,
      username: MPS_MONITOR_DEFAULTS.username,
      password: MPS_MONITOR_DEFAULTS.password,
    },
    Acronis: {
      name,
      baseUrl: peers.acronis.url,
      clientId: ACRONIS_DEFAULTS.clientId,
      clientSecret: ACRONIS_DEFAULTS.clientSecret,
    },
    'OAuth 2.0': {
      name,
      tokenUrl: peers.oauth2.tokenUrl,
      clientId: OAUTH2_DEFAULTS.clientId,
      clientSecret: OAUTH2_DEFAULTS.clientSecret,
    },
    'Pasted token': { name, token: pastedJwt(3600) },
  };
}

/** A pasted JWT that expires in `seconds` (negative: already expired). */
export function pastedJwt(seconds: number, claims: Record<string, unknown> = {}): string {
  const iat = nowSeconds();
  return makeJwt({ sub: 'pasted-user', aud: 'https://api.example.com', iat, exp: iat + seconds, ...claims });
}

/** A realistic mix of accounts in every state, for screenshots and the benchmark. */
export async function seedShowcase(engine: Engine, peers: Peers): Promise<void> {
  const values = formValuesFor(peers, '');
  const accounts: Record<string, unknown>[] = [
    {
      ...values['MPS Monitor'],
      preset: 'mps-monitor',
      name: 'acme-eu',
      label: 'Acme Corp · EU tenant',
      cliAccess: true,
    },
    { ...values['backup.net'], preset: 'backup-net', name: 'contoso-backup', label: 'Contoso' },
    { ...values.Acronis, preset: 'acronis', name: 'northwind-dc8', label: 'Northwind · eu8 data center' },
    { ...values.MSP360, preset: 'msp360', name: 'fabrikam-msp360', label: 'Fabrikam' },
    {
      ...values['OAuth 2.0'],
      preset: 'oauth2',
      name: 'globex-oauth',
      label: 'Globex internal API',
      clientSecret: 'an-old-secret-that-was-rotated',
    },
    { preset: 'static', name: 'initech-pasted', label: 'Initech support token', token: pastedJwt(290) },
    { preset: 'static', name: 'hooli-expired', label: 'Hooli sandbox', token: pastedJwt(-7200) },
    {
      preset: 'static',
      name: 'umbrella-legacy',
      label: 'Umbrella (opaque token)',
      token: 'opaque-legacy-token-0000',
    },
  ];
  await engine.importAccounts({ accounts });
  await materializePastedTokens(engine);
}

/**
 * The engine reads a pasted token (and its JWT exp) only when first asked for it; asking once
 * shows its real expiry in the list, as the window does after saving one.
 */
export async function materializePastedTokens(engine: Engine): Promise<void> {
  for (const view of engine.list()) {
    if (view.preset === 'static' && view.expiresAt === null && view.error === null) {
      await engine.refresh(view.name).catch(() => {});
    }
  }
}

/** Imports `count` pasted-token accounts and reads their expiries. */
export async function seedMany(engine: Engine, count: number): Promise<void> {
  await engine.importAccounts(manyAccounts(count));
  await materializePastedTokens(engine);
}

/** `count` pasted-token accounts with staggered expiries (a large MSP's list). */
export function manyAccounts(count: number): { accounts: Record<string, unknown>[] } {
  const accounts = Array.from({ length: count }, (_, i) => ({
    preset: 'static',
    name: `tenant-${String(i).padStart(4, '0')}`,
    label: `Customer ${i} · ${['EU', 'US', 'APAC'][i % 3]}`,
    token: pastedJwt(i % 50 === 0 ? -600 : 300 + i * 60),
  }));
  return { accounts };
}

/** Waits (bounded) until `check` is true, polling. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
