/**
 * Native dialogs are a service: Electron provides one (main/electron/dialogs.ts), the browser
 * bridge has none and the renderer falls back to its in-app dialog.
 */
import type { FilePurpose } from '../../../shared/ipc/files.ts';

export interface DialogService {
  chooseOpen(purpose: FilePurpose, directory: boolean): Promise<string[] | null>;
  chooseSave(purpose: FilePurpose, defaultName: string): Promise<string | null>;
}
