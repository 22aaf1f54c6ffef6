// Draws Tokentray's tray icons (four states, 16 px at 1x and 2x, macOS template variants, Windows
// .ico) and the app icon (.png and .ico) with nothing but node:zlib, so no image tool is needed.
// The generated files are committed; run `node build/make-icons.mjs` after changing a shape.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const trayDir = path.join(here, 'tray');

// ---------- PNG and ICO encoding ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes RGBA pixels (size × size × 4) as a PNG. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Packs PNGs into one .ico (PNG entries, supported since Windows Vista). */
function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size;
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

// ---------- shapes (unit square, y down) ----------

const C = 0.5;
const R = 0.44;
const RING = 0.15;
const dist = (x, y, cx = C, cy = C) => Math.hypot(x - cx, y - cy);

function segmentDistance(x, y, [ax, ay], [bx, by]) {
  const t = Math.max(
    0,
    Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
  );
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

/** A check mark scaled by `k` about the centre. */
const checkAt = (k) => (x, y) => {
  const s = ([px, py]) => [C + (px - C) * k, C + (py - C) * k];
  const [a, b, c] = [s([0.27, 0.52]), s([0.43, 0.68]), s([0.73, 0.35])];
  return Math.min(segmentDistance(x, y, a, b), segmentDistance(x, y, b, c)) < 0.065 * k;
};
const check = checkAt(1);
const exclamation = (x, y) => (Math.abs(x - C) < 0.065 && y > 0.2 && y < 0.58) || dist(x, y, C, 0.75) < 0.075;

/** Each state: the body (drawn in the state colour) and a mark cut out of it (white, or transparent in templates). */
const STATES = {
  ok: { color: [46, 157, 79], body: (x, y) => dist(x, y) <= R, mark: check },
  attention: {
    color: [217, 140, 16],
    // A ring half filled: time running out.
    body: (x, y) => {
      const d = dist(x, y);
      return (d <= R && d >= R - RING) || (d <= R && x >= C);
    },
    mark: () => false,
  },
  'needs-user': { color: [205, 45, 45], body: (x, y) => dist(x, y) <= R, mark: exclamation },
  empty: {
    color: [128, 128, 128],
    body: (x, y) => {
      const d = dist(x, y);
      return d <= R && d >= R - RING * 0.8;
    },
    mark: () => false,
  },
};

/** Renders a shape at `size` px with 4×4 supersampling. */
function render(size, { color, body, mark }, template) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bodyHits = 0;
      let markHits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          if (!body(x, y)) continue;
          if (mark(x, y)) markHits++;
          else bodyHits++;
        }
      }
      const i = (py * size + px) * 4;
      const total = n * n;
      if (template) {
        // macOS template image: black plus alpha only; the system tints it for light and dark bars.
        rgba[i + 3] = Math.round((255 * bodyHits) / total);
      } else {
        const alpha = (bodyHits + markHits) / total;
        const white = bodyHits + markHits === 0 ? 0 : markHits / (bodyHits + markHits);
        for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(color[c] * (1 - white) + 255 * white);
        rgba[i + 3] = Math.round(255 * alpha);
      }
    }
  }
  return rgba;
}

// ---------- outputs ----------

mkdirSync(trayDir, { recursive: true });
const written = [];
const write = (file, data) => {
  writeFileSync(file, data);
  written.push(path.relative(here, file));
};

for (const [state, shape] of Object.entries(STATES)) {
  write(path.join(trayDir, `tray-${state}.png`), encodePng(16, render(16, shape, false)));
  write(path.join(trayDir, `tray-${state}@2x.png`), encodePng(32, render(32, shape, false)));
  write(path.join(trayDir, `tray-${state}Template.png`), encodePng(16, render(16, shape, true)));
  write(path.join(trayDir, `tray-${state}Template@2x.png`), encodePng(32, render(32, shape, true)));
  // Windows picks the size matching the display scale: 100 %, 125 %, 150 %, 200 %.
  write(
    path.join(trayDir, `tray-${state}.ico`),
    encodeIco([16, 20, 24, 32].map((size) => ({ size, png: encodePng(size, render(size, shape, false)) }))),
  );
}

// The app icon: a blue rounded square with a white token ring and check.
const appShape = (() => {
  const corner = 0.2;
  const inSquare = (x, y) => {
    const m = 0.04;
    if (x < m || y < m || x > 1 - m || y > 1 - m) return false;
    const cx = Math.min(Math.max(x, m + corner), 1 - m - corner);
    const cy = Math.min(Math.max(y, m + corner), 1 - m - corner);
    return Math.hypot(x - cx, y - cy) <= corner;
  };
  const ring = (x, y) => {
    const d = dist(x, y);
    return d <= 0.34 && d >= 0.26;
  };
  return { color: [37, 99, 235], body: inSquare, mark: (x, y) => ring(x, y) || checkAt(0.62)(x, y) };
})();

write(path.join(here, 'icon.png'), encodePng(512, render(512, appShape, false)));
write(
  path.join(here, 'icon.ico'),
  encodeIco(
    [16, 24, 32, 48, 64, 128, 256].map((size) => ({
      size,
      png: encodePng(size, render(size, appShape, false)),
    })),
  ),
);

console.log(`make-icons: wrote ${written.length} files:\n  ${written.join('\n  ')}`);
