/**
 * Which files main will read or write for a renderer. The renderer is treated as untrusted: it can
 * only name paths that the user chose in a dialog, that the app created, or that lie under roots
 * main itself trusts (samples, the app's output folder; in the browser bridge, the roots given on
 * its command line, which play the role of the in-app file dialog's reach).
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { DeniedError } from '../ipc/dispatcher.ts';

export class PathPolicy {
  private files = new Set<string>();
  private roots: string[] = [];

  constructor(roots: string[] = []) {
    for (const r of roots) this.allowRoot(r);
  }

  /** A path the user picked in a dialog, or that the app wrote. */
  allowFile(path: string): void {
    this.files.add(canonical(path));
  }

  /** Everything below this folder. */
  allowRoot(dir: string): void {
    this.roots.push(canonical(dir));
  }

  isAllowed(path: string): boolean {
    if (!isAbsolute(path)) return false;
    const p = canonical(path);
    if (this.files.has(p)) return true;
    return this.roots.some((r) => p === r || isInside(r, p));
  }

  /** Browsing (listing folders) is only possible inside roots. */
  canBrowse(dir: string): boolean {
    if (!isAbsolute(dir)) return false;
    const p = canonical(dir);
    return this.roots.some((r) => p === r || isInside(r, p));
  }

  browseRoots(): string[] {
    return [...this.roots];
  }

  assertReadable(path: string): string {
    if (!this.isAllowed(path)) {
      throw new DeniedError(`not allowed to open ${path}: choose it with File › Open first`);
    }
    return resolve(path);
  }

  assertWritable(path: string): string {
    // Writing a new file: its folder must be allowed, or the exact path chosen in a save dialog.
    if (!this.isAllowed(path) && !this.canBrowse(dirname(resolve(path)))) {
      throw new DeniedError(`not allowed to write ${path}: choose it with a save dialog first`);
    }
    return resolve(path);
  }
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/** Resolves symlinks of the existing part of a path, so a link cannot lead out of a root. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return resolve(canonical(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}
