import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { APP_ID, PRODUCT_NAME } from '../../main/desktop/identity.js';
import { trayIconFile } from '../../main/desktop/tray.js';

const require = createRequire(import.meta.url);
const config = require('../../electron-builder.cjs') as Record<string, unknown> & {
  extraResources: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[]; extendInfo: Record<string, unknown> };
};
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  productName: string;
  main: string;
};

describe('packaging identity', () => {
  it('keeps the app id and product name the keyring items and userData are named after', () => {
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe(PRODUCT_NAME);
    expect(pkg.productName).toBe(PRODUCT_NAME);
    expect([APP_ID, PRODUCT_NAME, pkg.name]).toEqual(['com.tokentray.app', 'Tokentray', 'tokentray']);
  });

  it('packs the main bundle package.json points at', () => {
    expect(pkg.main).toBe('dist/main/index.cjs');
    expect(config.files).toEqual(
      expect.arrayContaining(['dist/main/**', 'dist/preload/**', 'dist/renderer/**']),
    );
  });
});

describe('release build', () => {
  it('sets every fuse as the checklist says', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: true,
    });
  });

  it('never turns the Chromium sandbox off, on any platform', () => {
    expect(JSON.stringify(config)).not.toMatch(/no-sandbox/);
    expect(readFileSync('main/desktop/autostart.ts', 'utf8')).not.toMatch(/no-sandbox/);
  });

  it('targets deb (the Ubuntu artifact) and AppImage, NSIS, and a tray-only dmg', () => {
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
  });

  it('ships the tray images as extra resources (build/ is not packed)', () => {
    expect(config.extraResources).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'build/tray', to: 'tray' })]),
    );
  });

  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: unknown, log: unknown): Promise<void>;
    };
    await expect(
      validateConfiguration(config, { isEnabled: false, add: () => undefined }),
    ).resolves.toBeUndefined();
  });
});

function pngInfo(file: string): { width: number; height: number; rgba: Buffer } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  expect(bytes[25]).toBe(6); // RGBA
  const idat: Buffer[] = [];
  for (let p = 8; p < bytes.length;) {
    const length = bytes.readUInt32BE(p);
    if (bytes.toString('ascii', p + 4, p + 8) === 'IDAT') idat.push(bytes.subarray(p + 8, p + 8 + length));
    p += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  return { width, height, rgba };
}

function icoSizes(file: string): number[] {
  const bytes = readFileSync(file);
  expect(bytes.readUInt16LE(2)).toBe(1);
  return Array.from({ length: bytes.readUInt16LE(4) }, (_, i) => bytes[6 + i * 16] || 256);
}

describe('icons', () => {
  const states = ['ok', 'attention', 'needs-user', 'empty'] as const;
  const tray = (name: string) => path.join('build', 'tray', name);

  it.each(states)(
    '%s: 16 px at 1x and 32 px at 2x, colour and macOS template, and a multi-size .ico',
    (state) => {
      for (const platform of ['linux', 'darwin'] as const) {
        const base = trayIconFile(state, platform);
        expect(pngInfo(tray(base))).toMatchObject({ width: 16, height: 16 });
        expect(pngInfo(tray(base.replace('.png', '@2x.png')))).toMatchObject({ width: 32, height: 32 });
      }
      expect(icoSizes(tray(trayIconFile(state, 'win32')))).toEqual([16, 20, 24, 32]);
    },
  );

  it('draws template images in black and alpha only (macOS tints them)', () => {
    for (const file of readdirSync(path.join('build', 'tray')).filter((f) => f.includes('Template'))) {
      const { rgba } = pngInfo(tray(file));
      for (let i = 0; i < rgba.length; i += 4)
        expect([rgba[i], rgba[i + 1], rgba[i + 2]], file).toEqual([0, 0, 0]);
    }
  });

  it('draws each state differently, so they can be told apart in a monochrome bar', () => {
    const templates = states.map((s) => pngInfo(tray(`tray-${s}Template.png`)).rgba.toString('hex'));
    expect(new Set(templates).size).toBe(4);
  });

  it('has an app icon big enough for every platform', () => {
    expect(pngInfo('build/icon.png')).toMatchObject({ width: 512, height: 512 });
    expect(icoSizes('build/icon.ico')).toContain(256);
  });
});
