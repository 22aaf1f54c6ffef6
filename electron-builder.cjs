// electron-builder configuration: `npm run dist` packages Tokentray for the current OS (this needs
// the Electron binary download). Identity fields (appId, productName) must never change: the OS
// keyring and Keychain items and userData are named after them (main/desktop/identity.ts).

const { join } = require('node:path');

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.tokentray.app',
  productName: 'Tokentray',
  directories: { output: 'release', buildResources: 'build' },
  files: ['package.json', 'dist/main/**', 'dist/preload/**', 'dist/renderer/**', '!**/*.map'],
  // electron-builder does not pack build/: the tray images and the window icon ship as resources.
  extraResources: [
    { from: 'build/tray', to: 'tray', filter: ['*.png', '*.ico'] },
    { from: 'build/icon.png', to: 'icon.png' },
    // The CLI client, for `node <resources>/cli/tokentray.cjs` (the app shows the exact command);
    // commands.cjs is the rest of it, which the entry requires when needed.
    { from: 'dist/cli', to: 'cli', filter: ['tokentray.cjs', 'commands.cjs'] },
    // The standalone `tokentray` executable (CLI and headless agent, no Node needed), built by
    // `npm run build:cli-exe` for the OS that packages: <resources>/bin/tokentray[.exe]. On macOS
    // the app's signing signs it too (hardened runtime; the default entitlements allow V8's JIT).
    { from: 'dist/cli-exe', to: 'bin', filter: ['tokentray', 'tokentray.exe'] },
  ],
  asar: true,
  // Release fuses (checklist A6). The end-to-end suite runs the unpackaged app instead, since
  // Playwright's _electron needs the inspect arguments this build turns off.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
    // Flipping fuses edits the binary, which voids its ad-hoc signature: an unsigned Apple Silicon
    // build then refuses to launch. A signed release is signed again after the flip anyway.
    resetAdHocDarwinSignature: true,
  },
  // Ubuntu >= 23.10 forbids unprivileged user namespaces to unconfined programs (AppArmor), so the
  // AppImage's Chromium sandbox cannot start there: the deb (installed with its AppArmor profile by
  // electron-builder's template) is the Ubuntu artifact, the AppImage is for other distributions.
  // Never ship --no-sandbox to work around it (test/unit/desktop-packaging.test.ts checks).
  linux: {
    target: ['deb', 'AppImage'],
    category: 'Utility',
    icon: 'build/icon.png',
    executableName: 'tokentray',
    synopsis: 'Keeps vendor API bearer tokens fresh',
    // The deb format needs a maintainer; replace with the project's real contact.
    maintainer: 'Tokentray maintainers',
  },
  // The deb puts the command-line tool on PATH as /usr/bin/tokentray (electron-builder's own
  // after-install links the desktop app there; ours, its template with that one line changed,
  // links <resources>/bin/tokentray) and ships the headless agent's systemd user unit, disabled.
  deb: {
    afterInstall: 'build/linux/after-install.tpl',
    afterRemove: 'build/linux/after-remove.tpl',
    fpm: [
      `${join(__dirname, 'build/systemd/tokentray-agent.service')}=/usr/lib/systemd/user/tokentray-agent.service`,
    ],
  },
  win: {
    target: ['nsis'],
    icon: 'build/icon.ico',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.developer-tools',
    icon: 'build/icon.png',
    hardenedRuntime: true,
    // Tray-only: no Dock icon, no app menu bar while the window is closed.
    extendInfo: { LSUIElement: true },
  },
};
