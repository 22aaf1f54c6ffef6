/** The export's save dialog: a sheet of the account window when it is open (fake dialog, named so). */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BaseWindow, Dialog } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveExportWithDialog } from '../../main/desktop/export-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tokentray-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fake of Electron's dialog that records whether it was given a parent window. */
function fakeDialog(filePath: string | null) {
  const calls: unknown[][] = [];
  const dialog = {
    showSaveDialog: async (...args: unknown[]) => {
      calls.push(args);
      return filePath === null ? { canceled: true } : { canceled: false, filePath };
    },
  } as unknown as Pick<Dialog, 'showSaveDialog'>;
  return { dialog, calls };
}

describe('saving an export', () => {
  it('opens the dialog on the account window when there is one, and writes an owner-only file', async () => {
    const file = path.join(dir, 'out.json');
    const { dialog, calls } = fakeDialog(file);
    const parent = { id: 7 } as unknown as BaseWindow;
    expect(await saveExportWithDialog(dialog, parent, '{"accounts":[]}', 'tokentray.json')).toBe(file);
    expect(calls[0]?.[0]).toBe(parent);
    expect((calls[0]?.[1] as { defaultPath: string }).defaultPath).toBe('tokentray.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe('{"accounts":[]}');
  });

  it('without a window, opens a parentless dialog; cancelled, writes nothing', async () => {
    const { dialog, calls } = fakeDialog(null);
    expect(await saveExportWithDialog(dialog, null, '{}', 'x.json')).toBeNull();
    expect(calls[0]).toHaveLength(1);
  });
});
