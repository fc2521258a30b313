/**
 * Opening files dropped on the window. A browser page never learns a dropped file's path, so the
 * bytes go to main in chunks (files:upload), main writes them to a temp file of its own and the
 * usual open-stack job reads that. Electron takes the same route: one path for both.
 */
import { UPLOAD_CHUNK_BYTES } from '../../shared/ipc/files.ts';
import { openStack } from './actions.ts';
import type { Workspace } from './workspace.ts';

function token(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Sends one file to main; returns the path main wrote it to. */
export async function uploadFile(ws: Workspace, file: File): Promise<string> {
  const t = token();
  let path = '';
  // An empty file still makes one (empty) call, so main creates it and the reader says what is wrong.
  for (let offset = 0; offset === 0 || offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
    const data = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
    ({ path } = await ws.api.invoke('files:upload', { token: t, name: file.name, offset, data }));
    if (file.size === 0) break;
  }
  return path;
}

/** The first dropped file opens as the noisy stack if none is open yet, later ones as more stacks. */
export async function openDropped(ws: Workspace, files: File[]): Promise<void> {
  for (const file of files) {
    ws.notify('info', `Opening ${file.name}…`);
    let path: string;
    try {
      path = await uploadFile(ws, file);
    } catch (e) {
      ws.notify('error', `Could not open ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    await openStack(ws, { kind: 'file', path }, 'primary');
  }
}
