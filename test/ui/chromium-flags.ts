/**
 * Flags for the test Chromium: headless, and everything that phones home switched off (this
 * machine's network is closed; without them Chromium retries refused connections at every start).
 * `--no-sandbox` because the tests run as root here; the app never ships it.
 */
export const CHROMIUM_TEST_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
