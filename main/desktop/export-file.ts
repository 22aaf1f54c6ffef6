/** Saves an export where the user chooses, owner-readable only (it may hold secrets). */
import type { BaseWindow, Dialog, SaveDialogOptions } from 'electron';
import { writeFileAtomicSync } from './atomic-file.js';

/**
 * Asks for a path and writes `contents` there; resolves to the path, or null if cancelled. With a
 * parent window the dialog is its sheet (macOS) or modal child: a tray app has no Dock icon, and a
 * parentless dialog can open behind other apps' windows.
 */
export async function saveExportWithDialog(
  dialog: Pick<Dialog, 'showSaveDialog'>,
  parent: BaseWindow | null,
  contents: string,
  suggestedName: string,
): Promise<string | null> {
  const options: SaveDialogOptions = {
    title: 'Export accounts',
    defaultPath: suggestedName,
    filters: [{ name: 'JSON', extensions: ['json'] }],
  };
  const choice =
    parent === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(parent, options);
  if (choice.canceled || choice.filePath === undefined || choice.filePath === '') return null;
  writeFileAtomicSync(choice.filePath, contents);
  return choice.filePath;
}
