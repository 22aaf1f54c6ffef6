/** Real loopback token servers for integration, CLI and UI tests. */
export { FaultQueue, type Fault } from './faults.js';
export { startHttpPeer, sendJson, decodeBasic, type PeerHandle, type PeerRequest } from './http.js';
export {
  startOidcPeer,
  startBackupNetPeer,
  DISCOVERY_PATH,
  OIDC_DEFAULT_CLIENT,
  type OidcPeerOptions,
  type OidcPeerClient,
  type OidcPeerHandle,
  type OidcClientAuth,
} from './oidc.js';
export {
  startOAuth2ServerPeer,
  OAUTH2_DEFAULTS,
  type OAuth2PeerOptions,
  type OAuth2PeerHandle,
} from './oauth2.js';
export {
  startMpsMonitorPeer,
  MPS_MONITOR_DEFAULTS,
  type MpsMonitorPeerOptions,
  type MpsMonitorPeerHandle,
} from './mps-monitor.js';
export {
  startMsp360Peer,
  MSP360_DEFAULTS,
  MSP360_LOGIN_PATH,
  type Msp360PeerOptions,
  type Msp360PeerHandle,
} from './msp360.js';
export {
  startAcronisPeer,
  ACRONIS_DEFAULTS,
  type AcronisPeerOptions,
  type AcronisPeerHandle,
} from './acronis.js';
export { makeJwt, decodeJwtPayload, nowSeconds, TEST_JWT_SECRET } from './static-jwt.js';
