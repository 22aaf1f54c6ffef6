/** Saves an export where the user chooses, owner-readable only (it may hold secrets). */
import type { Dialog } from 'electron';
import { writeFileAtomicSync } from './atomic-file.js';

/** Asks for a path and writes `contents` there; resolves to the path, or null if cancelled. */
export async function saveExportWithDialog(
  dialog: Pick<Dialog, 'showSaveDialog'>,
  contents: string,
  suggestedName: string,
): Promise<string | null> {
  const choice = await dialog.showSaveDialog({
    title: 'Export accounts',
    defaultPath: suggestedName,
    filters: [{ name: 'JSON', extensions: ['json'] }],
  });
  if (choice.canceled || choice.filePath === undefined || choice.filePath === '') return null;
  writeFileAtomicSync(choice.filePath, contents);
  return choice.filePath;
}
