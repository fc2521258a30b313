/** Native open/save dialogs as the app core's DialogService. */
import type { BrowserWindow, Dialog, FileFilter, OpenDialogOptions } from 'electron';
import type { FilePurpose } from '../../shared/ipc/files.ts';
import type { DialogService } from '../app/files/dialogs.ts';

const STACK_FILTERS: FileFilter[] = [
  { name: 'Image stacks', extensions: ['tif', 'tiff', 'nii', 'gz', 'zarr'] },
  { name: 'All files', extensions: ['*'] },
];

const TITLES: Record<FilePurpose, string> = {
  stack: 'Open stack',
  'second-copy': 'Open second noisy copy',
  reference: 'Open reference (high exposure)',
  model: 'Choose a model folder',
  export: 'Export',
};

export function electronDialogs(dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>, window: () => BrowserWindow | null): DialogService {
  return {
    async chooseOpen(purpose, directory) {
      const win = window();
      const opts: OpenDialogOptions = {
        title: TITLES[purpose],
        // A stack may be a file or a folder (OME-Zarr store, folder of TIFF planes); a model is a folder.
        properties: directory ? ['openDirectory'] : ['openFile', 'openDirectory'],
        filters: purpose === 'model' ? [] : STACK_FILTERS,
      };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths;
    },
    async chooseSave(purpose, defaultName) {
      const win = window();
      const opts = { title: TITLES[purpose], defaultPath: defaultName };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}
