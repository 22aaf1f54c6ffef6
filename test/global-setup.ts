/**
 * Once per test run, before any test file: fetch the Node that Electron 45 embeds (it is not an
 * npm dependency; scripts/electron-node.mjs says why) for the whole-app tests and the standalone
 * executable's tests. Where it cannot be had, those tests skip and print the reason.
 */
import { ensureElectronNode } from '../scripts/electron-node.mjs';

export default function setup(): void {
  const node = ensureElectronNode();
  if (!node.ok) console.log(`test/app and the standalone executable tests will skip: ${node.reason}`);
}
