/**
 * Files: native dialogs (Electron), recent files, and the directory listing behind the in-app
 * file dialog used in the browser (where no native dialog exists). Main decides what may be read:
 * paths the user chose, paths the app created, and the shipped samples.
 */
import { z } from 'zod';
import { Empty, event, invoke } from './define.ts';

export const FilePurpose = z.enum(['stack', 'second-copy', 'reference', 'model', 'export']);
export type FilePurpose = z.infer<typeof FilePurpose>;

export const DirEntry = z.object({
  name: z.string(),
  path: z.string(),
  kind: z.enum(['file', 'dir']),
  size: z.number().optional(),
});
export type DirEntry = z.infer<typeof DirEntry>;

export const DirListing = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  entries: z.array(DirEntry),
});
export type DirListing = z.infer<typeof DirListing>;

/**
 * One chunk of a dropped file. The page picks the token (one per file) and sends the chunks in
 * order; main appends each at `offset` (which must be what it already holds) to its own temp file.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
export const FileUpload = z.object({
  token: z.string().regex(/^[a-z0-9-]{8,64}$/),
  /** The file's own name (no folders); only used to name the temp file and pick the reader. */
  name: z.string().min(1).max(255),
  offset: z.number().int().min(0),
  data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= UPLOAD_CHUNK_BYTES, 'chunk too large'),
});

export const filesInvokes = {
  'files:choose-open': invoke(
    z.object({ purpose: FilePurpose, directory: z.boolean().default(false) }),
    z.object({ paths: z.array(z.string()).nullable(), native: z.boolean() }),
    'native open dialog (native=false: no native dialog here, use the in-app one)',
  ),
  'files:choose-save': invoke(
    z.object({ purpose: FilePurpose, defaultName: z.string() }),
    z.object({ path: z.string().nullable(), native: z.boolean() }),
    'native save dialog (native=false: no native dialog here, use the in-app one)',
  ),
  'files:list-dir': invoke(
    z.object({ path: z.string().optional() }),
    DirListing,
    'list a folder for the in-app file dialog (only where the app allows browsing)',
  ),
  'files:recent': invoke(Empty, z.array(z.string()), 'recently opened files, newest first'),
  'files:upload': invoke(
    FileUpload,
    z.object({ path: z.string() }),
    'a file dropped on the page (browser: no path) sent in chunks; main writes it to a temp file it may read',
  ),
};

export const filesEvents = {
  'files:recent-changed': event(z.array(z.string()), 'the recent-files list changed'),
};
