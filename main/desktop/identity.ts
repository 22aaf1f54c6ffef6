/**
 * The app's identity. Never change these: the keyring and Keychain items ("Tokentray Safe
 * Storage"), userData and the Windows notification identity are all named after them, and
 * renaming silently loses access to stored secrets. electron-builder.cjs repeats them (a
 * test keeps the two equal).
 */
export const APP_ID = 'com.tokentray.app';
export const PRODUCT_NAME = 'Tokentray';
