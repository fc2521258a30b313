import { appendFile, mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DirEntry } from '../../../../shared/ipc/files.ts';
import { UserError } from '../../../errors.ts';
import type { DialogService } from '../../files/dialogs.ts';
import type { PathPolicy } from '../../files/path-policy.ts';
import type { RecentFiles } from '../../files/recent-files.ts';
import { DeniedError } from '../dispatcher.ts';
import type { PartialHandlerMap } from '../handler.ts';

export function fileHandlers(
  paths: PathPolicy,
  recent: RecentFiles,
  dialogs: DialogService | null,
  /** Dropped files are written below <outputDir>/uploads, a folder main already may read. */
  outputDir: string,
): PartialHandlerMap<'files:choose-open' | 'files:choose-save' | 'files:list-dir' | 'files:recent' | 'files:upload'> {
  return {
    'files:choose-open': async ({ purpose, directory }) => {
      if (!dialogs) return { paths: null, native: false };
      const chosen = await dialogs.chooseOpen(purpose, directory);
      // A path the user picked in the native dialog becomes readable (directories: everything in them).
      for (const p of chosen ?? []) {
        if (directory) paths.allowRoot(p);
        else paths.allowFile(p);
      }
      return { paths: chosen, native: true };
    },
    'files:choose-save': async ({ purpose, defaultName }) => {
      if (!dialogs) return { path: null, native: false };
      const chosen = await dialogs.chooseSave(purpose, defaultName);
      if (chosen) paths.allowFile(chosen);
      return { path: chosen, native: true };
    },
    'files:list-dir': async ({ path }) => {
      const dir = resolve(path ?? paths.browseRoots()[0] ?? '/');
      if (!paths.canBrowse(dir)) throw new DeniedError(`not allowed to browse ${dir}`);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        throw new UserError(`cannot list ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const entries: DirEntry[] = [];
      for (const name of names.sort()) {
        if (name.startsWith('.')) continue;
        const p = join(dir, name);
        try {
          const s = await stat(p);
          entries.push(s.isDirectory() ? { name, path: p, kind: 'dir' } : { name, path: p, kind: 'file', size: s.size });
        } catch {
          // Broken links and files that vanished while listing are skipped.
        }
      }
      entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1));
      const parent = dirname(dir);
      return { path: dir, parent: parent !== dir && paths.canBrowse(parent) ? parent : null, entries };
    },
    'files:recent': async () => recent.list(),
    'files:upload': async ({ token, name, offset, data }) => {
      // Only the last path part, without leading dots: the name cannot lead out of the token's folder.
      const safe = basename(name.replace(/\\/g, '/')).replace(/^\.+/, '').replace(/[^\w.+-]/g, '_') || 'dropped';
      const dir = join(outputDir, 'uploads', token);
      const path = join(dir, safe);
      await mkdir(dir, { recursive: true });
      const have = await stat(path).then((s) => s.size, () => 0);
      if (have !== offset) throw new UserError(`upload of ${safe} out of order: expected offset ${have}, got ${offset}`);
      await appendFile(path, data);
      return { path };
    },
  };
}
